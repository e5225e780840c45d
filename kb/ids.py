"""Identifiers: Akoma Ntoso FRBR work URIs for instruments, eIds for provisions, note ids.

Ids are parsed and lower-cased once at the boundary (loader, importer, API) and are stable
across re-crawls: a new text of the same work is a new version, never a new id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

DOC_TYPES = (
    "act",
    "regulation",
    "decree",
    "circular",
    "decision",
    "guideline",
    "standard",
    "treaty",
    "agreement-chapter",
    "court-decision",
    "bill",
    "doc",
)

_SEGMENT = r"[a-z0-9][a-z0-9.\-]*"
_WORK_RE = re.compile(
    rf"^/akn/(?P<country>[a-z]{{2,3}})/(?P<doctype>[a-z][a-z\-]*)"
    rf"(?P<subtype>(?:/[a-z][a-z\-]*)?)"
    rf"/(?P<date>\d{{4}}(?:-\d{{2}}-\d{{2}})?)/(?P<number>{_SEGMENT})"
    rf"(?:/(?P<language>[a-z]{{3}})@(?P<expression_date>\d{{4}}-\d{{2}}-\d{{2}})?)?$"
)
_EID_RE = re.compile(r"^[a-z][a-z0-9_.\-]*$")
_NOTE_RE = re.compile(
    r"^/notes/(?P<country>[a-z]{2,3})/(?P<year>\d{4})/(?P<slug>[a-z0-9][a-z0-9\-]*)$"
)


class InvalidId(ValueError):
    """An identifier that does not follow the project's id scheme."""


@dataclass(frozen=True, slots=True)
class WorkId:
    """An instrument's FRBR work URI, e.g. ``/akn/sg/act/2012/26``.

    An other-language expression of a work adds the Akoma Ntoso expression part, the ISO
    639-2 language and ``@`` (``/akn/eu/act/regulation/2016/679/fra@``): it is indexed as a
    record of its own, and ``work`` names the work it expresses.
    """

    country: str
    doctype: str
    subtype: str
    date: str
    number: str
    language: str = ""  # an expression's ISO 639-2 code ("fra"); empty for the work itself
    expression_date: str = ""

    @classmethod
    def parse(cls, value: str) -> WorkId:
        text = value.strip().lower()
        match = _WORK_RE.match(text)
        if not match:
            raise InvalidId(
                f"not an Akoma Ntoso work id: {value!r} "
                "(expected /akn/{country}/{doctype}/{date-or-year}/{number})"
            )
        return cls(
            country=match["country"],
            doctype=match["doctype"],
            subtype=match["subtype"].lstrip("/"),
            date=match["date"],
            number=match["number"],
            language=match["language"] or "",
            expression_date=match["expression_date"] or "",
        )

    @property
    def work(self) -> str:
        """The work URI without any expression part."""
        subtype = f"/{self.subtype}" if self.subtype else ""
        return f"/akn/{self.country}/{self.doctype}{subtype}/{self.date}/{self.number}"

    def __str__(self) -> str:
        if not self.language:
            return self.work
        return f"{self.work}/{self.language}@{self.expression_date}"


@lru_cache(maxsize=65_536)
def clean_work_id(value: str) -> str:
    """Return the canonical (lower-case, validated) form of an instrument id."""
    return str(WorkId.parse(value))


# ISO 639-1 -> ISO 639-2 (bibliographic codes are not used by Akoma Ntoso): the languages of
# the texts the importers read
_ALPHA3 = {
    "en": "eng", "fr": "fra", "de": "deu", "es": "spa", "it": "ita", "pt": "por", "nl": "nld",
    "vi": "vie", "ja": "jpn", "ko": "kor", "zh": "zho", "th": "tha", "id": "ind", "ms": "msa",
    "ru": "rus", "ar": "ara", "pl": "pol", "sv": "swe", "da": "dan", "fi": "fin", "el": "ell",
    "cs": "ces", "hu": "hun", "ro": "ron", "bg": "bul", "hr": "hrv", "sk": "slk", "sl": "slv",
    "et": "est", "lv": "lav", "lt": "lit", "mt": "mlt", "ga": "gle", "tl": "tgl", "hi": "hin",
}


