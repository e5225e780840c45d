"""Per-article JSON of a Japanese law, derived from the e-Gov 法令API (one object per article).

Publisher: not an official format. It is the seed layout of the open-source japan-law-mcp
project (Ansvar-Systems, Apache-2.0), which takes the article text from the e-Gov 法令API
(https://laws.e-gov.go.jp). There is no published schema; the layout read here is::

    {"id": "359AC0000000086", "type": "statute", "title": "電気通信事業法",
     "title_en": "...", "short_name": "...", "law_number": "", "status": "in_force",
     "url": "https://laws.e-gov.go.jp/law/359AC0000000086", "description": "...",
     "provisions": [{"provision_ref": "art-12_2", "chapter": "Chapter 2: 第二章　電気通信事業",
                     "section": "12_2", "title": "（登録の更新）", "content": "...",
                     "content_en": null, "language": "ja", "order_index": 12}]}

Quirks handled: ``title`` holds the article caption ``（目的）`` when the article has one and the
printed label ``第十条`` when it has none, so the printed number is rebuilt from ``section``
(``12_2`` -> 第十二条の二, eId ``art_12_2``); the ``chapter`` value carries a derived
``Chapter N: `` prefix, dropped from the path; ``law_number`` is often empty (then the document
has no number); items inside ``content`` are the derived ``  1. ...`` lines (kept as lines);
the e-Gov law id comes from ``id``, the ``url`` or the file name prefix; paragraph numbers
(２, ３) are not in ``content``; files can miss whole runs of articles (the deriving tool skips
articles nested in sections 節), which the parser reports in ``notes``. ``title_en`` and
``description`` are the project's own English and are not used as official metadata.
"""

from __future__ import annotations

import re

from kb.errors import ImportFailed
from kb.importers import _json, _kanji
from kb.importers.base import ParsedDocument
from kb.models import Provision
from kb.text import normalize_space

FORMAT = "jp_article_json"

_LAW_ID_RE = re.compile(r"\b(\d{3}[A-Z]{2}\d{10})\b")
_CHAPTER_PREFIX_RE = re.compile(r"^\s*Chapter\s+[\w.-]+\s*:\s*")
_STATUS = {"in_force": "in-force", "repealed": "repealed", "amended": "amended",
           "not_yet_in_force": "signed-not-in-force"}
_BRACKETS = "（）()"


def sniff(data: bytes, filename: str) -> int:
    head = _json.head(data)
    if not head.lstrip().startswith("{") or '"provision_ref"' not in head:
        return 0
    if "laws.e-gov.go.jp" in head or re.search(r'"id"\s*:\s*"\d{3}[A-Z]{2}\d{10}"', head):
        return 90
    return 0


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    doc = _json.load_object(data, filename, "a per-article law JSON")
    if not isinstance(doc.get("provisions"), list):
        raise ImportFailed(f"{filename}: not a per-article law JSON (no 'provisions' list)")
    title = normalize_space(str(doc.get("title") or ""))
    if not title:
        raise ImportFailed(f"{filename}: the JSON has no 'title'")
    items = sorted(
        (p for p in doc["provisions"] if isinstance(p, dict)),
        key=lambda p: p.get("order_index") if isinstance(p.get("order_index"), int) else 0,
    )
    provisions: list[Provision] = []
    eids: set[str] = set()
    for item in items:
        prov = _provision(item, len(provisions) + 1, eids, filename)
        if prov:
            provisions.append(prov)
    if not provisions:
        raise ImportFailed(f"{filename}: {title} has no provisions with text")

    native_ids = {}
    law_id = _law_id(doc, filename)
    if law_id:
        native_ids["egov"] = law_id
    url = str(doc.get("url") or "").strip()
    return [ParsedDocument(
        title=title,
        provisions=provisions,
        number=normalize_space(str(doc.get("law_number") or "")) or None,
        jurisdiction="jp",
        doc_type="act" if doc.get("type") == "statute" else None,
        language=_language(items),
        native_ids=native_ids,
        work_id=_kanji.work_id_from_law_id(law_id) if law_id else None,
        source_url=url if url.startswith(("https://", "http://")) else None,
        status=_STATUS.get(str(doc.get("status") or "")),
        notes=_gaps(provisions),
    )]


def _gaps(provisions: list[Provision]) -> list[str]:
    """A note naming the article numbers missing from the sequence (the derived files skip
    articles the deriving tool did not reach, e.g. those nested in sections 節)."""
    numbers = sorted({int(p.eid.split("_")[1]) for p in provisions
                      if re.fullmatch(r"art_\d+(?:_\d+)*", p.eid)})
    ranges = [(a + 1, b - 1) for a, b in zip(numbers, numbers[1:], strict=False) if b - a > 1]
    if not ranges:
        return []
    spans = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)
    return [f"articles {spans} are missing from the file (numbering has gaps)"]


def _provision(item: dict, order: int, eids: set[str], filename: str) -> Provision | None:
    section = str(item.get("section") or "").strip()
    ref = str(item.get("provision_ref") or "").strip()
    title = normalize_space(str(item.get("title") or ""))
    text = _text(item.get("content"))
    num = section or ref.removeprefix("art-")
    printed = _kanji.article_label(num) if num else None
    if title and _kanji.article_num(title):  # no caption: the title is the printed label
        printed, heading = title, None
        num = num or _kanji.article_num(title) or ""
    else:
        heading = title.strip(_BRACKETS).strip() or None
    number = printed or (f"第{num}条" if num else None)
    if not number or not (text or heading):
        return None
    eid = "art_" + (re.sub(r"[^0-9a-z_]+", "-", num.lower()).strip("-") or str(order))
    base, n = eid, 1
    while eid in eids:
        n += 1
        eid = f"{base}_{n}"
    eids.add(eid)
    chapter = _CHAPTER_PREFIX_RE.sub("", str(item.get("chapter") or ""))
    return Provision(eid=eid, number=number, heading=heading,
                     path=[normalize_space(chapter)] if chapter.strip() else [],
                     text=text, kind="article", language=item.get("language") or "ja",
                     order=order)


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    lines = [normalize_space(line) for line in value.splitlines()]
    return "\n".join(line for line in lines if line) or None


def _law_id(doc: dict, filename: str) -> str | None:
    for value in (doc.get("id"), doc.get("url"), filename):
        match = _LAW_ID_RE.search(str(value or ""))
        if match:
            return match.group(1)
    return None


def _language(items: list[dict]) -> str:
    langs = {str(p.get("language")) for p in items if p.get("language")}
    return langs.pop() if len(langs) == 1 else "ja"
