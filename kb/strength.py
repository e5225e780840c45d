"""Commitment strength of treaty text, the phrase that decides it, typed exceptions, scope
exclusions and dispute settlement per chapter.

Negotiators read "shall", "shall endeavour", "may" and "the Parties recognise" very differently,
and they ask first whether an obligation can be enforced and what it exempts. The labels are
computed from the text at index time so grids can show and filter them, and every label carries
the words that decided it so a reader can check it (docs/commitments.md defines the classes).

The article's label is the class of its principal operative paragraph: the first paragraph that
states an obligation or permission of the Parties. Definitions, scope clauses, "for greater
certainty" notes, exception clauses and recital-like "The Parties recognise ..." sentences are
skipped when looking for it; an article made only of the last is hortatory. Institutional and
final provisions (committees, accession, entry into force, dispute settlement ...) are
procedural whatever their verbs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

STRENGTHS = ("binding", "best-endeavour", "permissive", "hortatory", "procedural", "none")
OPERATIVE = ("binding", "best-endeavour", "permissive")
EXCEPTION_TYPES = (
    "legitimate-public-policy",
    "security",
    "prudential",
    "general-exceptions",
    "non-conforming-measures",
    "notwithstanding",
    "domestic-law",
    "carve-out",
)
DS_STATUSES = ("applies", "excluded", "partly")


@dataclass(frozen=True)
class ExceptionClause:
    """One exception found in an article: its type and the clause that states it."""

    type: str
    clause: str


@dataclass(frozen=True)
class ParagraphStrength:
    """The class of one paragraph and the words that decided it (None: nothing operative)."""

    strength: str
    phrase: str | None
    text: str


@dataclass(frozen=True)
class Assessment:
    """Everything the classifier says about one article."""

    strength: str
    phrase: str | None
    paragraphs: list[ParagraphStrength] = field(default_factory=list)
    exceptions: list[ExceptionClause] = field(default_factory=list)
    scope_exclusions: list[str] = field(default_factory=list)
    dispute_settlement: str | None = None  # set when this article excludes dispute settlement

    @property
    def exception_types(self) -> list[str]:
        return list(dict.fromkeys(e.type for e in self.exceptions))

    @property
    def paragraph_strengths(self) -> list[str]:
        return [p.strength for p in self.paragraphs]


# --- procedural articles ------------------------------------------------------------------

_PROCEDURAL_HEADING = re.compile(
    r"\b(accession|association with the agreement|entry into force|amendments?\b|withdrawal"
    r"|termination|depositary|deposit\b|authentic texts?|registration|reservations"
    r"|general review|committee|commission\b|joint council|contact points?|secretariat"
    r"|dispute settlement|non-application of|evolutionary clause|sub-committees?"
    r"|working groups?)\b"
    r"|^\s*(review|annexes(,? appendices,? and footnotes)?|implementation|duration)\s*$",
    re.IGNORECASE,
)
_PROCEDURAL_CHAPTER = re.compile(
    r"dispute settlement|institutional|final provisions|administration of the agreement",
    re.IGNORECASE,
)
_DS_EXCLUSION = re.compile(
    r"(dispute settlement|consultations and dispute settlement)\)?\s+shall not apply"
    r"|shall not (be subject to|have recourse to) dispute settlement"
    r"|(neither|no) party (may|shall) have recourse to dispute settlement"
    r"(?![^.;]{0,120}\bwithout first\b)",  # "without first consulting": a precondition only
    re.IGNORECASE,
)
_DS_PARTLY = re.compile(
    r"shall not apply to (articles?|paragraphs?|sections?)\b|for a period of|existing measures"
    r"|\b(malaysia|viet nam|brunei|[A-Z][a-z]+) shall not be subject",
)

# --- sentences that are not operative ------------------------------------------------------

_DEFINITION = re.compile(
    r"^\s*(?:\d[\d.\s]*)?"
    r"(?:for (?:the )?purposes? of this|in this (?:chapter|article|agreement),?\s)"
    r"|^\s*(?:\([a-z]\)\s*)?[\"“']?[\w ,-]{1,60}[\"”']?\s+means\b",
    re.IGNORECASE,
)
_SCOPE = re.compile(
    r"\b(this|the)\s+(chapter|article|agreement|section|annex)\s+(shall|does|do)\s+(not\s+)?"
    r"(apply|cover)\b"
    r"|\bthe objectives? of this (chapter|agreement|article)\b",
    re.IGNORECASE,
)
_CLARIFICATION = re.compile(
    r"^\s*(for greater (certainty|clarity)|for the avoidance of doubt)", re.IGNORECASE
)
_EXCEPTION_SENTENCE = re.compile(
    r"^\s*(?:\d[\d.\s]*)?(?:for greater certainty,\s*)?nothing in\b"
    r"|^\s*(?:\d[\d.\s]*)?notwithstanding\s+(?:sub)?(?:paragraphs?|articles?)\b"
    r"(?:[^.;]|\.(?=\d)){0,200}\bmay\b"
    r"|\bshall be subject to\b[^.;]{0,60}\bexceptions\b"
    r"|\b(?:article\s+xx|article\s+xxi|article\s+xiv|annex on financial services)\b[^.;]{0,120}"
    r"\bshall apply\b"
    r"|\bnothing in (this|the)\b[^.;]{0,80}\bshall\b"
    r"|\bshall not be (construed|prevented)\b|\bnothing in this\b[^.;]{0,60}\b(prevents?|precludes?"
    r"|requires?)\b",
    re.IGNORECASE,
)

# --- the classes ---------------------------------------------------------------------------

_SUBJECT = r"(?:part(?:y|ies)|members?|authorit(?:y|ies)|states?|signator(?:y|ies))"
_QUAL = r"(?:\s*,\s*[^,.;]{1,90},)?"  # "shall, where possible," / "shall, to the extent ..., "
_SOFT_VERB = (
    r"(?:endeavou?r|make (?:every|best|reasonable) efforts?|use (?:its|their) best endeavou?rs"
    r"|seek to|strive|work towards|encourage|promote|co-?operate)"
)
_SOFT_QUALIFIER = re.compile(
    r"^\s*,\s*(?:where|to the extent|as far as|in so far as)\s+(?:possible|practicable|feasible"
    r"|appropriate)", re.IGNORECASE
)
_BEST = re.compile(
    rf"\b(?:shall|will|agree to){_QUAL}:?\s+{_SOFT_VERB}\b"
    rf"|\b{_SUBJECT}\s+should\b"
    r"|\b(?:are|is) encouraged to\b",
    re.IGNORECASE,
)
_HORTATORY = re.compile(
    rf"\b{_SUBJECT}\s+(?:further\s+|also\s+|each\s+)?(?:recogni[sz]es?|acknowledges?"
    r"|(?:re)?affirms?|notes?|understands?"
    r"|share(?:s)? (?:the|a|an) (?:understanding|commitment|view|objective|goal)"
    r"|confirm that|consider that|emphasi[sz]e|underline|stress)\b",
    re.IGNORECASE,
)
_NOT_REQUIRED = re.compile(
    r"\b(?:shall not be|is not|are not)\s+(?:required|obliged|obligated)\s+to\b"
    r"|\bnothing in\b[^.;]{0,60}\brequires?\s+(?:a|any)\s+party\b",
    re.IGNORECASE,
)
_MAY = re.compile(
    rf"\b{_SUBJECT}\b(?:[^.;:]{{0,60}}?)\bmay\b(?!\s+not\b)(?!\s+be\b)", re.IGNORECASE
)
_BINDING = re.compile(
    r"\b(?:shall|must)\b|\bmay not\b|\b(?:neither|no)\s+party\s+may\b|\bis required to\b"
    r"|\bcommits? to\b|\bundertakes? to\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[a-z)\]”\"'][.;])\s+(?=[A-Z(])")
_PARA_START = re.compile(r"^\s*(?:\d{1,3}\s?\.\s?\d{0,3}\s|\d{1,3}\.\s*$|\d{1,3}\.(?=[A-Z]))")
_FOOTNOTE = re.compile(r"^\s*(?:\d{1,3}\s+[A-Z]|\(\^\d+\)|\[\^?\d+\])")


def _phrase(text: str, match: re.Match[str], width: int = 40) -> str:
    """The matched words widened to whole words, short enough to show beside a label."""
    start, end = match.start(), match.end()
    tail = text[end : end + width]
    cut = re.search(r"[,.;:(]", tail)
    tail = tail[: cut.start()] if cut else tail.rsplit(" ", 1)[0]
    words = (text[start:end] + tail).strip()
    return re.sub(r"\s+", " ", words)[:80]


def classify_sentence(sentence: str) -> tuple[str, str | None]:
    """(class, deciding phrase) of one sentence; "none" when it states nothing operative."""
    s = sentence.strip()
    if not s or _DEFINITION.search(s):
        return "none", None
    if _CLARIFICATION.search(s):  # a clarification obliges no one, but may still affirm
        m = _HORTATORY.search(s)
        return ("hortatory", _phrase(s, m)) if m else ("none", None)
    if _SCOPE.search(s) or _EXCEPTION_SENTENCE.search(s):
        return "none", None
    candidates: list[tuple[int, int, str, re.Match[str]]] = []
    for rank, (name, pattern) in enumerate(
        (("permissive-neg", _NOT_REQUIRED), ("best-endeavour", _BEST),
         ("hortatory", _HORTATORY), ("binding", _BINDING), ("permissive", _MAY))
    ):
        m = pattern.search(s)
        if m:
            # a permission counts from its "may", not from the subject before it
            at = m.end() - 3 if name == "permissive" else m.start()
            candidates.append((at, rank, name, m))
    if not candidates:
        return "none", None
    start, _, name, m = min(candidates)
    if name == "permissive-neg":
        return "permissive", _phrase(s, m)
    if name == "binding":
        after = s[m.end():]
        soft = _SOFT_QUALIFIER.match(after)
        if soft:  # "shall, where possible, provide ..."
            return "best-endeavour", re.sub(r"\s+", " ", m.group(0) + soft.group(0))
        head = s[max(0, m.start() - 60):m.start()]
        if re.search(r"(?:where|to the extent|as far as)\s+(?:possible|practicable)\s*,\s*[^,]*$",
                     head, re.IGNORECASE):
            return "best-endeavour", _phrase(s, m)
    if name == "permissive":
        # "A Party may ..." ; report from the subject
        return "permissive", _phrase(s, m, 30)
    return name, _phrase(s, m)


def paragraphs(text: str) -> list[str]:
    """The numbered paragraphs of an article (sub-items and wrapped lines joined), footnotes
    that the page layout left inline dropped."""
    out: list[str] = []
    for line in text.splitlines():
        if not line.strip() or _FOOTNOTE.match(line):
            continue
        if not out or _PARA_START.match(line):
            out.append(line.strip())
        else:
            out[-1] += " " + line.strip()
    return out


def classify_paragraph(paragraph: str) -> ParagraphStrength:
    """A paragraph's class is its first operative sentence, else hortatory, else none."""
    hortatory: tuple[str, str | None] | None = None
    sentences = _SENTENCE_END.split(re.sub(r"\s+", " ", paragraph))
    if sentences and _EXCEPTION_SENTENCE.search(sentences[0]):
        # an exception paragraph: its conditions ("such measures shall not ...") oblige no one
        return ParagraphStrength("none", None, paragraph)
    for sentence in sentences:
        name, phrase = classify_sentence(sentence)
        if name in OPERATIVE:
            return ParagraphStrength(name, phrase, paragraph)
        if name == "hortatory" and hortatory is None:
            hortatory = (name, phrase)
    if hortatory:
        return ParagraphStrength(hortatory[0], hortatory[1], paragraph)
    return ParagraphStrength("none", None, paragraph)


