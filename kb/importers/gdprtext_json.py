"""GDPRtEXT per-article JSON of the EU General Data Protection Regulation.

Published by: the GDPRtEXT project (Harshvardhan J. Pandit, ADAPT Centre;
https://github.com/coolharsh55/GDPRtEXT, CC-BY-4.0), which splits the EUR-Lex text of
Regulation (EU) 2016/679 into ``chapters`` -> (``sections`` ->) ``articles`` -> ``points`` ->
``subpoints``, with the ``recitals`` and the footnote ``citations`` alongside. The format is
described by the repository's README and its ``gdpr.json``.

Top-level keys: ``title``, ``abbrv``, ``regulation`` ("2016/679"), ``dated`` and ``updated``
(dd/mm/yyyy: adoption and OJ publication), ``identifier`` ("L 119/1"), ``language``,
``chapters``, ``recitals``, ``citations``.

Quirks handled: numbers are bare ("I", "24", "1", "a"), so labels are printed the way the
Official Journal prints them ("Chapter I", "Article 24", "1." for a paragraph, "(a)" for a
point; an article opening with unnumbered text, like Article 4, numbers its points "(1)");
items of type ``text`` have no number; the footnote ``citations`` are not provisions.
"""

from __future__ import annotations

import datetime as dt
import re

from kb.errors import ImportFailed
from kb.importers import _json
from kb.importers._xml import (
    eu_entry_into_force,
    eu_identity,
    eu_number,
    eu_work_id,
    language_code,
    lines_of,
    oj_reference,
    unique_eids,
)
from kb.importers.base import ParsedDocument
from kb.models import Provision
from kb.text import normalize_space

FORMAT = "gdprtext_json"

_KEYS = ('"chapters"', '"recitals"', '"regulation"', '"abbrv"', '"identifier"')


def sniff(data: bytes, filename: str) -> int:
    head = _json.head(data).lstrip()
    if not head.startswith("{"):
        return 0
    found = {key for key in _KEYS if re.search(re.escape(key) + r"\s*:", head)}
    if '"chapters"' in found and len(found) >= 4:
        return 85
    return 40 if len(found) >= 3 else 0


def _date(value: object) -> dt.date | None:
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", str(value or "").strip())
    if not match:
        return None
    try:
        return dt.date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None


def _text(value: object) -> str:
    return normalize_space(str(value or ""))


def _article_text(article: dict) -> str:
    contents = [c for c in article.get("contents") or [] if isinstance(c, dict)]
    listed = bool(contents) and contents[0].get("type") == "text"
    lines = []
    for item in contents:
        number, text = _text(item.get("number")), _text(item.get("text"))
        if number:
            label = f"({number})" if listed else f"{number}."
            lines.append(f"{label} {text}".strip())
        elif text:
            lines.append(text)
        for sub in item.get("subpoints") or []:
            if isinstance(sub, dict):
                sub_number = _text(sub.get("number"))
                lines.append(f"({sub_number}) {_text(sub.get('text'))}".strip()
                             if sub_number else _text(sub.get("text")))
    return lines_of("\n".join(lines))


_CALL = re.compile(r"(?<=\S) \((\d{1,3})\)(?=[\s.,;:]|$)")
_NOT_A_CALL = {"point", "points", "paragraph", "paragraphs", "subparagraph", "article",
               "articles", "annex", "indent", "and", "or", "to"}


def _drop_footnote_calls(provisions: list[Provision], notes: set[int]) -> list[Provision]:
    """Remove footnote call marks "(4)" that the source left in the text.

    A mark is the number of a footnote listed in ``citations``, in increasing order through
    the document, and not a reference such as "point (5)".
    """
    last, out = 0, []
    for prov in provisions:
        text, kept, start = prov.text or "", [], 0
        for match in _CALL.finditer(text):
            number = int(match[1])
            before = re.findall(r"[^\W\d_]+", text[: match.start()][-30:])
            if number in notes and number > last and (
                    not before or before[-1].lower() not in _NOT_A_CALL):
                last = number
                kept.append(text[start:match.start()])
                start = match.end()
        new = "".join(kept) + text[start:]
        out.append(prov.model_copy(update={"text": new}) if new != text else prov)
    return out


def _walk(nodes: list, path: list[str], out: list[Provision]) -> None:
    for node in nodes:
        if not isinstance(node, dict):
            continue
        kind, number = node.get("type"), _text(node.get("number"))
        title = _text(node.get("title")) or None
        if kind == "article":
            out.append(Provision(eid=f"art_{number.lower() or 'x'}", number=f"Article {number}",
                                 heading=title, path=path, text=_article_text(node) or None))
        elif kind in ("chapter", "section"):
            label = " ".join(x for x in (f"{kind.title()} {number}".strip(), title) if x)
            _walk(node.get("contents") or [], path + [label], out)


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    obj = _json.load_object(data, filename, "a GDPRtEXT file")
    if not isinstance(obj.get("chapters"), list):
        raise ImportFailed(f"{filename}: not a GDPRtEXT file (no 'chapters' list)")
    provisions: list[Provision] = []
    for i, rec in enumerate(obj.get("recitals") or [], start=1):
        if isinstance(rec, dict) and _text(rec.get("text")):
            number = _text(rec.get("number")) or str(i)
            provisions.append(Provision(eid=f"rec_{number.lower()}", number=f"({number})",
                                        text=_text(rec.get("text")), kind="recital"))
    _walk(obj["chapters"], [], provisions)
    citations = obj.get("citations")
    cited = citations.values() if isinstance(citations, dict) else citations or []
    notes = {int(c["number"]) for c in cited
             if isinstance(c, dict) and str(c.get("number", "")).isdigit()}
    provisions = _drop_footnote_calls(provisions, notes)
    if not any(p.kind == "article" for p in provisions):
        raise ImportFailed(f"{filename}: the GDPRtEXT file has no articles")

    title = _text(obj.get("title")) or "General Data Protection Regulation"
    found = eu_number(_text(obj.get("regulation")))
    doc = ParsedDocument(title=title, jurisdiction="eu", doc_type="regulation",
                         date=_date(obj.get("dated")),
                         language=language_code(_text(obj.get("language"))))
    if found:
        doc.number = found[0]
        doc.work_id = eu_work_id("regulation", found[1], found[2])
        doc.native_ids.update(eu_identity("regulation", found[1], found[2]))
    published = _date(obj.get("updated"))
    doc.in_force = eu_entry_into_force(
        [p.text or "" for p in provisions if p.kind == "article"][-3:], published)
    oj = re.fullmatch(r"([A-Z]+) (\d+)/(\d+)", _text(obj.get("identifier")))
    if oj and published:
        doc.native_ids["oj"] = oj_reference(oj[1], oj[2], published.year, oj[3]) or ""
    if doc.language:
        provisions = [p.model_copy(update={"language": doc.language}) for p in provisions]
    doc.provisions = unique_eids(provisions)
    return [doc]