def expression_id(work_id: str, language: str) -> str:
    """The id of a work's text in another language, by the Akoma Ntoso expression convention:
    ``/akn/eu/act/regulation/2016/679`` + ``fr`` -> ``.../679/fra@``; its provisions are
    ``.../679/fra@/~art_4``, the same eId as in the work."""
    code = language.strip().lower()
    code = _ALPHA3.get(code, code)
    if not re.fullmatch(r"[a-z]{3}", code):
        raise InvalidId(f"no ISO 639-2 code for language {language!r}")
    return f"{WorkId.parse(work_id).work}/{code}@"


def expression_of(record_id: str) -> str | None:
    """The work an expression id (or a provision of one) expresses, else None."""
    work, sep, eid = record_id.strip().lower().partition("/~")
    try:
        parsed = WorkId.parse(work)
    except InvalidId:
        return None
    if not parsed.language:
        return None
    return f"{parsed.work}{sep}{eid}"


def clean_eid(value: str) -> str:
    text = value.strip().lower()
    if not _EID_RE.match(text):
        raise InvalidId(f"not an Akoma Ntoso eId: {value!r} (letters, digits, _ . - only)")
    return text


def provision_id(work_id: str, eid: str) -> str:
    """``/akn/eu/act/regulation/2016/679`` + ``art_44`` -> ``.../679/~art_44``."""
    return f"{clean_work_id(work_id)}/~{clean_eid(eid)}"


def split_provision_id(value: str) -> tuple[str, str]:
    """Split a provision id into (instrument id, eId), validating both."""
    work, sep, eid = value.strip().lower().partition("/~")
    if not sep:
        raise InvalidId(f"not a provision id: {value!r} (expected {{work id}}/~{{eId}})")
    return clean_work_id(work), clean_eid(eid)


def clean_note_id(value: str) -> str:
    text = value.strip().lower()
    if not _NOTE_RE.match(text):
        raise InvalidId(
            f"not a case-note id: {value!r} (expected /notes/{{jurisdiction}}/{{year}}/{{slug}})"
        )
    return text


def kind_of(value: str) -> str:
    """Which record kind an id names: instrument, provision or case-note."""
    text = value.strip().lower()
    if text.startswith("/notes/"):
        clean_note_id(text)
        return "case-note"
    if "/~" in text:
        split_provision_id(text)
        return "provision"
    clean_work_id(text)
    return "instrument"


