"""Akoma Ntoso 3.0 XML (OASIS LegalDocML), including legislation.gov.uk ``data.akn`` and AKN4EU.

Published by: OASIS LegalDocML TC (the standard); legislation.gov.uk serves every UK act as
``/{type}/{year}/{number}/data.akn``; the EU institutions' AKN4EU profile marks up Commission
proposals as a ``documentCollection``.
Spec: https://docs.oasis-open.org/legaldocml/akn-core/v1.0/ (namespace
``http://docs.oasis-open.org/legaldocml/ns/akn/3.0``).

What is read:
- metadata from ``meta/identification`` (FRBRWork / FRBRExpression), the preface
  (``shortTitle``, ``docTitle``, ``docNumber``) and FRBRalias values (CELEX, COM number, ELI);
- provisions: every top-level ``section``/``article``/``rule`` of the body with its ``num``,
  ``heading`` and eId, the path of enclosing part/chapter/title/crossheading headings;
  legislation.gov.uk schedules (``hcontainer name="schedule"``) as annexes; the preamble
  (formulas, citations) and each ``recital``.

Quirks handled:
- legislation.gov.uk FRBR URIs are http URIs (``http://www.legislation.gov.uk/id/ukpga/1998/29``)
  and FRBRcountry is ``GB-UKM``: they become ``/akn/gb/act/1998/29`` and
  ``native_ids.legislation_gov_uk``; its nums are bare (``7``, ``1``, ``a``): sections are
  labelled ``Section 7`` and sub-levels printed as ``(1)``, ``(a)`` as on the website;
  commentary markers (``noteRef``), side notes (``authorialNote``) and struck text (``del``)
  are left out of the text;
- text inside ``quotedStructure`` (amendments quoting other acts) stays in the amending
  section's text, in its quotation marks, and is never taken for a section of this act;
- editorial ``section status="editorial"`` page markers without a number are skipped;
- in a ``documentCollection`` the ``bill``/``act`` component is the document (the explanatory
  memorandum and financial statement are left out); its empty FRBRuri is replaced by the
  collection's, normalised to ``/akn/eu/bill/com/{year}/{number}`` for a COM proposal.
"""

from __future__ import annotations

import re

from lxml import etree

from kb.errors import ImportFailed
from kb.ids import InvalidId, clean_work_id
from kb.importers._xml import (
    TextBuilder,
    clean_eid_part,
    head_text,
    iso_date,
    language_code,
    local,
    parse_xml,
    unique_eids,
)
from kb.importers.base import ParsedDocument
from kb.models import Provision
from kb.text import normalize_space

FORMAT = "akn"

_NS3 = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
_DOC_ELEMENTS = ("act", "bill", "doc", "statement", "amendment", "judgment", "debate",
                 "debateReport", "officialGazette", "portion", "amendmentList")
_PROVISIONS = {"section": "Section", "article": "Article", "rule": "Rule"}
_CONTAINERS = {"part", "subpart", "chapter", "subchapter", "title", "subtitle", "book",
               "division", "subdivision", "hcontainer", "crossHeading", "tome", "level"}
_SKIP = {"authorialNote", "noteRef", "note", "notes", "del", "meta", "marker", "popup",
         "componentRef", "img", "eop"}
_BLOCKS = {
    "p", "block", "heading", "subheading", "intro", "wrapUp", "content", "list", "point",
    "item", "blockList", "listIntroduction", "listWrapUp", "blockContainer", "container",
    "subsection", "paragraph", "subparagraph", "clause", "subclause", "alinea", "indent",
    "hcontainer", "tblock", "formula", "citation", "citations", "recital", "recitals",
    "longTitle", "tr", "table", "ul", "ol", "li", "section", "article", "part", "chapter",
    "level", "crossHeading", "tocItem", "toc", "division", "sublist", "rule",
}
_SUBLEVELS = {"subsection", "paragraph", "subparagraph", "clause", "subclause", "point",
              "item", "alinea", "indent", "list", "level", "sublist"}
