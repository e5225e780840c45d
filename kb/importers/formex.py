"""Formex 05.x XML of the EU Publications Office (Official Journal and consolidated texts).

Published by: the Publications Office of the European Union, on EUR-Lex / the Cellar (the
``fmx4`` manifestation of each OJ act); spec and schemas at
https://op.europa.eu/en/web/eu-vocabularies/formex (Formex V5 manual).

Document kinds read:
- ``<ACT>``: an act as published in the OJ: ``PREAMBLE`` (``GR.VISA`` citations and
  ``GR.CONSID``/``CONSID`` recitals), ``ENACTING.TERMS`` with nested ``DIVISION`` (chapters,
  sections) and ``ARTICLE`` (``TI.ART`` number, ``STI.ART`` heading);
- ``<CONS.ACT>``: a consolidated text (CONSLEG) - same body, usually an empty preamble; the
  consolidation date becomes ``version_date``, ``NO.CELEX`` the CELEX number;
- ``<CORR>``: a corrigendum - one provision (kind ``other``) per ``CORRECTION``, headed by its
  ``DESCRIPTION``, with the "for ... read ..." text;
- ``<DOC>``: the small document-level metadata file next to each act (``BIB.DOC``,
  ``PUBLICATION.REF``, ``LEGAL.VALUE``): one document with metadata and no provisions.

Quirks handled: quotation marks are empty ``QUOT.START``/``QUOT.END`` elements carrying the
character's hex code; footnotes (``NOTE``) sit inline in the text and are left out; article
numbers are kept as printed (``Article premier`` in French) while eIds come from the
``IDENTIFIER`` attribute (``art_1``); titles printed in small capitals (``HT TYPE="UC"``) keep the
case of the source; "(Text with EEA relevance)" is dropped from titles. The CELEX number is
read from ``NO.CELEX`` where present, otherwise derived for regulations from ``NO.DOC``.
"""

from __future__ import annotations

import re

from lxml import etree

from kb.errors import ImportFailed
from kb.importers._xml import (
    TextBuilder,
    eu_act_kind,
    eu_celex,
    eu_doc_type,
    eu_eli,
    eu_entry_into_force,
    eu_identity,
    eu_number,
    eu_work_id,
    head_text,
    iso_date,
    language_code,
    local,
    oj_reference,
    parse_xml,
    unique_eids,
)
from kb.importers.base import ParsedDocument
from kb.models import Provision
from kb.text import normalize_space

FORMAT = "formex"

_ROOTS = {"ACT", "CONS.ACT", "CORR", "DOC"}
_SKIP = {"NOTE", "INCL.ELEMENT", "REF.PHYS", "BIB.INSTANCE"}
_NUMS = {"NO.PARAG", "NO.P", "NO.GR.SEQ"}
_MARKS = {"DASH": "—", "NDASH": "–", "BULLET": "•"}
_BLOCKS = {
    "P", "ALINEA", "PARAG", "NP", "ITEM", "LIST", "CONSID", "VISA", "PREAMBLE.INIT",
    "PREAMBLE.FINAL", "GR.CONSID.INIT", "GR.SEQ", "TITLE", "TI", "STI", "QUOT.S", "ROW",
    "TBL", "CORPUS", "DLIST", "DLIST.ITEM", "FORMULA", "DESCRIPTION", "OLD.CORR", "NEW.CORR",
    "CONTENTS", "SUBDIV", "DIVISION", "ARTICLE", "GR.VISA", "GR.CONSID", "LIST.AMEND",
    "PL.DATE", "SIGNATORY", "FINAL", "GR.NOTES", "TI.ART", "STI.ART",
}


def sniff(data: bytes, filename: str) -> int:
    head = head_text(data)
    match = re.search(r"<([A-Z][A-Z0-9.]*)[\s>/]", head)
    if not match:
        return 0
    formex = "formex" in head.lower() or any(
        marker in head for marker in ("<BIB.INSTANCE", "<BIB.DOC", "<INFO.CONSLEG"))
    if not formex:
        return 0
    return 92 if match[1] in _ROOTS else 50


# ---------------------------------------------------------------------------------------------
# text


