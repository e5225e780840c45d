"""United States Code sections in Markdown, as split into chunks from the uscode.house.gov text.

Published by: the Office of the Law Revision Counsel of the US House of Representatives
(https://uscode.house.gov); public domain. The Markdown layout read here is the one of the
CodeX (Stanford) conversion, one subsection group per file::

    # Title 47— TELECOMMUNICATIONS
    ### CHAPTER 5— WIRE OR RADIO COMMUNICATION
    #### § 222. Privacy of customer information
    ##### (a) In general

    Every telecommunications carrier has a duty ...

Why a format of its own: the generic text importer sees one Markdown file with no date, no
jurisdiction and a title of "Title 47— TELECOMMUNICATIONS", so each chunk needed --meta and
became an instrument of its own. The headings say everything needed instead:

- one document per section (``#### §``) in the file: the section is the work
  (``47 U.S.C. § 222``), native ids ``usc`` (the citation), ``usc_title``, ``usc_chapter``,
  ``usc_section`` and, for the chapters that codify one Act, ``act`` (``Communications Act of
  1934``) with work id ``/akn/us/act/{year of the Act}/47-usc-222``;
- provisions are the subsections (``##### (a) In general`` -> eId ``sec_222__subsec_a``,
  number ``§ 222(a)``) or, for a section without them, the section itself (``sec_151``);
- a file that holds some subsections of a section is one chunk of it: ``partial`` is set, and
  ingest adds its provisions to the section's work instead of making a new version, so six
  chunks of § 230 make one instrument.

Quirks handled: ``§`` is followed by a narrow no-break space (U+202F) or a no-break space; the
em dash after "Title 47" and "CHAPTER 5" has no space before it; headings are upper case
(printed in title case here).
"""

from __future__ import annotations

import re

from kb.errors import ImportFailed
from kb.importers.base import ParsedDocument
from kb.models import Provision
from kb.text import normalize_space

FORMAT = "us_code"

_SPACES = "\u00a0\u202f\u2009 \t"
_TITLE = re.compile(r"^#{1,6}\s*Title\s+(\d+[A-Z]?)\s*[—–-]\s*(.+)$", re.I)
_GROUP = re.compile(r"^#{1,6}\s*(SUBTITLE|CHAPTER|SUBCHAPTER|PART|SUBPART)\s+([\w.-]+)\s*[—–-]"
                    r"\s*(.*)$", re.I)
_SECTION = re.compile(rf"^#{{1,6}}\s*§[{_SPACES}]*([\w.-]+?)\.?[{_SPACES}]+(.*)$")
_SUBSECTION = re.compile(r"^#{4,6}\s*\(([a-z0-9]{1,4})\)\s*(.*)$", re.I)
_RANKS = ("SUBTITLE", "CHAPTER", "SUBCHAPTER", "PART", "SUBPART")
_SMALL = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to",
          "with"}

# Chapters of Title 47 that codify one Act: (Act, year of enactment). The year names the work
# (/akn/us/act/1934/47-usc-222) as the Act's year does for the curated entries.
ACTS: dict[tuple[str, str], tuple[str, int]] = {
    ("47", "5"): ("Communications Act of 1934", 1934),
    ("47", "6"): ("Communications Satellite Act of 1962", 1962),
    ("47", "9"): ("Communications Assistance for Law Enforcement Act", 1994),
}


def sniff(data: bytes, filename: str) -> int:
    head = data[:4096].decode("utf-8", "ignore").lstrip("\ufeff")
    lines = [line.strip() for line in head.splitlines()]
    if any(_TITLE.match(line) for line in lines) and any(_SECTION.match(line) for line in lines):
        return 60  # above the generic Markdown importer (20)
    return 0


def _title_case(text: str) -> str:
    if text != text.upper():
        return text
    words = text.lower().split()
    return " ".join(w if i and w in _SMALL else w[:1].upper() + w[1:]
                    for i, w in enumerate(words))


