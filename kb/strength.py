"""Commitment strength of treaty text: binding, best-endeavour or permissive, plus exceptions.

Trade negotiators read "shall" and "shall endeavour" very differently; the label is computed
from the text at index time so grids can show and filter it.
"""

from __future__ import annotations

import re

_QUALIFIER = r"(?:,\s*[^,.;]{1,40},)?"  # "shall, where possible, work towards"
_BEST_ENDEAVOUR = re.compile(
    rf"\b(shall|will){_QUALIFIER}\s+(endeavou?r|make (every|reasonable) efforts?|seek to|strive"
    r"|work towards)"
    r"|\bshould\b|\brecogni[sz]e[sd]?\s+(the\s+(importance|benefits?|value)|that)\b"
    rf"|\bshall{_QUALIFIER}\s+(co-?operate|encourage|promote)"
    r"|\bendeavou?r\s+to\b|\bas\s+appropriate\b.{0,40}\bcooperat",
    re.IGNORECASE,
)
_BINDING = re.compile(
    rf"\b(shall|must)\b(?!{_QUALIFIER}\s+(endeavou?r|seek|strive|work towards))", re.IGNORECASE
)
_DEFINITIONS = re.compile(r"^\s*(definitions?|interpretation|objectives?|scope)\b", re.IGNORECASE)
_PERMISSIVE = re.compile(r"\bmay\b", re.IGNORECASE)

_EXCEPTIONS = {
    "legitimate-public-policy": re.compile(r"legitimate\s+public\s+policy\s+objective", re.I),
    "security": re.compile(r"essential\s+security|security\s+exception", re.I),
    "prudential": re.compile(r"prudential", re.I),
    "regulatory-requirements": re.compile(r"(its|their)\s+own\s+regulatory\s+requirements", re.I),
    "general-exceptions": re.compile(r"general\s+exceptions?|article\s+xiv\b", re.I),
}


def classify_strength(text: str, heading: str | None = None) -> tuple[str, list[str]]:
    """(strength, exceptions) of a provision's text.

    A provision with any binding obligation ("shall", "shall not") is binding even if it also
    has softer paragraphs; one whose only obligations are "shall endeavour", "shall work
    towards", "should" or "recognise the importance" is best-endeavour; "may" alone is
    permissive; definitions, objectives and scope articles oblige no one.
    """
    cleaned = re.sub(r"\s+", " ", text)
    exceptions = [name for name, pattern in _EXCEPTIONS.items() if pattern.search(cleaned)]
    if heading and _DEFINITIONS.match(heading):
        return "none", exceptions  # definitions and objectives oblige no one
    soft = len(_BEST_ENDEAVOUR.findall(cleaned))
    hard_spans = [
        m for m in _BINDING.finditer(cleaned) if not _BEST_ENDEAVOUR.match(cleaned, m.start())
    ]
    hard = sum(
        1
        for m in hard_spans
        if not re.match(r"(shall|will)\s+(cooperate|encourage|promote)", cleaned[m.start() :], re.I)
    )
    if hard:
        strength = "binding"
    elif soft:
        strength = "best-endeavour"
    elif _PERMISSIVE.search(cleaned):
        strength = "permissive"
    else:
        strength = "none"
    return strength, exceptions
