"""Helpers shared by the XML/EU importers (akn, formex, eurlex_html, gdprtext_json).

Safe XML parsing, local tag names, eId hygiene, ISO language codes and the identifiers of EU
acts (CELEX numbers, Official Journal references, Akoma Ntoso work ids). Everything here is
pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from kb.errors import ImportFailed
from kb.models import Provision
from kb.text import normalize_space

# ISO 639-2 (bibliographic and terminological) -> ISO 639-1, for the languages we meet.
_ISO3_LANG = {
    "eng": "en", "fra": "fr", "fre": "fr", "deu": "de", "ger": "de", "spa": "es", "ita": "it",
    "nld": "nl", "dut": "nl", "por": "pt", "pol": "pl", "swe": "sv", "dan": "da", "fin": "fi",
    "ell": "el", "gre": "el", "ces": "cs", "cze": "cs", "slk": "sk", "slo": "sk", "slv": "sl",
    "hun": "hu", "ron": "ro", "rum": "ro", "bul": "bg", "hrv": "hr", "est": "et", "lav": "lv",
    "lit": "lt", "mlt": "mt", "gle": "ga", "vie": "vi", "jpn": "ja", "zho": "zh", "chi": "zh",
    "kor": "ko", "rus": "ru", "ara": "ar", "tha": "th", "ind": "id", "msa": "ms", "may": "ms",
}


def language_code(value: str | None) -> str | None:
    """``eng``/``EN``/``en`` -> ``en``; None for anything not recognised."""
    if not value:
        return None
    code = value.strip().lower().split("-")[0].split("_")[0]
    if len(code) == 2 and code.isalpha():
        return code
    return _ISO3_LANG.get(code)


def parse_xml(data: bytes, filename: str) -> etree._Element:
    """The root element, parsed without network access or entity expansion."""
    if not data.strip():
        raise ImportFailed(f"{filename}: the file is empty")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                             remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ImportFailed(f"{filename}: not well-formed XML ({exc})") from None
    if root is None:
        raise ImportFailed(f"{filename}: no XML document element")
    return root


def local(el: etree._Element) -> str:
    """The tag without its namespace ('' for comments and processing instructions)."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def head_text(data: bytes, size: int = 4096) -> str:
    """The first bytes as text, for cheap sniffing."""
    return data[:size].decode("utf-8", errors="replace")


def lines_of(text: str) -> str:
    """Each line whitespace-normalised, empty lines dropped, joined with newlines."""
    return "\n".join(line for line in (normalize_space(x) for x in text.split("\n")) if line)


def iso_date(value: str | None) -> dt.date | None:
    """``20160427`` or ``2016-04-27`` (or a longer ISO timestamp) -> date; None otherwise."""
    if not value:
        return None
    digits = re.sub(r"[^0-9]", "", value.strip())[:8]
    if len(digits) != 8:
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "janvier"), ("february", "février", "fevrier"), ("march", "mars"),
            ("april", "avril"), ("may", "mai"), ("june", "juin"), ("july", "juillet"),
            ("august", "août", "aout"), ("september", "septembre"), ("october", "octobre"),
            ("november", "novembre"), ("december", "décembre", "decembre"),
        ],
        start=1,
    )
    for name in names
}


def text_date(value: str) -> dt.date | None:
    """The first ``27 April 2016`` / ``27 avril 2016`` style date in a text, else None."""
    for match in re.finditer(r"\b(\d{1,2})(?:er)?\s+([^\W\d_]+)\s+(\d{4})\b", value):
        month = _MONTHS.get(match[2].lower())
        if month:
            try:
                return dt.date(int(match[3]), month, int(match[1]))
            except ValueError:
                continue
    return None