_EID_PREFIX = {"section": "sec", "sec": "sec", "article": "art", "art": "art", "rule": "rule",
               "schedule": "sch", "sch": "sch", "recital": "rec", "rec": "rec", "chapter": "chp",
               "chp": "chp", "part": "part", "title": "title", "annex": "annex"}
_COUNTRY = {"uk": "gb", "gb": "gb", "el": "gr"}
_UK_PRIMARY = {"ukpga", "ukla", "asp", "asc", "anaw", "mwa", "nia", "apni", "aep", "aip", "apgb",
               "gbla", "ukcm", "mnia", "aosp", "ukppa"}


def sniff(data: bytes, filename: str) -> int:
    head = head_text(data)
    if "<akomaNtoso" not in head and ":akomaNtoso" not in head:
        return 0
    return 95 if _NS3 in head else 80


# ---------------------------------------------------------------------------------------------
# text rendering


def _num_label(el: etree._Element, sublevel: bool) -> str:
    label = normalize_space(el.get("title") or _inline(el))
    if not sublevel or not re.fullmatch(r"[0-9]+[A-Za-z]*|[a-zA-Z]{1,4}", label):
        return label
    parent = el.getparent()
    grand = parent.getparent() if parent is not None else None
    if label[0].isdigit() and local(parent) == "paragraph" and (
            grand is None or local(grand) not in _SUBLEVELS):
        return label  # a schedule's paragraph 1 (its sub-paragraphs are (1), (2) ...)
    return f"({label})"


def _render(el: etree._Element, out: TextBuilder, parent: str = "") -> None:
    tag = local(el)
    if not tag or tag in _SKIP:
        return
    if tag == "num":
        out.add(_num_label(el, parent in _SUBLEVELS) + " ", glue=True)
        return
    if tag == "eol":
        out.add(" ")
        return
    if tag == "tr":
        out.br()
        cells = [normalize_space(_inline(c)) for c in el if local(c) in ("td", "th")]
        out.add(" | ".join(c for c in cells if c))
        out.br()
        return
    block = tag in _BLOCKS
    if block:
        out.br()
    if tag == "quotedStructure":
        out.br()
        out.add(el.get("startQuote", ""), glue=True)
    elif tag == "quotedText" and el.get("startQuote"):
        out.add(el.get("startQuote", ""))
    if el.text:
        out.add(el.text)
    for child in el:
        _render(child, out, tag)
        if child.tail:
            out.add(child.tail)
    if tag == "quotedStructure":
        out.close_quote(el.get("endQuote", ""))
        out.br()
    elif tag == "quotedText" and el.get("endQuote"):
        out.add(el.get("endQuote", ""))
    if block:
        out.br()


def _inline(el: etree._Element) -> str:
    """All the text of an element on one line, notes and deletions left out."""
    parts: list[str] = [el.text or ""]
    for child in el:
        if local(child) not in _SKIP and local(child):
            parts.append(" " if local(child) == "eol" else _inline(child))
        parts.append(child.tail or "")
    return normalize_space("".join(parts))


def _body_text(el: etree._Element, skip_own: bool = True) -> str:
    out = TextBuilder()
    if el.text:
        out.add(el.text)
    for child in el:
        if not (skip_own and local(child) in ("num", "heading", "subheading")):
            _render(child, out, local(el))
        if child.tail:
            out.add(child.tail)
    return out.value()


# ---------------------------------------------------------------------------------------------
# provisions


def _eid(raw: str | None, fallback_prefix: str, number: str) -> str:
    parts = []
    for part in (raw or "").split("__"):
        match = re.match(r"^([A-Za-z]+)[-_]?(.*)$", part.strip())
        if match and match[1].lower() in _EID_PREFIX:
            rest = clean_eid_part(match[2])
            part = _EID_PREFIX[match[1].lower()] + (f"_{rest}" if rest else "")
        else:
            part = clean_eid_part(part)
        if part:
            parts.append(part)
    eid = "__".join(parts)
    if not eid or not eid[0].isalpha():
        token = re.findall(r"[0-9]+[a-z]*|[a-z]+$", number.lower())
        eid = f"{fallback_prefix}_{token[-1] if token else 'x'}"
    return eid