def slugify(text: str, max_len: int = 60) -> str:
    """A lower-case ascii slug for id segments (diacritics folded, other scripts transliterated).

    Never a placeholder: two different non-Latin titles must not share an id, so a text
    with nothing to spell in Latin letters raises ``InvalidId`` instead.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", transliterate(text)).strip("-")
    slug = slug[:max_len].strip("-")
    if not slug:
        raise InvalidId(f"cannot make an id segment from {text!r}")
    return slug


_NAME_SYLLABLE = re.compile(r"^(?:HIRAGANA|KATAKANA|HANGUL SYLLABLE|HANGUL LETTER)"
                            r"(?: LETTER)?(?: SMALL)? (?P<syllable>[A-Z]+)$")


# Cyrillic and Greek (lower case, as ``fold`` leaves them): a common romanisation
_LATIN_FOR = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ"
    "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώς",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "i",
     "ye", "g",
     "a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o", "p", "r", "s",
     "t", "y", "f", "ch", "ps", "o", "a", "e", "i", "i", "o", "y", "o", "s"], strict=True))


def transliterate(text: str) -> str:
    """Latin letters for any script, so an id never depends on a script a URL mangles.

    Diacritics are folded (Vietnamese, Greek, Cyrillic through ``kb.text.fold``); kana and
    Hangul are spelled from their Unicode names (``か`` -> ``ka``, ``가`` -> ``ga``); an
    ideograph, which has no spelling without a dictionary, becomes its code point (``u4fe1``)
    so that two titles give two different ids.
    """
    import unicodedata

    from kb.text import fold

    out: list[str] = []
    for char in fold(unicodedata.normalize("NFC", text)):
        if char.isascii():
            out.append(char)
            continue
        name = unicodedata.name(char, "")
        match = _NAME_SYLLABLE.match(name)
        if char in _LATIN_FOR:
            out.append(_LATIN_FOR[char])
        elif match:
            out.append(match["syllable"].lower())
        elif "IDEOGRAPH" in name:
            out.append(f" u{ord(char):x} ")
        elif char.isalnum():
            decomposed = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(decomposed.lower() or " ")
        else:
            out.append(" ")
    return "".join(out)


# Vietnamese (and older importer) portion names -> the Akoma Ntoso names the entries use:
# Điều is an article, khoản a numbered clause, điểm a point, chương a chapter, phần a part.
_EID_ALIASES = {"dieu": "art", "khoan": "cl", "diem": "point", "chuong": "chp", "phan": "part",
                "para": "para", "article": "art", "section": "sec", "chapter": "chp"}


def normalise_eid(eid: str) -> str:
    """One eId scheme for curated and official texts: ``dieu_26__khoan_3`` -> ``art_26__cl_3``.

    Applied at the ingest boundary as a safety net, so an imported text lands on the eIds the
    curated entries use whatever an importer calls its portions.
    """
    parts = []
    for part in clean_eid(eid).split("__"):
        name, sep, rest = part.partition("_")
        parts.append(f"{_EID_ALIASES.get(name, name)}{sep}{rest}" if sep else part)
    return "__".join(parts)


# -- native identifiers ------------------------------------------------------------------
# A work is the same work when one of these agrees: they name the act, not the file.
IDENTITY_KEYS = ("celex", "eli", "egov", "legislation_gov_uk", "tota", "phapdien", "usc",
                 "number")

_CELEX_TYPES = {"regulation": "R", "directive": "L", "decision": "D"}
_EU_NUMBER = re.compile(
    r"\b(?P<type>Regulation|Directive|Decision)\s*\((?:EU|EC|EEC|EU,\s*Euratom)\)\s*"
    r"(?:No\s*)?(?P<a>\d{2,4})/(?P<b>\d{1,4})", re.IGNORECASE)


def eu_celex(text: str) -> str | None:
    """The CELEX number named by a citation such as ``Regulation (EU) 2016/679``.

    Since 2015 the year comes first (``2016/679``); before, the number did (``No 910/2014``).
    """
    match = _EU_NUMBER.search(text)
    if not match:
        return None
    first, second = match["a"], match["b"]
    year, number = (first, second) if len(first) == 4 and int(first) > 1950 else (second, first)
    if len(year) == 2:
        year = ("19" if int(year) > 50 else "20") + year
    return f"3{year}{_CELEX_TYPES[match['type'].lower()]}{int(number):04d}"


def identity_keys(native_ids: dict[str, str], jurisdiction: str = "") -> set[tuple[str, str]]:
    """The comparable identity keys of a work from its native ids (case and form folded).

    An ELI is compared without its ``/oj`` or language tail; a CELEX corrigendum suffix
    (``R(02)``) is not the act itself and is dropped from comparison.
    """
    keys: set[tuple[str, str]] = set()
    for name, value in native_ids.items():
        if name not in IDENTITY_KEYS or not value:
            continue
        text = str(value).strip().lower()
        if name == "eli":
            text = re.sub(r"^https?://", "", text)
            text = re.sub(r"/oj(/[a-z]{3})?$", "", text.rstrip("/"))
        elif name == "celex" and re.search(r"r\(\d+\)$", text):
            continue
        elif name == "number":
            text = f"{jurisdiction}:{re.sub(r'[^a-z0-9]', '', transliterate(text))}"
        elif name == "usc":  # "47 U.S.C. § 230" = "47 USC 230": the section, one work
            text = re.sub(r"[^a-z0-9]", "", text)
        keys.add((name, text))
    return keys