class TextBuilder:
    """Text with line breaks at block boundaries; a num is glued to the block that follows."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.glue = False

    def add(self, text: str, glue: bool = False) -> None:
        if not text:
            return
        text = re.sub(r"\s+", " ", text)
        if self.glue and not text.strip():
            return
        self.parts.append(text)
        if text.strip():
            self.glue = glue

    def br(self) -> None:
        if not self.glue:
            self.parts.append("\n")

    def close_quote(self, mark: str) -> None:
        while self.parts and not self.parts[-1].strip():
            self.parts.pop()
        if self.parts:
            self.parts[-1] = self.parts[-1].rstrip()
        self.parts.append(mark)

    def value(self) -> str:
        return lines_of("".join(self.parts))


# ---------------------------------------------------------------------------------------------
# eIds


def clean_eid_part(value: str) -> str:
    """Lower case, characters outside [a-z0-9_.-] replaced by '-'."""
    text = re.sub(r"[^a-z0-9_.\-]+", "-", value.strip().lower()).strip("-_.")
    return text


def unique_eids(provisions: list[Provision]) -> list[Provision]:
    """Suffix repeated eIds with _2, _3 ... (in document order) and number ``order`` 1..n."""
    seen: dict[str, int] = {}
    taken = {p.eid for p in provisions}
    out = []
    for order, prov in enumerate(provisions, start=1):
        eid = prov.eid
        if eid in seen:
            n = seen[eid] + 1
            while f"{eid}_{n}" in taken:
                n += 1
            seen[eid] = n
            eid = f"{eid}_{n}"
            taken.add(eid)
        else:
            seen[eid] = 1
        out.append(prov.model_copy(update={"eid": eid, "order": order}))
    return out


# ---------------------------------------------------------------------------------------------
# EU acts

# The type word as printed at the start of an EU act's title, by language.
_EU_TYPE_WORDS = {
    "regulation": ("regulation", "règlement", "reglement", "verordnung", "reglamento",
                   "regolamento", "verordening", "regulamento", "rozporządzenie"),
    "directive": ("directive", "richtlinie", "directiva", "direttiva", "richtlijn", "diretiva",
                  "dyrektywa"),
    "decision": ("decision", "décision", "beschluss", "entscheidung", "decisión", "decisione",
                 "besluit", "beschikking", "decisão", "decyzja"),
}
_EU_LEGAL_VALUE = {"REG": "regulation", "DIR": "directive", "DEC": "decision"}
_CELEX_LETTER = {"regulation": "R", "directive": "L", "decision": "D"}
_ELI_TYPE = {"regulation": "reg", "directive": "dir", "decision": "dec"}


def eu_act_kind(title: str | None = None, legal_value: str | None = None) -> str | None:
    """regulation / directive / decision from a Formex LEGAL.VALUE or the title's first words."""
    if legal_value and legal_value.upper() in _EU_LEGAL_VALUE:
        return _EU_LEGAL_VALUE[legal_value.upper()]
    if not title:
        return None
    words = re.findall(r"[^\W\d_]+", title.lower())[:6]
    for kind, names in _EU_TYPE_WORDS.items():
        if any(word in names for word in words):
            return kind
    return None


def eu_doc_type(kind: str | None) -> str | None:
    """The project's doc_type for an EU act kind (a directive is a legislative act)."""
    return {"regulation": "regulation", "directive": "act", "decision": "decision"}.get(kind or "")


def eu_number(title: str) -> tuple[str, int, int] | None:
    """``Regulation (EU) 2016/679`` -> ("2016/679", 2016, 679); ``No 45/2001`` -> (.., 2001, 45).

    Only the first number in the text is read (titles go on to cite other acts).
    """
    match = re.search(r"\b(No\s+)?(\d{1,4})/(\d{1,4})(?:/([A-Z]{2,4}))?\b", title)
    if not match:
        return None
    first, second = int(match[2]), int(match[3])
    printed = match[0].removeprefix(match[1] or "").strip()
    if not match[1] and len(match[2]) == 4 and 1950 <= first <= 2100:
        return printed, first, second  # 2016/679 (acts since 2015), 2000/31/EC
    if len(match[3]) == 4:
        return printed, second, first  # No 45/2001
    if len(match[2]) == 2:
        return printed, first + (1900 if first > 50 else 2000), second  # 95/46/EC
    return None


