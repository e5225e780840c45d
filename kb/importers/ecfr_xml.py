"""eCFR XML: the Electronic Code of Federal Regulations, one part (or subpart) per document.

Published by: the Office of the Federal Register (NARA) with the GPO. Two sources serve the same
markup: the eCFR versioner API (``https://www.ecfr.gov/api/versioner/v1/full/{date}/
title-47.xml?part={part}``, a ``DIV5`` part or ``DIV6`` subpart at the root; documentation
https://www.ecfr.gov/developers/documentation/api/v1) and the daily bulk XML of a whole title on
govinfo.gov (``ECFR-title47.xml``, ``<ECFR>`` with an ``AMDDATE`` and ``DIV1`` title). The
eCFR is authoritative but unofficial; the annual CFR edition is the official one.

Markup: ``DIV5`` part, ``DIV6`` subpart, ``DIV7`` subject group, ``DIV8`` section, ``DIV9``
appendix, each with a ``HEAD``; ``SOURCE`` and ``AUTH`` notes; ``P``/``FP`` paragraphs,
``GPOTABLE`` tables, ``CITA`` amendment history.

Sections become provisions numbered ``§ 1.2101`` (eId ``sec_1.2101``) with the subpart and
subject-group headings as path; reserved sections are skipped; appendices are annexes. The
part's (or subpart's) ``SOURCE`` note gives the date of first publication, which fixes the
id's year (``/akn/us/regulation/1997/47-cfr-27``); ``AMDDATE`` (bulk) gives the version date.

``parse`` (the importer) reads every part in the bytes, or the subpart at the root;
``parse_ecfr`` reads one named part or subpart, for the crawler, which knows what it asked for.
This parser lived in the eCFR crawler until parsing and fetching were separated.
"""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from kb.errors import ImportFailed
from kb.importers._xml import head_text, parse_xml
from kb.importers.base import ParsedDocument
from kb.models import Provision
from kb.text import normalize_space

FORMAT = "ecfr_xml"
_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
           "sep": 9, "oct": 10, "nov": 11, "dec": 12}
_SOURCE_DATE = re.compile(r"\b\d+\s+FR\s+\d+,\s*([A-Z][a-z]+)\.?\s+(\d{1,2}),\s*(\d{4})")
_SMALL = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"}
_SKIP = {"HEAD"}
_DASHES = re.compile(r"\s*[—–]\s*|\s+-\s+")


def _text(el: etree._Element | None) -> str:
    return normalize_space("".join(el.itertext())) if el is not None else ""


def _title_case(caption: str) -> str:
    if caption != caption.upper():
        return caption
    words = caption.lower().split(" ")
    return " ".join(w if (i and w in _SMALL) else w[:1].upper() + w[1:]
                    for i, w in enumerate(words))


def source_date(text: str) -> dt.date | None:
    """``62 FR 9658, Mar. 3, 1997, unless otherwise noted.`` -> 1997-03-03."""
    match = _SOURCE_DATE.search(text)
    return _month_date(match[0].split(",", 1)[1]) if match else None


def _month_date(text: str) -> dt.date | None:
    """``Jun. 10, 2024`` / ``June 10, 2024`` -> 2024-06-10."""
    match = re.search(r"([A-Z][a-z]+)\.?\s+(\d{1,2}),\s*(\d{4})", text)
    month = _MONTHS.get(match[1][:3].lower()) if match else None
    try:
        return dt.date(int(match[3]), month, int(match[2])) if match and month else None
    except ValueError:
        return None


def _block_text(el: etree._Element) -> str:
    if el.tag == "GPOTABLE":
        rows = []
        for row in el.iter("ROW", "BOXHD"):
            cells = [_text(c) for c in row if _text(c)]
            if cells:
                rows.append(" | ".join(cells))
        return "\n".join(rows)
    return _text(el)


def _section(el: etree._Element, node: etree._Element, order: int) -> Provision | None:
    head = _text(el.find("HEAD"))
    number_attr = normalize_space(el.get("N") or "")
    lines = [t for t in (_block_text(c) for c in el if c.tag not in _SKIP
                         and isinstance(c.tag, str)) if t]
    path = []
    parent = el.getparent()
    while parent is not None and parent is not node:
        if parent.tag in ("DIV6", "DIV7") and _text(parent.find("HEAD")):
            path.insert(0, _text(parent.find("HEAD")))
        parent = parent.getparent()
    if el.tag == "DIV8":
        match = re.match(r"^§+\s*([\w.\-]+)\s*(.*)$", head)
        number = f"§ {match[1] if match else number_attr}"
        heading = (match[2] if match else head).strip().rstrip(".").strip() or None
        if not lines and (not heading or "[reserved]" in heading.lower()):
            return None
        key = match[1] if match else number_attr
        eid = "sec_" + re.sub(r"[^a-z0-9.\-]+", "_", key.lower()).strip("_")
        kind = "section"
    else:  # DIV9: appendix
        parts = _DASHES.split(head, maxsplit=1)
        number = parts[0] or number_attr or f"Appendix {order}"
        heading = parts[1] if len(parts) > 1 else None
        if not lines:
            return None
        eid = "app_" + (re.sub(r"[^a-z0-9]+", "_", number.lower()).strip("_") or str(order))
        kind = "annex"
    return Provision(eid=eid, number=number, heading=heading, path=path,
                     text="\n".join(lines) or None, kind=kind, language="en", order=order)


