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
- statutory instruments: ``hcontainer name="regulation"`` (also ``rule``, ``article``) is a
  provision (``Regulation 4``, eId ``reg_4``), its heading may come before its num;
- an element that holds provisions is a grouping, whatever its tag: LegalDocML.de (Germany)
  marks an Abschnitt up as ``<section>`` holding ``<article>``s numbered ``§ 1``, which become
  articles ``§ 1`` (eId ``art_1``; German eIds such as ``hauptteil-1_abschnitt-1_para-1``
  are read the same way); its ELI work URI (``eli/bund/bgbl-1/2023/413``) gives
  ``/akn/de/act/2023/bgbl-1-413``;
- AKN 2.0 and Indigo/Slaw files (``/za/act/1980/01`` work URIs, ``id`` attributes) are read;
- the title is looked for in shortTitle, docTitle (cover page, preface, preamble), a title
  FRBRalias and FRBRname, never inside a signature block or a quoted amendment; a document
  with none is returned with ``title`` None (and a note) so ``--meta title:`` can supply it;
- native ids: ``akn`` (the FRBR work URI as written), ``eli`` and ``celex`` from FRBRalias,
  ``legislation_gov_uk``; ``in_force`` from a lifecycle event of commencement / entry into
  force / Inkrafttreten;
- in a ``documentCollection`` the ``bill``/``act`` component is the document (the explanatory
  memorandum and financial statement are left out); its empty FRBRuri is replaced by the
  collection's, normalised to ``/akn/eu/bill/com/{year}/{number}`` for a COM proposal.