def eu_work_id(kind: str | None, year: int | None, number: int | None) -> str | None:
    if kind not in ("regulation", "directive", "decision") or not year or not number:
        return None
    return f"/akn/eu/act/{kind}/{year}/{number}"


def eu_celex(kind: str | None, year: int | None, number: int | None) -> str | None:
    """Sector-3 CELEX number of a regulation, directive or decision (3 + year + R/L/D + number),
    which names the act whatever file or language it comes in."""
    letter = _CELEX_LETTER.get(kind or "")
    if not letter or not year or not number:
        return None
    return f"3{year}{letter}{number:04d}"


def eu_eli(kind: str | None, year: int | None, number: int | None) -> str | None:
    """The act's ELI as the Publications Office mints it (``.../eli/reg/2016/679/oj``)."""
    short = _ELI_TYPE.get(kind or "")
    if not short or not year or not number:
        return None
    return f"http://data.europa.eu/eli/{short}/{year}/{number}/oj"


def eu_identity(kind: str | None, year: int | None, number: int | None) -> dict[str, str]:
    """The native ids (celex, eli) an EU act's kind, year and number give."""
    found = {"celex": eu_celex(kind, year, number), "eli": eu_eli(kind, year, number)}
    return {k: v for k, v in found.items() if v}


def dotted_date(value: str | None) -> dt.date | None:
    """``4.5.2016`` (the Official Journal's header date) -> 2016-05-04."""
    match = re.search(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b", value or "")
    if not match:
        return None
    try:
        return dt.date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None


_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fifth": 5, "seventh": 7, "tenth": 10,
    "fifteenth": 15, "twentieth": 20, "thirtieth": 30, "sixtieth": 60,
    "premier": 1, "deuxième": 2, "troisième": 3, "cinquième": 5, "septième": 7,
    "dixième": 10, "quinzième": 15, "vingtième": 20, "trentième": 30, "soixantième": 60,
}
_IN_FORCE_RELATIVE = re.compile(
    r"(?:enter|entre)(?:s)? (?:into force|en vigueur) (?:on |le )?(?:the )?"
    r"(?:(\w+) day (?:following|after)|(\w+) jour suivant|(day|jour) (?:following|suivant))"
    r".{0,20}?publication", re.I)
_IN_FORCE_DATE = re.compile(r"(?:enter|entre)s? (?:into force|en vigueur) (?:on|le) "
                            r"(\d{1,2}(?:er)? [^\W\d_]+ \d{4})", re.I)


def eu_entry_into_force(texts: list[str], published: dt.date | None) -> dt.date | None:
    """The date an act enters into force, from its own "entry into force" article.

    ``... shall enter into force on the twentieth day following that of its publication in
    the Official Journal`` needs the publication date (the OJ header); ``... shall enter into
    force on 1 January 2020`` does not. None when the text says neither.
    """
    for text in reversed(texts):  # the entry-into-force article is among the last
        match = _IN_FORCE_RELATIVE.search(text)
        if match and published:
            word = (match[1] or match[2] or "").lower()
            days = _ORDINALS.get(word, 1 if match[3] else 0)
            if days:
                return published + dt.timedelta(days=days)
        match = _IN_FORCE_DATE.search(text)
        if match:
            return text_date(match[1])
    return None


def oj_reference(coll: str | None, number: str | None, year: str | int | None,
                 page: str | None = None) -> str | None:
    """``OJ L 119, 2016, p. 1``: the Official Journal issue (and first page) of a publication."""
    if not (coll and number and year):
        return None
    ref = f"OJ {coll.strip()} {str(number).strip().lstrip('0')}, {year}"
    if page:
        ref += f", p. {str(page).strip().lstrip('0') or '0'}"
    return ref