# --- exceptions and scope exclusions -------------------------------------------------------

_EXCEPTIONS: dict[str, re.Pattern[str]] = {
    "legitimate-public-policy": re.compile(
        r"legitimate[\s-]+public[\s-]+policy[\s-]+(objective|interest)s?", re.I),
    "security": re.compile(
        r"essential[\s-]+security(\s+interests?)?|national[\s-]+security|security\s+exceptions?"
        r"|article\s+xxi\b|article\s+xiv\s*bis", re.I),
    "prudential": re.compile(
        r"prudential\s+(reasons|exceptions?|carve-?out)"
        r"|paragraph\s+2\s+of\s+the\s+gats\s+annex\s+on\s+financial\s+services", re.I),
    "general-exceptions": re.compile(
        r"general\s+exceptions?|article\s+xx\b(?!i)|article\s+xiv\b(?!\s*bis)", re.I),
    "non-conforming-measures": re.compile(r"non-?\s?conforming\s+(measures?|aspects?)", re.I),
    "notwithstanding": re.compile(
        r"notwithstanding\s+(sub)?(paragraphs?|articles?|sections?)\s+\(?\d", re.I),
    "domestic-law": re.compile(
        r"(except|unless)[^.;]{0,50}(provided|permitted|required)\s+(for\s+)?(under|by|in)\s+"
        r"(its|their|the\s+party.s|that\s+party.s)\s+(domestic\s+)?(laws?|legislation)"
        r"|subject\s+to\s+(its|their|the\s+party.s|applicable|each\s+party.s|their\s+respective)"
        r"\b[^.;]{0,40}?\b(laws?|legislation)\b"
        r"|unless\s+prohibited\s+by\s+(its|the\s+party.s)\s+law"
        r"|to\s+the\s+extent\s+(provided\s+for|permitted)\s+(in|by|under)\s+(its|their)\s+"
        r"(domestic\s+)?(laws?|legislation)"
        r"|domestic[^.;]{0,30}legal\s+requirements?\s+to\s+the\s+contrary", re.I),
    "carve-out": re.compile(
        r"to\s+the\s+extent\s+(of\s+any|that\s+(it\s+is|they\s+are))\s+inconsisten\w*\s+with",
        re.I),
}
_SCOPE_EXCLUSION = re.compile(
    r"\b(this|the)\s+(chapter|article|agreement|section|annex|paragraph)(\s*,[^,]{1,40},)?\s+"
    r"(shall|does|do)\s+not\s+apply(\s*,[^,]{1,40},)?\s+(to|with respect to|in respect of)\b"
    r"|\b(paragraphs?|articles?)\s+[\d.]+(\s+(and|or|through)\s+[\d.]+)?\s+(shall|does|do)\s+not\s+"
    r"apply\s+to\b(?=[^.]{0,300}\b(subsid|government procurement|broadcast|governmental authority"
    r"|information held))",
    re.I,
)