"""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from kb.errors import ImportFailed
from kb.ids import InvalidId, clean_work_id
from kb.importers._xml import (
    TextBuilder,
    clean_eid_part,
    eu_doc_type,
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
               "regulation": "reg", "reg": "reg",
               "schedule": "sch", "sch": "sch", "recital": "rec", "rec": "rec", "chapter": "chp",
               "chp": "chp", "part": "part", "title": "title", "annex": "annex"}
# hcontainer names that are a provision, not a grouping: (label word, eId prefix, kind).
# legislation.gov.uk marks up a statutory instrument's regulations as hcontainer name=regulation.
_HC_PROVISIONS = {"regulation": ("Regulation", "reg", "article"),
                  "rule": ("Rule", "rule", "article"),
                  "article": ("Article", "art", "article"),
                  "section": ("Section", "sec", "section")}
# Where a title element is never the document's title (a signature, a quoted amendment).
_NOT_TITLE = {"signature", "signatures", "conclusions", "quotedStructure", "embeddedStructure",
              "mod", "authorialNote", "attachments", "components"}
# FRBRalias names that hold a title (Indigo/Laws.Africa "title", others "shortTitle"...).
_TITLE_ALIASES = {"", "title", "shorttitle", "short", "short-title", "popularname", "name",
                  "kurztitel", "titel"}
# lifecycle events that mean "in force from" (refersTo, lower case, letters only)
_IN_FORCE_EVENTS = ("commencement", "inforce", "intoforce", "inkrafttreten", "effective")
_NOT_DIRECTLY = ("quotedStructure", "embeddedStructure", "mod")
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
            grand is None or local(grand) not in _SUBLEVELS) and not (
            grand is not None and _provision_kind(grand)):
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
    raw = raw or ""
    german = re.search(r"(?:^|_)(?:art|para)-(\w+?)$", raw) if "__" not in raw else None
    if german:  # LegalDocML.de: hauptteil-1_abschnitt-1_para-3 (§ 3), hauptteil-1_art-2
        return f"art_{clean_eid_part(german[1])}"
    parts = []
    for part in raw.split("__"):
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


_PRINTED_NUMBER = re.compile(r"(?:§+|Art\.?|Article|Artikel|Section|Regulation|Rule)\s*\d\w*\.?",
                             re.I)


def _number_and_heading(el: etree._Element, word: str | None) -> tuple[str | None, str | None]:
    num = next((c for c in el if local(c) == "num"), None)
    heading = next((c for c in el if local(c) == "heading"), None)
    number = re.sub(r"\s+([.,:])", r"\1", _inline(num)) if num is not None else None
    text = (_inline(heading) if heading is not None else None) or None
    if not number and text and _PRINTED_NUMBER.fullmatch(text):
        number, text = text, None  # LegalDocML.de may print "Artikel 1" as the heading
    if number and word and re.fullmatch(r"[0-9]+[A-Za-z]*\.?", number):
        number = f"{word} {number.rstrip('.')}"
    return number or None, text


def _provision(el: etree._Element, word: str | None, prefix: str, path: list[str],
               kind: str) -> Provision | None:
    number, heading = _number_and_heading(el, word)
    if el.get("status") == "editorial" and not number:
        return None
    text = _body_text(el) or None
    if not (number or heading or text):
        return None
    paragraph_sign = re.fullmatch(r"§+\s*(\d+\s*[a-z]?)\.?", number or "")
    if paragraph_sign:  # a German § is an article (LegalDocML.de), whatever its eId says
        prefix, kind = "art", "article"
        raw = f"art_{paragraph_sign[1].replace(' ', '')}"
    else:
        raw = el.get("eId") or el.get("id")
    number = number or heading or el.get("eId") or prefix
    return Provision(eid=_eid(raw, prefix, number), number=number, heading=heading, path=path,
                     text=text, kind=kind)


def _provision_kind(el: etree._Element) -> tuple[str, str, str] | None:
    """(label word, eId prefix, kind) when the element is a provision, else None."""
    tag = local(el)
    if tag in _PROVISIONS:
        return _PROVISIONS[tag], {"article": "art", "section": "sec"}.get(tag, tag), (
            "section" if tag == "section" else "article")
    if tag == "hcontainer":
        return _HC_PROVISIONS.get((el.get("name") or "").lower())
    return None


def _holds_provisions(el: etree._Element) -> bool:
    """True when provisions sit inside this one (a German Abschnitt is a <section> of §§)."""
    for desc in el.iterdescendants():
        if _provision_kind(desc) and not any(
                local(a) in _NOT_DIRECTLY for a in desc.iterancestors() if a is not el):
            return True
    return False


def _walk(el: etree._Element, path: list[str], out: list[Provision]) -> None:
    for child in el:
        tag = local(child)
        if not tag or tag in _SKIP or tag in _NOT_DIRECTLY:
            continue
        found = _provision_kind(child)
        if found and not _holds_provisions(child):
            prov = _provision(child, found[0], found[1], path, found[2])
            if prov:
                out.append(prov)
        elif tag == "hcontainer" and child.get("name") == "schedule":
            prov = _provision(child, None, "sch", path, "annex")
            if prov:
                out.append(prov)
        elif found or tag in _CONTAINERS:
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
        elif (child.get("name") or "").lower() == "title" or _first(child, "docTitle") is not None:
            continue  # the title printed above the preamble is metadata, not preamble text
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
    legacy = re.match(r"/?(?:akn/)?([a-z]{2}(?:-[a-z0-9]+)?/.*)$", uri)
    if not uri.startswith("/akn/") and legacy:  # AKN 2.0 and Bungeni: /za/act/1980/01
        uri = f"/akn/{legacy[1]}"
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


def _title_elements(scope: etree._Element | None, *names: str) -> list[etree._Element]:
    if scope is None:
        return []
    found = []
    for el in scope.iter(*(f"{{*}}{n}" for n in names)):
        parent = el.getparent()
        while parent is not None and parent is not scope and local(parent) not in _NOT_TITLE:
            parent = parent.getparent()
        if parent is None or parent is scope:
            found.append(el)
    return found


def _clean_title(text: str) -> str:
    """Without the brackets LegalDocML.de puts round a Kurztitel: "(Beispielgesetz - BspG)"."""
    text = normalize_space(text)
    if re.fullmatch(r"\([^()]+\)", text):
        text = text[1:-1].strip()
    return text


def _alias_titles(ident: etree._Element | None) -> list[str]:
    out = []
    for level in ("FRBRWork", "FRBRExpression"):
        for alias in _frbr_all(ident, level, "FRBRalias"):
            name = re.sub(r"[^a-z]", "", (alias.get("name") or "").lower())
            value = normalize_space(alias.get("value") or "")
            if name in _TITLE_ALIASES and value and not re.search(r"^/|^https?:|^eli/", value) \
                    and not re.fullmatch(r"[0-9a-f-]{30,}", value):
                out.append(value)
    return out


def _frbr_all(ident: etree._Element | None, level: str, name: str) -> list[etree._Element]:
    block = next(ident.iter(f"{{*}}{level}"), None) if ident is not None else None
    return [] if block is None else [c for c in block if local(c) == name]


def _title_and_number(doc_el: etree._Element, work: dict[str, etree._Element],
                      ident: etree._Element | None
                      ) -> tuple[str | None, str | None, str | None]:
    """Title, long title and number as the document states them.

    The title is looked for in this order: a shortTitle (cover page, preface, the body's "may
    be cited as", preamble), a docTitle of the cover page or preface, a title FRBRalias,
    FRBRname when it reads as a name, a docTitle in the preamble, a short long title; never in
    a signature block or a quoted amendment. None when there is none: ingest then takes the
    title from --meta.
    """
    parts = {local(c): c for c in doc_el if local(c)}
    front = [parts.get("coverPage"), parts.get("preface")]
    preamble = parts.get("preamble")
    body = parts["body"] if "body" in parts else parts.get("mainBody")
    candidates: list[str] = []
    for scope in (*front, body, preamble):
        candidates += [_inline(e) for e in _title_elements(scope, "shortTitle")]
    for scope in front:
        candidates += [_inline(e) for e in _title_elements(scope, "docTitle")]
    candidates += _alias_titles(ident)
    if "FRBRname" in work:
        name = normalize_space(work["FRBRname"].get("value", ""))
        if " " in name or not re.fullmatch(r"[\w.-]+", name):  # not an id token ("bgbl-1")
            candidates.append(name)
    candidates += [_inline(e) for e in _title_elements(preamble, "docTitle")]
    long_titles = [_inline(e) for s in (*front, preamble) for e in _title_elements(s, "longTitle")]
    title = next((t for t in map(_clean_title, candidates) if t), None)
    doc_titles = [_inline(e) for s in front for e in _title_elements(s, "docTitle")]
    summary = next((t for t in long_titles if t), None) or next(
        (t for t in doc_titles if t and t != title), None)
    if not title and summary and len(summary) <= 300:
        title = summary  # a long title is better than none
    doc_number = next(iter(_title_elements(parts.get("preface"), "docNumber")), None)
    number = _inline(doc_number) if doc_number is not None else None
    if not number and "FRBRnumber" in work:
        number = work["FRBRnumber"].get("value")
    return title, summary if summary != title else None, number


def _in_force(meta_root: etree._Element) -> dt.date | None:
    for event in meta_root.iter("{*}eventRef"):
        refers = re.sub(r"[^a-z]", "", (event.get("refersTo") or "").lower())
        if any(word in refers for word in _IN_FORCE_EVENTS):
            found = iso_date(event.get("date"))
            if found:
                return found
    return None


def _native_ids(ident: etree._Element | None, uri: str) -> dict[str, str]:
    """FRBR work URI (``akn``), ELI and CELEX from the identification block."""
    native: dict[str, str] = {}
    if re.match(r"/?(?:akn/)?[a-z]{2}(?:-[a-z0-9]+)?/", uri):
        native["akn"] = re.sub(r"/(?:!?main)$", "", uri.rstrip("/"))
    for level in ("FRBRWork", "FRBRExpression"):
        for alias in _frbr_all(ident, level, "FRBRalias"):
            name = (alias.get("name") or "").lower()
            values = [alias.get("value") or "", alias.get("other") or ""]
            eli = next((v for v in values if re.match(r"(?:https?://[^/]+)?/?eli/", v)), None)
            if "celex" in name and values[0]:
                native.setdefault("celex", values[0].strip())
            elif name.endswith("comnumber") and values[0]:
                native.setdefault("com", values[0].strip())
            elif eli and level == "FRBRWork":
                native.setdefault("eli", eli.strip())
    if re.match(r"/?eli/", uri):  # LegalDocML.de: the work URI is itself an ELI
        native.setdefault("eli", uri.strip("/"))
    return native


def _eli_work_id(eli: str, country: str | None) -> str | None:
    """``eli/bund/bgbl-1/2023/413`` (Germany's federal gazette) -> /akn/de/act/2023/bgbl-1-413."""
    match = re.match(r"/?eli/bund/([a-z0-9-]+)/(\d{4})/([a-z0-9]+)", eli)
    if not match or country not in (None, "de"):
        return None
    return f"/akn/de/act/{match[2]}/{match[1]}-{match[3]}"


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
    native = {**_native_ids(ident, uri), **native}
    if not work_id and "eli" in native:
        work_id = _eli_work_id(native["eli"], country)

    title, summary, number = _title_and_number(doc_el, work, ident)
    number = native.get("com") or number
    notes = [] if work_id or not uri else [f"FRBR work URI {uri!r} is not an /akn/ work id"]
    if not title:
        notes.append("the document states no title (no shortTitle, docTitle, title alias or "
                     "FRBRname): give one with --meta")

    tag = local(doc_el)
    doc_type = {"act": "act", "bill": "bill"}.get(tag, "doc")
    eu_kind = re.match(r"/akn/eu/act/(regulation|directive|decision)/", work_id or "")
    if eu_kind:
        doc_type = eu_doc_type(eu_kind[1]) or doc_type
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
        in_force=_in_force(meta_root),
        version_date=version,
        native_ids=native,
        work_id=work_id,
        source_url=source,
        issuing_body=_issuing_body(meta_root, work),
        summary=summary or None,
        status="draft" if doc_type == "bill" else None,
        notes=notes,
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