def _text(lines: list[str]) -> str | None:
    """Paragraphs kept one per line; Markdown emphasis and escapes dropped."""
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in lines + [""]:
        line = normalize_space(re.sub(r"(?<!\w)[*_]{1,2}|[*_]{1,2}(?!\w)|\\(?=[^\w\s])", "",
                                      raw))
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    return "\n".join(paragraphs) or None


class _Section:
    def __init__(self, number: str, heading: str, path: list[str]) -> None:
        self.number, self.heading, self.path = number, heading, path
        self.intro: list[str] = []
        self.subsections: list[tuple[str, str, list[str]]] = []

    def add(self, line: str) -> None:
        (self.subsections[-1][2] if self.subsections else self.intro).append(line)


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    text = data.decode("utf-8-sig", errors="replace")
    title_no = title_name = None
    groups: dict[str, tuple[str, str]] = {}  # CHAPTER -> (number, name)
    sections: list[_Section] = []
    for raw in text.splitlines():
        line = raw.strip()
        if m := _TITLE.match(line):
            title_no, title_name = m[1], _title_case(normalize_space(m[2]))
        elif m := _GROUP.match(line):
            rank = _RANKS.index(m[1].upper())
            groups = {k: v for k, v in groups.items() if _RANKS.index(k) < rank}
            groups[m[1].upper()] = (m[2].rstrip("."), _title_case(normalize_space(m[3])))
        elif m := _SECTION.match(line):
            path = [f"Title {title_no} — {title_name}"] if title_no else []
            path += [f"{k.title()} {n} — {name}".strip(" —") for k, (n, name) in groups.items()]
            sections.append(_Section(m[1], normalize_space(m[2]).rstrip("."), path))
        elif sections and (m := _SUBSECTION.match(line)):
            sections[-1].subsections.append((m[1].lower(), normalize_space(m[2]), []))
        elif sections:
            sections[-1].add(raw)
    if not title_no:
        raise ImportFailed(f"{filename}: no '# Title N— NAME' heading: not a US Code chunk")
    if not sections:
        raise ImportFailed(f"{filename}: no '#### § N.' section heading in the file")
    return [_document(s, title_no, groups.get("CHAPTER")) for s in sections]


def _document(section: _Section, title_no: str,
              chapter: tuple[str, str] | None) -> ParsedDocument:
    cite = f"{title_no} U.S.C. § {section.number}"
    key = re.sub(r"[^a-z0-9]+", "-", section.number.lower()).strip("-")
    provisions: list[Provision] = []
    intro = _text(section.intro)
    if intro or not section.subsections:
        provisions.append(Provision(eid=f"sec_{key}", number=f"§ {section.number}",
                                    heading=section.heading or None, path=section.path,
                                    text=intro, kind="section", language="en"))
    for letter, heading, lines in section.subsections:
        provisions.append(Provision(
            eid=f"sec_{key}__subsec_{letter}", number=f"§ {section.number}({letter})",
            heading=heading or None, path=[*section.path, f"§ {section.number}. "
                                           f"{section.heading}"],
            text=_text(lines), kind="section", language="en"))
    provisions = [p.model_copy(update={"order": i}) for i, p in enumerate(provisions, start=1)]
    native = {"usc": cite, "usc_title": title_no, "usc_section": section.number}
    if chapter:
        native["usc_chapter"] = chapter[0]
    act = ACTS.get((title_no, chapter[0])) if chapter else None
    notes = []
    if act:
        native["act"] = act[0]
    else:
        notes.append("the Act this chapter codifies is not known here: give the id with --meta")
    return ParsedDocument(
        title=f"{cite} - {section.heading}" if section.heading else cite,
        provisions=provisions,
        number=cite,
        jurisdiction="us",
        doc_type="act",
        language="en",
        native_ids=native,
        work_id=f"/akn/us/act/{act[1]}/{title_no.lower()}-usc-{key}" if act else None,
        source_url=(f"https://uscode.house.gov/view.xhtml?req=granuleid:USC-prelim-title"
                    f"{title_no}-section{section.number}&num=0&edition=prelim"),
        issuing_body="United States Congress",
        status="in-force",
        notes=notes,
        partial=bool(section.subsections),
    )