def _render(el: etree._Element, out: TextBuilder) -> None:
    tag = local(el)
    if not tag or tag in _SKIP:
        return
    if tag in ("QUOT.START", "QUOT.END"):
        try:
            out.add(chr(int(el.get("CODE", ""), 16)))
        except ValueError:
            out.add("\u201c" if tag == "QUOT.START" else "\u201d")
        return
    if tag in _NUMS:
        out.add(_inline(el) + " ", glue=True)
        return
    if tag == "FT" and el.get("TYPE") == "NUMBER" and re.fullmatch(r"\d{5,}", el.text or ""):
        digits = el.text or ""
        head = len(digits) % 3 or 3
        out.add(" ".join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]))
        return
    if tag == "ITEM" and el.getparent() is not None and (
            el.getparent().get("TYPE") in _MARKS and el.find("NP") is None):
        out.br()
        out.add(_MARKS[el.getparent().get("TYPE")] + " ", glue=True)
    if tag == "ROW":
        out.br()
        cells = [_inline(c) for c in el if local(c) == "CELL"]
        out.add(" | ".join(c for c in cells if c))
        out.br()
        return
    block = tag in _BLOCKS
    if block:
        out.br()
    if el.text:
        out.add(el.text)
    for child in el:
        _render(child, out)
        if child.tail:
            out.add(child.tail)
    if block:
        out.br()


def _text(el: etree._Element | None, skip: tuple[str, ...] = ()) -> str:
    out = TextBuilder()
    if el is None:
        return ""
    if el.text:
        out.add(el.text)
    for child in el:
        if local(child) not in skip:
            _render(child, out)
        if child.tail:
            out.add(child.tail)
    return out.value()


def _inline(el: etree._Element | None) -> str:
    return normalize_space(_text(el).replace("\n", " ")) if el is not None else ""


def _child(el: etree._Element | None, *path: str) -> etree._Element | None:
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if local(c) == name), None)
    return el


def _value(el: etree._Element | None, *path: str) -> str | None:
    found = _child(el, *path)
    return normalize_space(found.text or "") or None if found is not None else None


# ---------------------------------------------------------------------------------------------
# provisions


def _article(el: etree._Element, path: list[str]) -> Provision:
    number = _inline(_child(el, "TI.ART")) or None
    heading = _inline(_child(el, "STI.ART")) or None
    ident = (el.get("IDENTIFIER") or "").lower().lstrip("0")
    if not re.fullmatch(r"[0-9]+[a-z0-9.\-]*", ident):
        digits = re.findall(r"\d+[a-z]*", (number or "").lower())
        ident = digits[0] if digits else "1"
    return Provision(eid=f"art_{ident}", number=number or f"Article {ident}", heading=heading,
                     path=path, text=_text(el, ("TI.ART", "STI.ART")) or None)


def _division_label(div: etree._Element) -> str | None:
    title = _child(div, "TITLE")
    if title is None:
        return None
    parts = [_inline(_child(title, name)) for name in ("TI", "STI")]
    return " ".join(p for p in parts if p) or None


def _enacting(el: etree._Element, path: list[str], out: list[Provision]) -> None:
    for child in el:
        tag = local(child)
        if tag == "ARTICLE":
            out.append(_article(child, path))
        elif tag == "DIVISION":
            label = _division_label(child)
            _enacting(child, path + [label] if label else path, out)


def _preamble(el: etree._Element | None) -> list[Provision]:
    if el is None:
        return []
    out: list[Provision] = []
    intro = TextBuilder()
    for child in el:
        if local(child) != "GR.CONSID":
            _render(child, intro)
            continue
        for consid in child:
            if local(consid) != "CONSID":
                _render(consid, intro)
                continue
            number = _inline(consid.find(".//NO.P")) or None
            digits = re.findall(r"\d+[a-z]*", (number or "").lower())
            np_el = _child(consid, "NP")
            text = _text(np_el if np_el is not None else consid, ("NO.P",))
            eid = f"rec_{digits[0]}" if digits else f"rec_{len(out) + 1}"
            out.append(Provision(eid=eid, number=number or f"({len(out) + 1})", text=text or None,
                                 kind="recital"))
    if intro.value():
        out.insert(0, Provision(eid="preamble", number="Preamble", text=intro.value(),
                                kind="preamble"))
    return out