def _clause(text: str, start: int, end: int, limit: int = 300) -> str:
    """The sentence (or list item) around a match, trimmed to ``limit`` characters."""
    left = max(text.rfind(". ", 0, start), text.rfind("; ", 0, start), text.rfind("\n", 0, start))
    right_candidates = [i for i in (text.find(". ", end), text.find("; ", end),
                                    text.find("\n", end)) if i != -1]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    if text[left + 1:right].rstrip().endswith(":"):  # "shall not apply to:" and its list
        stop = text.find(". ", right)
        right = stop + 1 if stop != -1 else len(text)
    clause = re.sub(r"\s+", " ", text[left + 1:right]).strip()
    clause = re.sub(r"\s+\d{1,3}\.$", "", clause)  # the next paragraph's number
    if len(clause) > limit:
        offset = max(0, start - left - 1 - limit // 2)
        clause = ("…" if offset else "") + clause[offset:offset + limit].strip() + "…"
    return clause


def find_exceptions(text: str, heading: str | None = None) -> list[ExceptionClause]:
    """Typed exceptions with their clause, first clause per type, in type order."""
    found: list[ExceptionClause] = []
    for name, pattern in _EXCEPTIONS.items():
        m = pattern.search(text)
        if m:
            found.append(ExceptionClause(name, _clause(text, m.start(), m.end())))
        elif heading and pattern.search(heading):
            found.append(ExceptionClause(name, heading))
    if heading and re.search(r"prudential measures", heading, re.I) and not any(
        e.type == "prudential" for e in found
    ):
        found.append(ExceptionClause("prudential", heading))
    return found


def find_scope_exclusions(text: str) -> list[str]:
    """Clauses that take matters out of the article's or chapter's scope."""
    return [_clause(text, m.start(), m.end()) for m in _SCOPE_EXCLUSION.finditer(text)]


def dispute_settlement_exclusion(text: str, heading: str | None = None) -> str | None:
    """"excluded" or "partly" when this article takes its chapter out of dispute settlement."""
    cleaned = re.sub(r"\s+", " ", text)
    if not _DS_EXCLUSION.search(cleaned):
        return None
    if re.search(r"any matter arising under this chapter|to this chapter\b", cleaned, re.I) and \
            not _DS_PARTLY.search(cleaned):
        return "excluded"
    return "partly"


def is_procedural(heading: str | None, path: Sequence[str] = (), text: str = "") -> bool:
    """Institutional and final provisions: they organise the treaty, they oblige no conduct."""
    if heading and _PROCEDURAL_HEADING.search(heading):
        return True
    if path and _PROCEDURAL_CHAPTER.search(path[-1]):
        return True
    # an article whose first paragraph takes the chapter out of dispute settlement (a footnote
    # or a later paragraph doing so for one Party does not make the article procedural)
    first = paragraphs(text)[:1] if text else []
    return bool(first) and dispute_settlement_exclusion(first[0]) is not None


def assess(text: str, heading: str | None = None, path: Sequence[str] = ()) -> Assessment:
    """The full reading of one article: label, deciding phrase, paragraph mix, exceptions."""
    paras = [classify_paragraph(p) for p in paragraphs(text)]
    exceptions = find_exceptions(text, heading)
    scope = find_scope_exclusions(text)
    ds = dispute_settlement_exclusion(text, heading)
    if is_procedural(heading, path, text):
        phrase = heading
        first = next((p for p in paras if p.phrase), None)
        if first:
            phrase = first.phrase
        return Assessment("procedural", phrase, paras, exceptions, scope, ds)
    if heading and re.match(r"^\s*(definitions?|interpretation|objectives?|purposes?)\b",
                            heading, re.I) and not any(p.strength in OPERATIVE for p in paras[1:]):
        return Assessment("none", None, paras, exceptions, scope, ds)
    principal = next((p for p in paras if p.strength in OPERATIVE), None)
    if principal is None:
        principal = next((p for p in paras if p.strength == "hortatory"), None)
    if principal is None:
        return Assessment("none", None, paras, exceptions, scope, ds)
    return Assessment(principal.strength, principal.phrase, paras, exceptions, scope, ds)


def classify_strength(text: str, heading: str | None = None) -> tuple[str, list[str]]:
    """(strength, exception types) of a provision's text; see :func:`assess` for the rest."""
    result = assess(text, heading)
    return result.strength, result.exception_types


@dataclass(frozen=True)
class ChapterDisputeSettlement:
    """Whether a chapter can be taken to dispute settlement, and the article that says so."""

    chapter: str
    status: str
    article: str | None


def chapter_dispute_settlement(
    provisions: Iterable[tuple[str, str | None, Sequence[str], str]],
) -> dict[str, ChapterDisputeSettlement]:
    """Chapters that an article of their own excludes (wholly or partly) from dispute
    settlement, keyed by chapter label; provisions are (number, heading, path, text)."""
    out: dict[str, ChapterDisputeSettlement] = {}
    for number, heading, path, text in provisions:
        status = dispute_settlement_exclusion(text or "", heading)
        if status and path:
            chapter = path[-1]
            if chapter not in out or out[chapter].status == "partly":
                out[chapter] = ChapterDisputeSettlement(chapter, status, number)
    return out