def _label(el: etree._Element) -> str | None:
    num = next((c for c in el if local(c) == "num"), None)
    heading = next((c for c in el if local(c) == "heading"), None)
    text = " ".join(x for x in (_inline(num) if num is not None else "",
                                _inline(heading) if heading is not None else "") if x)
    return text or None


def _number_and_heading(el: etree._Element, tag: str) -> tuple[str | None, str | None]:
    num = next((c for c in el if local(c) == "num"), None)
    heading = next((c for c in el if local(c) == "heading"), None)
    number = re.sub(r"\s+([.,:])", r"\1", _inline(num)) if num is not None else None
    if number and tag in _PROVISIONS and re.fullmatch(r"[0-9]+[A-Za-z]*\.?", number):
        number = f"{_PROVISIONS[tag]} {number.rstrip('.')}"
    return number or None, (_inline(heading) if heading is not None else None) or None


def _provision(el: etree._Element, tag: str, path: list[str], kind: str) -> Provision | None:
    number, heading = _number_and_heading(el, tag)
    if el.get("status") == "editorial" and not number:
        return None
    text = _body_text(el) or None
    if not (number or heading or text):
        return None
    prefix = {"article": "art", "section": "sec", "rule": "rule"}.get(tag, "sch")
    number = number or heading or el.get("eId") or tag
    return Provision(eid=_eid(el.get("eId") or el.get("id"), prefix, number), number=number,
                     heading=heading, path=path, text=text, kind=kind)


def _walk(el: etree._Element, path: list[str], out: list[Provision]) -> None:
    for child in el:
        tag = local(child)
        if not tag or tag in _SKIP or tag in ("quotedStructure", "embeddedStructure", "mod"):
            continue
        if tag in _PROVISIONS:
            prov = _provision(child, tag, path, "section" if tag == "section" else "article")
            if prov:
                out.append(prov)
        elif tag == "hcontainer" and child.get("name") == "schedule":
            prov = _provision(child, "schedule", path, "annex")
            if prov:
                out.append(prov)
        elif tag in _CONTAINERS:
            label = _label(child)
            _walk(child, path + [label] if label else path, out)
        else:
            _walk(child, path, out)


def _preamble(preamble: etree._Element) -> list[Provision]:
    out: list[Provision] = []
    text = TextBuilder()
    for child in preamble:
        if local(child) == "recitals":
            for rec in child:
                if local(rec) != "recital":
                    _render(rec, text, "recitals")
                    continue
                num = next((c for c in rec if local(c) == "num"), None)
                number = _inline(num) if num is not None else None
                digits = re.findall(r"\d+[a-z]*", (number or "").lower())
                eid = f"rec_{digits[0]}" if digits else _eid(
                    (rec.get("eId") or "").rpartition("__")[2], "rec", number or "")
                body = _body_text(rec)
                if body:
                    out.append(Provision(eid=eid, number=number or f"Recital {len(out) + 1}",
                                         text=body, kind="recital"))
        else:
            _render(child, text, "preamble")
    if text.value():
        out.insert(0, Provision(eid="preamble", number="Preamble", text=text.value(),
                                kind="preamble"))
    return out


# ---------------------------------------------------------------------------------------------
# metadata


def _first(root: etree._Element, name: str) -> etree._Element | None:
    return next(root.iter(f"{{*}}{name}"), None)


def _frbr(ident: etree._Element | None, level: str) -> dict[str, etree._Element]:
    found: dict[str, etree._Element] = {}
    block = next(ident.iter(f"{{*}}{level}"), None) if ident is not None else None
    if block is not None:
        for child in block:
            found.setdefault(local(child), child)
    return found