def _corrections(contents: etree._Element | None) -> list[Provision]:
    out = []
    for i, corr in enumerate((c for c in contents if local(c) == "CORRECTION"), start=1):
        description = _inline(_child(corr, "DESCRIPTION")) or None
        out.append(Provision(eid=f"corr_{i}", number=f"Correction {i}",
                             heading=description.rstrip(":").strip() if description else None,
                             text=_text(corr, ("DESCRIPTION",)) or None, kind="other"))
    return out


# ---------------------------------------------------------------------------------------------
# metadata


def _title(ti: etree._Element | None) -> str:
    """The TI paragraphs on one line, without a bracketed trailer like "(Text with EEA ...)"."""
    if ti is None:
        return ""
    paras = [_inline(p) for p in ti if local(p) == "P"] or [_inline(ti)]
    kept = [p for i, p in enumerate(paras) if p and not (i and re.fullmatch(r"\(.*\)", p))]
    return normalize_space(" ".join(kept))


def _identity(title: str, legal_value: str | None, no_doc: etree._Element | None,
              celex: str | None, native: dict[str, str], doc: ParsedDocument) -> None:
    """Fill number, type, CELEX and work id from the title and NO.DOC."""
    kind = eu_act_kind(title, legal_value)
    year_s, number_s = _value(no_doc, "YEAR"), _value(no_doc, "NO.CURRENT")
    stated = (int(year_s), int(number_s)) if (year_s or "").isdigit() and (
        number_s or "").isdigit() else None
    found = eu_number(title)
    if found:
        printed, year, number = found
    else:
        printed = f"{year_s}/{number_s}" if stated else None
        year, number = stated or (None, None)
    if stated and (year, number) != stated:
        doc.notes.append(f"the title's number {printed} and NO.DOC {year_s}/{number_s} differ; "
                         "no CELEX number derived")
    elif not celex:
        celex = eu_celex(kind, year, number)
    if celex:
        native["celex"] = celex
    if (eli := eu_eli(kind, year, number)) and not (stated and (year, number) != stated):
        native["eli"] = eli
    doc.number = printed
    doc.doc_type = eu_doc_type(kind)
    doc.work_id = eu_work_id(kind, year, number)


def _oj(ref: etree._Element | None, year: str | None = None) -> str | None:
    return oj_reference(_value(ref, "COLL"), _value(ref, "NO.OJ"), _value(ref, "YEAR") or year,
                        _value(ref, "PAGE.FIRST"))


def _act(root: etree._Element, filename: str) -> ParsedDocument:
    consolidated = local(root) == "CONS.ACT"
    main = _child(root, "CONS.DOC") if consolidated else root
    if main is None:
        raise ImportFailed(f"{filename}: CONS.ACT without a CONS.DOC element")
    native: dict[str, str] = {}
    if consolidated:
        bib = _child(main, "FAM.COMP", "BIB.DATA")
        instance = _child(bib, "BIB.INSTANCE.CONS")
        oj = _oj(_child(instance, "DOCUMENT.REF.CONS"))
        date_el = _child(bib, "DATE")
        celex = _value(bib, "NO.CELEX")
        info = _child(root, "INFO.CONSLEG")
        version = iso_date(info.get("CONSLEG.DATE")) if info is not None else None
        legal_value = info.get("LEG.VAL") if info is not None else None
    else:
        instance = _child(root, "BIB.INSTANCE")
        oj = _oj(_child(instance, "DOCUMENT.REF"))
        date_el = _child(instance, "DATE")
        celex, version, legal_value = None, None, None
    if oj:
        native["oj"] = oj
    title = _title(_child(main, "TITLE", "TI"))
    if not title:
        raise ImportFailed(f"{filename}: the Formex act has no TITLE")
    date = iso_date(date_el.get("ISO")) if date_el is not None else None
    doc = ParsedDocument(title=title, jurisdiction="eu", date=date, version_date=version,
                         language=language_code(_value(instance, "LG.DOC")), native_ids=native)
    _identity(title, legal_value, _child(instance, "NO.DOC"), celex, native, doc)

    provisions = _preamble(_child(main, "PREAMBLE"))
    enacting = _child(main, "ENACTING.TERMS")
    if enacting is not None:
        _enacting(enacting, [], provisions)
    if not any(p.kind == "article" for p in provisions):
        raise ImportFailed(f"{filename}: the Formex act has no ARTICLE in its ENACTING.TERMS")
    doc.provisions = provisions
    # an OJ act file does not carry its publication date: only a stated date is read here
    doc.in_force = eu_entry_into_force(
        [p.text or "" for p in provisions if p.kind == "article"][-3:], None)
    return doc