def parse_ecfr(data: bytes, name: str, *, part: str, subpart: str | None = None,
               title: int = 47, version_date: dt.date | None = None,
               issuing_body: str | None = None) -> list[ParsedDocument]:
    """One part (or subpart) of an eCFR XML answer or bulk title file -> one document."""
    return _parse_root(parse_xml(data, name), name, part=part, subpart=subpart, title=title,
                       version_date=version_date, issuing_body=issuing_body)


def _parse_root(root: etree._Element, name: str, *, part: str, subpart: str | None = None,
                title: int = 47, version_date: dt.date | None = None,
                issuing_body: str | None = None) -> list[ParsedDocument]:
    part = str(part)
    part_el = root if (root.tag == "DIV5" and root.get("N") == part) else next(
        (e for e in root.iter("DIV5") if e.get("N") == part), None)
    node = part_el
    if subpart:
        scope = part_el if part_el is not None else root
        node = scope if (scope.tag == "DIV6" and (scope.get("N") or "").upper()
                         == subpart.upper()) else next(
            (e for e in scope.iter("DIV6") if (e.get("N") or "").upper() == subpart.upper()),
            None)
    label = f"Part {part}" + (f", Subpart {subpart.upper()}" if subpart else "")
    if node is None:
        raise ImportFailed(f"{name}: no {title} CFR {label} in the answer (root "
                           f"<{root.tag}>); the eCFR may have moved or reserved it")
    head = _text(node.find("HEAD"))
    pieces = _DASHES.split(head, maxsplit=1)
    caption = _title_case(pieces[1].strip()) if len(pieces) > 1 else ""
    number = f"{title} CFR {label}"
    doc_title = f"{number} - {caption}" if caption else number

    if version_date is None:  # a bulk title file states its currency in AMDDATE
        version_date = _month_date(_text(root.find(".//AMDDATE")))
    source_text = _text(node.find("SOURCE"))
    if not source_text and part_el is not None:
        source_text = _text(part_el.find("SOURCE"))
    first_published = source_date(source_text)

    provisions: list[Provision] = []
    seen: set[str] = set()
    for el in node.iter("DIV8", "DIV9"):
        if el.tag == "DIV9" and el.getparent() is not None and el.getparent().tag == "DIV8":
            continue
        prov = _section(el, node, len(provisions) + 1)
        if prov is None:
            continue
        eid, n = prov.eid, 1
        while eid in seen:
            n += 1
            eid = f"{prov.eid}_{n}"
        seen.add(eid)
        provisions.append(prov if eid == prov.eid else prov.model_copy(update={"eid": eid}))
    if not provisions:
        raise ImportFailed(f"{name}: {number} has no sections with text")

    work_id = None
    if first_published:
        slug = f"{title}-cfr-{part}" + (f"-subpart-{subpart.lower()}" if subpart else "")
        work_id = f"/akn/us/regulation/{first_published.year}/{slug}"
    return [ParsedDocument(
        title=doc_title, provisions=provisions, number=number, jurisdiction="us",
        doc_type="regulation", language="en", date=first_published, version_date=version_date,
        native_ids={"cfr": number}, work_id=work_id, issuing_body=issuing_body,
        source_url=f"https://www.ecfr.gov/current/title-{title}/part-{part}"
        + (f"/subpart-{subpart.upper()}" if subpart else ""),
        notes=[] if first_published else ["no SOURCE date; the id needs one from sources.yaml"],
    )]


def sniff(data: bytes, filename: str) -> int:
    head = head_text(data)
    if re.search(r"<DIV[156]\s[^>]*TYPE=\"(?:PART|SUBPART|TITLE)\"", head) or (
            "<ECFR" in head and "<DIV" in head):
        return 90
    return 0


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    """Every part in an eCFR answer or bulk title file (or the subpart at its root)."""
    root = parse_xml(data, filename)
    title_el = root if root.tag == "DIV1" else next(root.iter("DIV1"), None)
    stated = re.search(r"title-?(\d+)", filename, re.I)
    title = int(title_el.get("N")) if title_el is not None and (
        title_el.get("N") or "").isdigit() else int(stated[1]) if stated else 47
    version = _month_date(_text(root.find(".//AMDDATE")))
    parts = [root] if root.tag == "DIV5" else list(root.iter("DIV5"))
    docs: list[ParsedDocument] = []
    for part_el in parts:
        if part_el.get("N") and part_el.find(".//DIV8") is not None:
            docs += _parse_root(root, filename, part=part_el.get("N") or "", title=title,
                                version_date=version)
    if not parts and root.tag == "DIV6":
        first = next(root.iter("DIV8"), None)
        part = (first.get("N") or "").split(".")[0] if first is not None else ""
        docs = _parse_root(root, filename, part=part, subpart=root.get("N"), title=title,
                           version_date=version)
    if not docs:
        raise ImportFailed(f"{filename}: no eCFR part or subpart with sections "
                           f"(root <{root.tag}>)")
    return docs