def _country(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().lower().split("-")[0]
    return _COUNTRY.get(code, code if re.fullmatch(r"[a-z]{2,3}", code) else None)


def _work_id(uri: str, country: str | None, name: str | None) -> tuple[str | None, dict]:
    """Normalise an FRBR work URI; also return native ids it reveals."""
    native: dict[str, str] = {}
    uk = re.search(r"legislation\.gov\.uk/(?:id/)?([a-z]+)/(\d{4})/(\d+)", uri)
    if uk:
        native["legislation_gov_uk"] = f"{uk[1]}/{uk[2]}/{uk[3]}"
        doctype = "act" if uk[1] in _UK_PRIMARY else "si"
        return f"/akn/gb/{doctype}/{uk[2]}/{uk[3]}", native
    if not uri.startswith("/akn/"):
        return None, native
    segs = [s for s in uri.split("/")[2:] if s and not s.startswith("!") and "@" not in s]
    date_at = next((i for i, s in enumerate(segs) if re.fullmatch(r"\d{4}(-\d{2}-\d{2})?", s)),
                   None)
    if not segs or date_at is None or date_at + 1 >= len(segs) or date_at < 2:
        return None, native
    types = [s.lower() for s in segs[1:date_at]]
    doctype, subtype = types[0], types[1] if len(types) > 1 else ""
    if doctype == "documentcollection":
        doctype = "bill" if "proposal" in (name or "").lower() + subtype else "doc"
        subtype = "com" if "com" in subtype else ""
    number = clean_eid_part(segs[date_at + 1]).replace("_", "-")
    sub = f"/{subtype}" if re.fullmatch(r"[a-z][a-z\-]*", subtype or "-") else ""
    work = f"/akn/{_country(segs[0]) or country}/{doctype}{sub}/{segs[date_at]}/{number}"
    try:
        return clean_work_id(work), native
    except InvalidId:
        return None, native


def _issuing_body(root: etree._Element, work: dict[str, etree._Element]) -> str | None:
    author = work.get("FRBRauthor")
    href = author.get("href", "") if author is not None else ""
    if href.startswith("#"):
        for org in root.iter("{*}TLCOrganization"):
            if org.get("eId") == href[1:] or org.get("id") == href[1:]:
                return org.get("showAs") or None
        return None
    last = href.rstrip("/").rpartition("/")[2]
    if re.fullmatch(r"(?:[A-Z][a-z]+){2,}", last):
        return " ".join(re.findall(r"[A-Z][a-z]+", last))
    return None


def _title_and_number(doc_el: etree._Element, work: dict[str, etree._Element],
                      filename: str) -> tuple[str, str | None, str | None]:
    """Title (shortTitle, else docTitle, else FRBRname), the long title and the number."""
    preface = next((c for c in doc_el if local(c) == "preface"), None)
    short = next((e for e in doc_el.iter("{*}shortTitle")
                  if not any(local(a) == "quotedStructure" for a in e.iterancestors())), None)
    doc_title = _first(preface, "docTitle") if preface is not None else None
    long_title = _first(preface, "longTitle") if preface is not None else None
    titles = [_inline(x) for x in (short, doc_title) if x is not None]
    if "FRBRname" in work:
        titles.append(normalize_space(work["FRBRname"].get("value", "")))
    title = next((t for t in titles if t), None)
    if not title:
        raise ImportFailed(f"{filename}: the Akoma Ntoso document has no title "
                           "(no shortTitle, docTitle or FRBRname)")
    summary_el = long_title if long_title is not None else doc_title
    summary = _inline(summary_el) if summary_el is not None else None
    doc_number = _first(preface, "docNumber") if preface is not None else None
    number = _inline(doc_number) if doc_number is not None else None
    if not number and "FRBRnumber" in work:
        number = work["FRBRnumber"].get("value")
    return title, summary if summary != title else None, number


def _metadata(doc_el: etree._Element, collection: etree._Element | None,
              filename: str) -> ParsedDocument:
    meta_root = collection if collection is not None else doc_el
    ident = _first(next((c for c in meta_root if local(c) == "meta"), meta_root),
                   "identification")
    work, expr = _frbr(ident, "FRBRWork"), _frbr(ident, "FRBRExpression")
    uri = next((e.get("value", "") for e in (work.get("FRBRuri"), work.get("FRBRthis"))
                if e is not None and e.get("value")), "")
    country = _country(work["FRBRcountry"].get("value")) if "FRBRcountry" in work else None
    name = (collection if collection is not None else doc_el).get("name")
    work_id, native = _work_id(uri, country, name)
    if ident is not None:
        for alias in ident.iter("{*}FRBRalias"):
            alias_name, value = (alias.get("name") or "").lower(), alias.get("value") or ""
            if "celex" in alias_name and value:
                native["celex"] = value
            elif alias_name.endswith("comnumber") and value:
                native.setdefault("com", value)
            elif re.match(r"https?://.*/eli/", value):
                native["eli"] = value

    title, summary, number = _title_and_number(doc_el, work, filename)
    number = native.get("com") or number

    tag = local(doc_el)
    doc_type = {"act": "act", "bill": "bill"}.get(tag, "doc")
    if collection is not None and "proposal" in (name or "").lower():
        doc_type = "bill"
    expr_date = expr.get("FRBRdate")
    version = None
    if expr_date is not None and re.sub(r"[^a-z]", "", (expr_date.get("name") or "").lower()) in (
            "validfrom", "enacted", "consolidation", "pointintime", "version"):
        version = iso_date(expr_date.get("date"))
    expr_uri = expr["FRBRuri"].get("value", "") if "FRBRuri" in expr else ""
    source = next((u for u in (expr_uri, uri) if re.match(r"https?://", u)), None)
    lang = expr["FRBRlanguage"].get("language") if "FRBRlanguage" in expr else None
    return ParsedDocument(
        title=title,
        number=normalize_space(number) if number else None,
        jurisdiction=country or (work_id.split("/")[2] if work_id else None),
        doc_type=doc_type,
        language=language_code(lang),
        date=iso_date(work["FRBRdate"].get("date")) if "FRBRdate" in work else None,
        version_date=version,
        native_ids=native,
        work_id=work_id,
        source_url=source,
        issuing_body=_issuing_body(meta_root, work),
        summary=summary or None,
        status="draft" if doc_type == "bill" else None,
        notes=[] if work_id or not uri else [f"FRBR work URI {uri!r} is not an /akn/ work id"],
    )


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    root = parse_xml(data, filename)
    if local(root) != "akomaNtoso":
        raise ImportFailed(f"{filename}: not an Akoma Ntoso document (root <{local(root)}>)")
    top = next((c for c in root if local(c)), None)
    if top is None:
        raise ImportFailed(f"{filename}: the akomaNtoso element is empty")
    collection = None
    doc_el = top
    if local(top) == "documentCollection":
        collection = top
        doc_el = next(root.iter("{*}bill", "{*}act"), None)
        if doc_el is None:
            raise ImportFailed(f"{filename}: the documentCollection has no bill or act "
                               "component to import")
    elif local(top) not in _DOC_ELEMENTS:
        raise ImportFailed(f"{filename}: unsupported Akoma Ntoso document type <{local(top)}>")

    doc = _metadata(doc_el, collection, filename)
    provisions: list[Provision] = []
    preamble = next((c for c in doc_el if local(c) == "preamble"), None)
    if preamble is not None:
        provisions += _preamble(preamble)
    for part in doc_el:
        if local(part) in ("body", "mainBody"):
            _walk(part, [], provisions)
    if not any(p.kind != "preamble" for p in provisions):
        raise ImportFailed(f"{filename}: the Akoma Ntoso {local(doc_el)} has no sections, "
                           "articles or recitals to import")
    doc.provisions = unique_eids(
        [p.model_copy(update={"language": doc.language}) if doc.language else p
         for p in provisions])
    return [doc]