def _corrigendum(root: etree._Element, filename: str) -> ParsedDocument:
    """A corrigendum: flagged as one, with the identifiers of the act it corrects."""
    instance = _child(root, "BIB.INSTANCE")
    ti = _child(root, "TITLE", "TI")
    title = _title(ti)
    if not title:
        raise ImportFailed(f"{filename}: the Formex corrigendum has no TITLE")
    date_el = _child(instance, "DATE")
    oj = _oj(_child(instance, "DOCUMENT.REF"))
    corrected = [_inline(p) for p in ti if local(p) == "P"][1:] if ti is not None else []
    provisions = _corrections(_child(root, "CONTENTS.CORR"))
    if not provisions:
        raise ImportFailed(f"{filename}: the Formex corrigendum has no CORRECTION")
    corrects: dict[str, str] = {}
    found = eu_number(title)
    kind = eu_act_kind(re.sub(r"^\W*\w+\s+(?:to|au|à la|zur|zum)\s+", "", title, flags=re.I))
    if found:
        corrects.update(eu_identity(kind, found[1], found[2]))
        if work := eu_work_id(kind, found[1], found[2]):
            corrects["work_id"] = work
    ref = next(ti.iter("REF.DOC.OJ"), None) if ti is not None else None
    if ref is not None:
        corrects_oj = oj_reference(ref.get("COLL"), ref.get("NO.OJ"),
                                   (ref.get("DATE.PUB") or "")[:4] or None)
        if corrects_oj:
            corrects["oj"] = corrects_oj
    return ParsedDocument(
        title=title, jurisdiction="eu", doc_type="doc",
        date=iso_date(date_el.get("ISO")) if date_el is not None else None,
        language=language_code(_value(instance, "LG.DOC")),
        native_ids={"oj": oj} if oj else {}, provisions=provisions,
        notes=[f"corrigendum to the act published in {c.strip('()')}" for c in corrected if c],
        corrigendum=True, corrects=corrects,
    )


def _doc_metadata(root: etree._Element, filename: str) -> ParsedDocument:
    bib = _child(root, "BIB.DOC")
    pub = _child(root, "PUBLICATION.REF")
    main = _child(root, "FMX", "DOC.MAIN.PUB")
    ti = next(root.iter("TI"), None)
    title = _title(ti)
    if not title:
        raise ImportFailed(f"{filename}: the Formex DOC file states no title")
    native: dict[str, str] = {}
    pub_date = _child(pub, "DATE")
    year = (pub_date.get("ISO") or "")[:4] if pub_date is not None else None
    oj = oj_reference(_value(pub, "COLL"), _value(pub, "NO.OJ"), year,
                      _value(main, "PAGE.FIRST"))
    if oj:
        native["oj"] = oj
    date_el = _child(main, "DATE")
    doc = ParsedDocument(title=title, jurisdiction="eu", native_ids=native,
                         date=iso_date(date_el.get("ISO")) if date_el is not None else None,
                         language=language_code(_value(main, "LG.DOC")))
    _identity(title, _value(main, "LEGAL.VALUE"), _child(bib, "NO.DOC"), None, native, doc)
    ref = _child(main, "REF.PHYS")
    doc.notes.append("Formex document metadata only (no text)"
                     + (f"; the text is in {ref.get('FILE')}" if ref is not None else ""))
    return doc


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    root = parse_xml(data, filename)
    tag = local(root)
    if tag in ("ACT", "CONS.ACT"):
        doc = _act(root, filename)
    elif tag == "CORR":
        doc = _corrigendum(root, filename)
    elif tag == "DOC":
        doc = _doc_metadata(root, filename)
    else:
        raise ImportFailed(f"{filename}: unsupported Formex document <{tag}> "
                           f"(read: {', '.join(sorted(_ROOTS))})")
    if doc.language:
        doc.provisions = [p.model_copy(update={"language": doc.language})
                          for p in doc.provisions]
    doc.provisions = unique_eids(doc.provisions)
    return [doc]
