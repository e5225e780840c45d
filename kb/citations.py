"""Citations -> records: "GDPR Art 44", "khoản 3 Điều 26 Luật ANM 2018", "47 U.S.C. 230".

Drafters and negotiators cite law the way it is printed, not by id, and a search engine ranks
"GDPR Art 44" as three weak words. So a citation is parsed first (``parse_cite``, pure) into
the instrument it names and the portion inside it, then resolved against the index
(``CitationResolver``):

- the instrument by an Akoma Ntoso id, a short name or alias (``kb/aliases.yaml``, plus every
  curated title), or a statute number ("24/2018/QH14", "NĐ 13/2023", "2016/679");
- the portion by its eId whatever the prefix (``art_44``, ``dieu_26``, ``sec_26``,
  ``chp_14__art_14.11``) or by its printed number ("Article 44", "Điều 26", "§ 222");
- a clause the index does not hold on its own resolves to the article that contains it; an
  article that is not there answers the instrument, says so, and offers the parts and the
  neighbouring numbers that are there.

``KnowledgeBase.resolve`` answers ``kb show`` and ``GET /v1/resolve``; ``cite_first`` puts the
cited record first in a search for the citation.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from kb.errors import InvalidQuery, RecordNotFound
from kb.ids import InvalidId, WorkId, clean_work_id, kind_of
from kb.load import ENTRIES_DIR, entry_files
from kb.search import SearchQuery, SearchResult, make_hit
from kb.taxonomy import jurisdictions, taxonomy

if TYPE_CHECKING:
    from kb.core import KnowledgeBase
    from kb.documents import IndexDoc

ALIASES_PATH = Path(__file__).parent / "aliases.yaml"
MAX_CITE_LENGTH = 200
MAX_CANDIDATES = 8

Path_ = tuple[str, ...]  # sub-portions below the cited unit: ("1",) for Art. 44(1)


# -- parsing (pure) --------------------------------------------------------------------------

def fold(text: str) -> str:
    """Lower case without diacritics, so "Điều", "Dieu" and "DIEU" read alike."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in text if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).lower()  # Hangul recomposed


_FILLER = re.compile(
    r"\b(?:of|the|in|under|cua|tai|theo|thuoc|so|no|nr)\b|\bnam(?=\s+(?:19|20)\d\d\b)"
)


def name_key(text: str) -> str:
    """The form names are compared in: folded, dots dropped ("U.S.C." = "USC"), linking words
    ("of", "the", "của", "năm" before a year) and other punctuation left out, so "Luật ANM",
    "luat anm" and "Communications Act of 1934" / "communications act 1934" meet."""
    text = fold(text).replace(".", "")
    text = re.sub(r"[^\w/]+", " ", text)
    return " ".join(_FILLER.sub(" ", text).split())


def number_key(text: str) -> str:
    """A statute number as alphanumeric runs joined by "/": "13/2023/NĐ-CP" -> "13/2023/nd/cp",
    "24-2018-qh14" -> "24/2018/qh14", so a number meets the id made from it."""
    return "/".join(re.findall(r"[0-9a-z]+", fold(text)))


@dataclass(frozen=True)
class Portion:
    """The cited unit of an instrument: its class (``art`` for articles, sections, rules and
    Điều alike, ``rec`` for recitals, ``annex``, ``chp``), its number, and clauses below it."""

    unit: str
    number: str
    sub: Path_ = ()

    def label(self) -> str:
        name = {"art": "Article", "rec": "Recital", "annex": "Annex", "chp": "Chapter"}.get(
            self.unit, self.unit)
        return f"{name} {self.number}" + "".join(f"({s})" for s in self.sub)


@dataclass(frozen=True)
class Citation:
    """A parsed citation: the instrument reference as typed (portion words removed, folded),
    the portion, and the hints that tell instruments of one name apart."""

    text: str
    reference: str
    portion: Portion | None = None
    year: str | None = None
    jurisdiction: str | None = None
    code: str | None = None  # "47 usc", "47 cfr": a code title, whose sections span documents
    numbers: tuple[str, ...] = ()  # statute numbers, as number_key
    doc_type: str | None = None  # from "Nghị định", "Decree", "Law" ...
    loose_number: str | None = None  # a bare "44" that may be a portion ("GDPR 44")

    @property
    def names(self) -> list[str]:
        """Name keys to look the instrument up by, most specific first."""
        ref = self.reference
        out = [ref]
        if self.year:
            out.append(" ".join(w for w in ref.split() if w != self.year))
        if self.code:
            out.insert(0, self.code)
        return [n for n in dict.fromkeys(out) if n]


_NUM = r"\d+[a-z]?(?:[.\-]\d+[a-z]?)*"
_SUBS = r"((?:\s*\(\s*[a-z0-9]{1,4}\s*\))*)"
_KANJI = dict(zip("〇一二三四五六七八九", range(10), strict=True))


def _kanji_number(text: str) -> str:
    """第二十八条 -> 28: Japanese and Chinese article numbers in kanji, or digits as they are."""
    if text.isdigit():
        return str(int(text))
    total, digit = 0, 0
    for ch in text:
        if ch in _KANJI:
            digit = _KANJI[ch]
        else:
            unit = {"十": 10, "百": 100, "千": 1000}.get(ch)
            if unit is None:
                return text
            total += (digit or 1) * unit
            digit = 0
    return str(total + digit)


def _subs(text: str | None) -> Path_:
    return tuple(re.findall(r"\(\s*([a-z0-9]+)\s*\)", text or ""))


# (pattern, unit); each match is taken out of the text before the instrument is looked for
_PORTIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b(?:articles?|arts?\b\.?)\s*({_NUM}){_SUBS}"), "art"),
    (re.compile(rf"(?:\bsections?\b|\bsecs?\b\.?|\bss?\b\.?|§§?)\s*({_NUM}){_SUBS}"), "art"),
    (re.compile(rf"\brules?\s+({_NUM}){_SUBS}"), "art"),
    (re.compile(r"\b(?:recitals?|rec\.)\s*(\d+)()"), "rec"),
    (re.compile(r"\b(?:annex|schedule|sch\.)\s*([ivxlc]+|\d+)\b()"), "annex"),
]
_VN_ARTICLE = re.compile(rf"\bdieu\s+({_NUM})")
_VN_CLAUSE = re.compile(r"\bkhoan\s+(\d+)")
_VN_POINT = re.compile(r"\bdiem\s+([a-z])\b")
_PARAGRAPH = re.compile(
    r"\b(?:paragraph|para\b\.?|clause|cl\.|subsection|subsec\b\.?)\s*\(?([a-z0-9]{1,4})\)?"
)
_CHAPTER = re.compile(r"\b(?:chapter|chap\b\.?|ch\.|chuong)\s*(\d+|[ivxlc]+)\b")
_CJK_ARTICLE = re.compile(
    r"第\s*([0-9〇一二三四五六七八九十百千]+)\s*条(?:\s*の\s*([0-9〇一二三四五六七八九十百千]+))?"
    r"(?:\s*第\s*([0-9〇一二三四五六七八九十百千]+)\s*項)?"
)
_KO_ARTICLE = re.compile(r"제\s*(\d+)\s*조(?:\s*의\s*(\d+))?(?:\s*제\s*(\d+)\s*항)?")
_USC = re.compile(
    rf"\b(\d+)\s*u\.?\s?s\.?\s?c\.?(?:\s?a\b\.?)?\s*(?:§§?|\bsec(?:tion)?\b\.?)?\s*({_NUM}){_SUBS}"
)
_CFR = re.compile(
    r"\b(\d+)\s*c\.?\s?f\.?\s?r\.?\s*(?:§§?|\bsec(?:tion)?\b\.?|\bpart\b)?\s*(\d+\.\d+[a-z]?)"
)
_CODE_NAME = re.compile(r"^(\d+)\s*(usc|cfr)\b")
_DOTTED = re.compile(r"(?<![\w/.])(\d+(?:\.\d+)+[a-z]?)(?![\w/])")
_LOOSE = re.compile(rf"(?<![\w/.§])(\d{{1,4}}[a-z]?){_SUBS}(?![\w/.])")
_YEAR = re.compile(r"(?<![\w/.\-])((?:19|20)\d\d)(?![\w/\-])")
_STATUTE = re.compile(r"(?<![\w/])(\d+(?:/[0-9a-z\-]+)+)")
_PAREN = re.compile(r"\(([^()]*)\)")
_DOC_TYPES = [
    (re.compile(r"\b(?:nghi dinh|nd|decree|nd cp)\b"), "decree"),
    (re.compile(r"\b(?:thong tu|tt|circular)\b"), "circular"),
    (re.compile(r"\b(?:quyet dinh|qd|decision)\b"), "decision"),
    (re.compile(r"\b(?:directive)\b"), "directive"),
    (re.compile(r"\b(?:luat|law|act)\b"), "act"),
]


def _take(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    """The first match of ``pattern`` and the text without it."""
    match = pattern.search(text)
    if match is None:
        return None, text
    return match, f"{text[:match.start()]} {text[match.end():]}"


@lru_cache(maxsize=1)
def _jurisdiction_names() -> dict[str, str]:
    """Name key -> jurisdiction code: codes, alpha-3 codes, English and Vietnamese names."""
    out = {"vietnam": "vn", "uk": "gb", "usa": "us", "korea": "kr", "south korea": "kr"}
    for code, spec in jurisdictions().entries.items():
        for name in (code, spec.get("alpha3"), spec.get("name"), spec.get("name_vi")):
            if name:
                out.setdefault(name_key(name), code)
    return out


def _jurisdiction_of(name: str) -> str | None:
    """A jurisdiction code from "(Singapore)", "(SG)", "(Việt Nam)"; None if it is none."""
    if not re.search(r"[a-z]{2}", name):
        return None
    return _jurisdiction_names().get(name_key(name))


def parse_cite(text: str) -> Citation | None:
    """Split a citation into instrument reference and portion; None when nothing is left to
    name an instrument by. Pure: no index is read.

    Example: ``parse_cite("Art. 44(1) GDPR")`` -> reference ``gdpr``, portion art 44 (1)
    """
    raw = " ".join(unicodedata.normalize("NFC", text).split())
    rest = fold(raw)
    portion: Portion | None = None
    code: str | None = None
    match, rest = _take(_USC, rest)
    if match:
        code = f"{match[1]} usc"
        portion = Portion("art", match[2], _subs(match[3]))
    else:
        match, rest = _take(_CFR, rest)
        if match:
            code = f"{match[1]} cfr"
            portion = Portion("art", match[2])
    if portion is None:
        portion, rest = _portion_words(rest)
    chapter, rest = _take(_CHAPTER, rest)
    if portion is None and chapter:
        portion = Portion("chp", chapter[1])
    loose = None
    if portion is None:
        match, rest = _take(_DOTTED, rest)
        if match:
            portion = Portion("art", match[1])
    jurisdiction = None
    for inner in _PAREN.findall(rest):
        code_ = _jurisdiction_of(inner)
        if code_:
            jurisdiction = code_
            rest = rest.replace(f"({inner})", " ")
    numbers = tuple(number_key(n) for n in _STATUTE.findall(rest))
    doc_type = next((t for pattern, t in _DOC_TYPES if pattern.search(rest)), None)
    years = _YEAR.findall(rest)
    if portion is None:
        found = [m for m in _LOOSE.finditer(rest) if m[1] not in years]
        if len(found) == 1:
            loose = found[0][1] + found[0][2].replace(" ", "")
    reference = name_key(rest)
    if code and not reference:
        reference = code
    if not reference:
        return None
    if code is None and (named := _CODE_NAME.match(reference)):
        code = f"{named[1]} {named[2]}"
    year = years[0] if years else None
    return Citation(raw, reference, portion, year, jurisdiction, code, numbers, doc_type, loose)


def _portion_words(rest: str) -> tuple[Portion | None, str]:
    """The portion written out in words: Điều/khoản/điểm, Article/Section/§, 第N条, 제N조."""
    article, rest = _take(_VN_ARTICLE, rest)
    if article:
        clause, rest = _take(_VN_CLAUSE, rest)
        point, rest = _take(_VN_POINT, rest)
        sub = tuple(m[1] for m in (clause, point) if m)
        return Portion("art", article[1], sub), rest
    for pattern in (_CJK_ARTICLE, _KO_ARTICLE):
        match, rest = _take(pattern, rest)
        if match:
            number = _kanji_number(match[1])
            if match[2]:
                number += "-" + _kanji_number(match[2])
            sub = (_kanji_number(match[3]),) if match[3] else ()
            return Portion("art", number, sub), rest
    for pattern, unit in _PORTIONS:
        match, rest = _take(pattern, rest)
        if match:
            sub = _subs(match[2])
            para, rest = _take(_PARAGRAPH, rest)
            if para:
                sub = (para[1], *sub) if not sub else (*sub, para[1])
            return Portion(unit, match[1], sub), rest
    return None, rest


# -- portions of stored provisions -------------------------------------------------------------

_CONTAINERS = {"chp", "chapter", "part", "subpart", "mod", "title", "div", "book", "suppl",
               "tit", "sub-chapter", "muc", "chuong"}
_UNITS = {
    "art": "art", "dieu": "art", "sec": "art", "section": "art", "s": "art", "rule": "art",
    "reg": "art", "app": "art", "ipp": "art", "article": "art",
    "rec": "rec", "rct": "rec", "recital": "rec",
    "annex": "annex", "anx": "annex", "sch": "annex", "schedule": "annex", "appendix": "annex",
    "chp": "chp",
}
Key = tuple[str, str, Path_]  # (unit, number, sub-portions)


def eid_key(eid: str) -> Key | None:
    """``chp_14__art_14.11`` -> (art, 14.11, ()); ``art_26__cl_3`` -> (art, 26, (3,));
    ``dieu_26`` -> (art, 26, ()): the portion whatever its prefix and its containers."""
    parts = []
    for segment in eid.lower().split("__"):
        kind, _, value = segment.partition("_")
        parts.append((kind, value))
    while len(parts) > 1 and parts[0][0] in _CONTAINERS:
        parts.pop(0)
    kind, value = parts[0]
    unit = _UNITS.get(kind)
    if unit is None or not value:
        return None
    return unit, value, tuple(v or k for k, v in parts[1:])


def number_key_of(printed: str | None) -> Key | None:
    """The key of a printed number ("Article 44", "Điều 26", "§ 222", "47 U.S.C. 309(j)")."""
    if not printed or not re.search(r"\d", printed):
        return None
    text = fold(printed)
    match = _USC.search(text)
    if match:
        return "art", match[2], _subs(match[3])
    match = _CFR.search(text)
    if match:
        return "art", match[2], ()
    portion, _ = _portion_words(text)
    return (portion.unit, portion.number, portion.sub) if portion else None


def provision_keys(doc: IndexDoc) -> set[Key]:
    eid = doc["id"].partition("/~")[2]
    return {k for k in (eid_key(eid), number_key_of(doc.get("number"))) if k}


def _number_value(number: str) -> tuple[float, ...]:
    """14.11 -> (14, 11): for "neighbouring numbers that exist"."""
    out = []
    for part in re.split(r"[.\-]", number):
        digits = re.match(r"\d+", part)
        out.append(float(digits[0]) if digits else 0.0)
    return tuple(out) or (0.0,)


# -- resolution ------------------------------------------------------------------------------

@dataclass
class Resolution:
    """What a citation names: the instrument, the provision (None when only the instrument
    resolved), how far it matched, a sentence saying so, and other readings or close matches."""

    cite: str
    instrument: IndexDoc
    provision: IndexDoc | None
    matched: str  # "provision" | "instrument"
    message: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)
    ambiguous: bool = False  # several instruments of that name, none preferred by the cite

    @property
    def record(self) -> IndexDoc:
        return self.provision or self.instrument

    def to_dict(self) -> dict[str, Any]:
        return {
            "cite": self.cite,
            "instrument": self.instrument,
            "provision": self.provision,
            "matched": self.matched,
            "message": self.message,
            "candidates": self.candidates,
        }


class CitationNotFound(RecordNotFound):
    """Nothing in the base answers the citation; ``candidates`` are the closest records."""

    def __init__(self, message: str, candidates: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.candidates = candidates or []


def brief(doc: IndexDoc, reason: str = "") -> dict[str, Any]:
    """A candidate as a list shows it: enough to choose and to follow its id."""
    out = {k: doc.get(k) for k in ("id", "kind", "title", "number", "heading", "instrument_id",
                                   "instrument_title", "jurisdiction", "date")}
    if reason:
        out["reason"] = reason
    return out


@lru_cache(maxsize=4)
def load_aliases(path: Path = ALIASES_PATH) -> dict[str, list[str]]:
    """``kb/aliases.yaml``: instrument id -> its short names, in the file's order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {clean_work_id(k): [str(v) for v in values or []] for k, values in data.items()}


_ACRONYM = re.compile(r"\(([A-Z][A-Za-z0-9\- /]{1,30})\)")


@dataclass
class Names:
    """Name key -> instrument ids, and statute number -> ids, from aliases and entries."""

    by_name: dict[str, list[str]] = field(default_factory=dict)
    by_number: dict[str, list[str]] = field(default_factory=dict)

    def add_name(self, name: str, inst_id: str) -> None:
        key = name_key(name)
        if key and inst_id not in self.by_name.setdefault(key, []):
            self.by_name[key].append(inst_id)

    def add_number(self, number: str, inst_id: str) -> None:
        key = number_key(number)
        if key and inst_id not in self.by_number.setdefault(key, []):
            self.by_number[key].append(inst_id)

    @classmethod
    def build(cls, entries: Iterable[dict[str, Any]], aliases: dict[str, list[str]]) -> Names:
        """From the aliases file, then each entry's titles, acronyms and native ids."""
        names = cls()
        for inst_id, values in aliases.items():
            for value in values:
                names.add_name(value, inst_id)
            names._add_id_numbers(inst_id)
        for inst in entries:
            for key in ("title", "title_vi", "title_original"):
                if inst.get(key):
                    names.add_name(str(inst[key]), inst["id"])
            for acronym in _ACRONYM.findall(str(inst.get("title") or "")):
                for part in acronym.split("/"):
                    if part.strip().isupper():
                        names.add_name(part, inst["id"])
            for value in (inst.get("native_ids") or {}).values():
                names.add_number(str(value), inst["id"])
            names._add_id_numbers(inst["id"])
        return names

    def _add_id_numbers(self, inst_id: str) -> None:
        work = WorkId.parse(inst_id)
        if re.match(r"\d", work.number):
            self.add_number(work.number, inst_id)
            if work.date[:4] not in work.number:
                self.add_number(f"{work.date[:4]}/{work.number}", inst_id)

    def number_ids(self, key: str) -> list[str]:
        """Ids whose number is ``key`` or starts with it ("13/2023" -> 13/2023/NĐ-CP)."""
        exact = self.by_number.get(key, [])
        prefix = [i for k, ids in self.by_number.items() if k.startswith(key + "/") for i in ids]
        return list(dict.fromkeys([*exact, *prefix]))


def entry_names(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Id, titles and native ids of the curated instruments, read straight from their YAML.

    The C loader without validation takes milliseconds where the full entry load takes
    seconds, and a ``kb search`` process must not wait for that to read a citation.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = []
    for path in entry_files(list(paths)):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue  # kb check reports it
        if not isinstance(data, dict) or data.get("kind") != "instrument":
            continue
        try:
            data["id"] = clean_work_id(str(data.get("id") or ""))
        except InvalidId:
            continue
        out.append(data)
    return out


def guess_ids(number: str, doc_type: str | None, jurisdiction: str | None) -> list[str]:
    """Ids a statute number would have, for texts imported without a curated entry:
    "67/2006/qh11" -> /akn/vn/act/2006/67-2006-qh11, "2016/679" -> the EU regulation."""
    parts = number.split("/")
    out: list[str] = []
    if len(parts) >= 3 and re.fullmatch(r"(19|20)\d\d", parts[1]):  # Vietnamese numbering
        kind = {"qh": "act", "nd": "decree", "tt": "circular", "qd": "decision"}.get(
            re.sub(r"\d+", "", parts[2]), doc_type or "act")
        out.append(f"/akn/vn/{kind}/{parts[1]}/{'-'.join(parts)}")
    elif len(parts) == 2 and re.fullmatch(r"(19|20)\d\d", parts[1]) and doc_type == "decree":
        out.append(f"/akn/vn/decree/{parts[1]}/{parts[0]}-{parts[1]}-nd-cp")
    elif len(parts) == 2 and re.fullmatch(r"(19|20)\d\d", parts[0]) and jurisdiction in (
        None, "eu"
    ):
        year, num = parts
        for kind in ("regulation", "directive", "decision"):
            out += [f"/akn/eu/act/{kind}/{year}/{num}", f"/akn/eu/{kind}/{year}/{year}-{num}"]
    return out


class CitationResolver:
    """Resolves citations against one knowledge base (its entries, aliases and index)."""

    def __init__(self, kb: KnowledgeBase, aliases: dict[str, list[str]] | None = None):
        self.kb = kb
        self.aliases = aliases if aliases is not None else load_aliases()
        self._names: Names | None = None

    @property
    def names(self) -> Names:
        """The names table, built on first use (a process that never cites never pays)."""
        if self._names is None:
            dirs = [ENTRIES_DIR, *self.kb.settings.entries]
            self._names = Names.build(entry_names(dirs), self.aliases)
        return self._names

    # -- the instrument --------------------------------------------------------------------
    def instrument_ids(self, cite: Citation) -> list[str]:
        """Ids the citation may name by its names and statute numbers, best first."""
        ids: list[str] = []
        names = self.names
        for key in cite.names:
            ids += names.by_name.get(key, [])
        for number in cite.numbers:
            ids += names.number_ids(number)
            ids += guess_ids(number, cite.doc_type, cite.jurisdiction)
        return list(dict.fromkeys(ids))

    def _with_loose_portion(self, cite: Citation) -> Citation | None:
        """"GDPR 44": the bare number is the article when the rest is a name."""
        if not cite.loose_number:
            return None
        number, _, tail = cite.loose_number.partition("(")
        words = [w for w in cite.reference.split() if w != number]
        reference = " ".join(words)
        if not reference or not any(k in self.names.by_name for k in
                                    Citation(cite.text, reference, year=cite.year).names):
            return None
        sub = _subs("(" + tail) if tail else ()
        return Citation(cite.text, reference, Portion("art", number, sub), cite.year,
                        cite.jurisdiction, cite.code, cite.numbers, cite.doc_type)

    def _by_title(self, cite: Citation, limit: int = 5) -> tuple[list[IndexDoc], list[IndexDoc]]:
        """Instruments whose title is the reference (exact, year aside), and close ones."""
        query = SearchQuery(text=cite.reference[:200], kinds=["instrument"], limit=limit,
                            facets=False)
        try:
            hits = self.kb.backend.search(query).hits
        except Exception:  # noqa: BLE001 - a reference the engine refuses is simply no match
            return [], []
        wanted = set(cite.names)
        exact, close = [], []
        for hit in hits:
            titles = {name_key(t) for t in (hit.title, hit.title_vi) if t}
            (exact if titles & wanted else close).append(hit.model_dump())
        return exact, close

    # -- the portion -----------------------------------------------------------------------
    def _provisions(self, inst_id: str) -> list[IndexDoc]:
        return self.kb.backend.provisions_of(inst_id)

    def _code_sections(self, cite: Citation) -> list[IndexDoc]:
        """Sections of a code title imported one per document ("47 U.S.C. § 222, part 139"),
        found by their number under the same title: the section itself, else the one that
        contains the cited subsection, else its subsections, in order."""
        if not (cite.code and cite.portion):
            return []
        query = SearchQuery(text=f'"{cite.portion.number}"', kinds=["provision"],
                            jurisdictions=["us"], limit=100, facets=False)
        try:
            hits = self.kb.backend.search(query).hits
        except Exception:  # noqa: BLE001
            return []
        ids = [h.id for h in hits
               if cite.code in name_key(f"{h.instrument_title or ''} {h.number or ''}")]
        docs = self.kb.get_many(ids) if ids else []
        exact, parent, parts = _match(docs, cite.portion)
        return sorted(exact or parent or parts, key=lambda d: _natural(d["id"]))

    def resolve(self, text: str) -> Resolution:
        """The record a citation names, or ``CitationNotFound`` with the closest ones."""
        text = " ".join((text or "").split())
        if not text:
            raise InvalidQuery("cite is empty: give a citation such as 'GDPR Art 44'")
        if len(text) > MAX_CITE_LENGTH:
            raise InvalidQuery(f"cite too long ({len(text)} characters, at most "
                               f"{MAX_CITE_LENGTH})")
        if text.startswith("/akn/"):
            try:
                kind_of(text)
            except InvalidId as exc:
                raise CitationNotFound(f"{text!r} is not an id: {exc}") from exc
            doc = self.kb.get(text)
            if doc["kind"] == "provision":
                return Resolution(text, self.kb.get(doc["instrument_id"]), doc, "provision")
            return Resolution(text, doc, None, "instrument" if doc["kind"] == "instrument"
                              else doc["kind"])
        cite = parse_cite(text)
        if cite is None:
            raise CitationNotFound(f"{text!r} names no instrument")
        found = self._resolve(cite, by_title=True)
        if isinstance(found, Resolution):
            return found
        raise CitationNotFound(
            f"no instrument in the base answers {text!r}"
            + ("; closest: " + ", ".join(c["title"] for c in found[:3]) if found else ""),
            found,
        )

    def quietly(self, text: str) -> Resolution | None:
        """The resolution of a search query that is a citation, or None: never an error,
        never a guess from titles (a topic query must not turn into a citation)."""
        if not text or len(text) > MAX_CITE_LENGTH:
            return None
        cite = parse_cite(text)
        if cite is None:
            return None
        try:
            found = self._resolve(cite, by_title=False)
        except Exception:  # noqa: BLE001 - a search must not fail for its citation reading
            return None
        return found if isinstance(found, Resolution) else None

    def _resolve(self, cite: Citation, by_title: bool) -> Resolution | list[dict[str, Any]]:
        whole = name_key(cite.text)
        if cite.portion and whole in self.names.by_name:  # "NAFTA 2.0", "eIDAS 2" are names
            cite = Citation(cite.text, whole)
        ids = self.instrument_ids(cite)
        if not ids:
            loose = self._with_loose_portion(cite)
            if loose is not None:
                cite = loose
                ids = self.instrument_ids(cite)
        docs = [d for d in self.kb.get_many(ids) if d.get("kind") == "instrument"] if ids else []
        docs.sort(key=lambda d: ids.index(d["id"]))
        close: list[IndexDoc] = []
        if not docs and by_title:
            docs, close = self._by_title(cite)
        if not docs:
            if cite.code and cite.portion:
                sections = self._code_sections(cite)
                if sections:
                    return self._code_resolution(cite, sections)
            return [brief(d, "an instrument with a similar title") for d in close]
        return self._choose(cite, docs)

    def _choose(self, cite: Citation, docs: list[IndexDoc]) -> Resolution:
        """Pick among the instruments of one name by year, jurisdiction and whether they hold
        the cited portion, then match the portion."""
        portion = cite.portion
        scored = []
        for rank, doc in enumerate(docs):
            provs = self._provisions(doc["id"]) if portion else []
            exact, parent, parts = _match(provs, portion) if portion else ([], [], [])
            if portion and portion.unit == "chp" and not exact:  # a chapter instrument
                titled = f"chapter {portion.number}" in name_key(doc.get("title") or "")
                exact = [doc] if titled else []
            years = {(doc.get("date") or "")[:4], doc["id"].split("/")[-2][:4]}
            score = (
                bool(cite.year) and cite.year in years,
                bool(cite.jurisdiction) and cite.jurisdiction == doc.get("jurisdiction"),
                bool(exact), bool(parent), bool(parts),
            )
            scored.append((score, -rank, doc, provs, exact, parent, parts))
        scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
        best = scored[0]
        score, _, inst, provs, exact, parent, parts = best
        others = scored[1:]
        tied = [s for s in others if s[0] == score]
        ambiguous = bool(tied) and any(
            not (s[2].get("agreement") and s[2].get("agreement") == inst.get("agreement"))
            for s in tied
        )
        candidates = [brief(s[2], "another instrument of that name") for s in others
                      if not (s[2].get("agreement") and s[2].get("agreement") == inst.get(
                          "agreement"))]
        if portion is None:
            return Resolution(cite.text, inst, None, "instrument", "",
                              candidates[:MAX_CANDIDATES], ambiguous)
        if exact and exact[0] is inst:
            return Resolution(cite.text, inst, None, "instrument", "", [], False)
        if exact:
            extra = [brief(p, "same number elsewhere in the instrument") for p in exact[1:]]
            return Resolution(cite.text, inst, exact[0], "provision", "",
                              (extra + candidates)[:MAX_CANDIDATES], ambiguous)
        if cite.code:
            sections = self._code_sections(cite)
            if sections:
                return self._code_resolution(cite, sections, inst)
        if parent:
            chosen = _by_sub_letter(parent, portion.sub)
            return Resolution(
                cite.text, inst, chosen, "provision",
                f"{portion.label()} is not stored on its own; showing "
                f"{chosen.get('number') or chosen['id']}, which contains it",
                [brief(p, "same number") for p in parent if p is not chosen][:MAX_CANDIDATES],
                ambiguous,
            )
        near = [brief(p, f"part of {portion.label()}") for p in parts]
        near += [brief(p, "neighbouring number") for p in _neighbours(provs, portion)
                 if p not in parts]
        shown = ", ".join(p["number"] or p["id"] for p in near[:5])
        return Resolution(
            cite.text, inst, None, "instrument",
            f"{portion.label()} is not in the base" + (f"; close matches: {shown}" if near else ""),
            (near + candidates)[:MAX_CANDIDATES], ambiguous,
        )

    def _code_resolution(self, cite: Citation, sections: list[IndexDoc],
                         inst: IndexDoc | None = None) -> Resolution:
        """A section found under its code title, in whichever document holds it."""
        portion = cite.portion or Portion("art", "")
        chosen = _by_sub_letter(sections, portion.sub)
        instrument = self.kb.get(chosen["instrument_id"])
        notes = []
        want = (portion.unit, portion.number, portion.sub)
        if want not in provision_keys(chosen):
            notes.append(f"{portion.label()} is stored in parts; showing "
                         f"{chosen.get('number') or chosen['id']}")
        if inst is not None and inst["id"] != instrument["id"]:
            notes.append(f"from the text of {instrument['title']}")
        message = "; ".join(notes)
        others = [brief(s, "another part of the same section") for s in sections
                  if s is not chosen]
        return Resolution(cite.text, instrument, chosen, "provision", message,
                          others[:MAX_CANDIDATES])


def _match(provs: list[IndexDoc], portion: Portion) -> tuple[list[IndexDoc], ...]:
    """Provisions that are the portion, that contain it (a clause cited, its article
    stored) and that are parts of it (an article cited, only its clauses stored)."""
    want = (portion.unit, portion.number.lower(), tuple(s.lower() for s in portion.sub))
    exact, parent, parts = [], [], []
    for prov in provs:
        keys = provision_keys(prov)
        if want in keys:
            exact.append(prov)
            continue
        for unit, number, sub in keys:
            if unit != want[0] or number != want[1]:
                continue
            if len(sub) < len(want[2]) and want[2][:len(sub)] == sub:
                parent.append(prov)
                break
            if len(sub) > len(want[2]) and sub[:len(want[2])] == want[2]:
                parts.append(prov)
                break
    parent.sort(key=lambda p: -max(len(k[2]) for k in provision_keys(p)))
    return exact, parent, parts


def _neighbours(provs: list[IndexDoc], portion: Portion, n: int = 4) -> list[IndexDoc]:
    """Provisions of the same kind with the nearest numbers, in document order."""
    target = _number_value(portion.number)
    same = []
    for prov in provs:
        key = eid_key(prov["id"].partition("/~")[2]) or number_key_of(prov.get("number"))
        if key and key[0] == portion.unit and not key[2]:
            value = _number_value(key[1])
            width = max(len(value), len(target))
            pairs = zip(value + (0.0,) * (width - len(value)),
                        target + (0.0,) * (width - len(target)), strict=True)
            distance = sum(abs(a - b) * 1000.0 ** -i for i, (a, b) in enumerate(pairs))
            same.append((distance, prov))
    same.sort(key=lambda s: s[0])
    chosen = [p for _, p in same[:n]]
    order = {p["id"]: i for i, p in enumerate(provs)}
    return sorted(chosen, key=lambda p: order[p["id"]])


def _by_sub_letter(docs: list[IndexDoc], sub: Path_) -> IndexDoc:
    """Of several texts under one number, the one that starts with the cited "(c)"."""
    if sub:
        for doc in docs:
            if (doc.get("text") or "").lstrip().lower().startswith(f"({sub[0].lower()})"):
                return doc
    return docs[0]


def _natural(text: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


# -- the search hook -------------------------------------------------------------------------

def _passes(doc: IndexDoc, query: SearchQuery) -> bool:
    """Whether a record meets the query's filters: a cited record never jumps a filter."""
    for name, wanted in query.filters().items():
        if name == "topics":
            tax = taxonomy()
            wanted = [d for t in wanted for d in tax.descendants(t)] or wanted
        have = doc.get(name)
        values = set(have) if isinstance(have, list) else {have}
        if not values & set(wanted):
            return False
    if query.date_from is None and query.date_to is None:
        return True
    date = doc.get("date")
    if not date:
        return False
    day = dt.date.fromisoformat(date[:10])
    return (query.date_from is None or day >= query.date_from) and (
        query.date_to is None or day <= query.date_to)


def cite_first(resolver: CitationResolver, query: SearchQuery,
               result: SearchResult) -> SearchResult:
    """``result`` with the record the query cites first, when the query is a citation that
    resolves unambiguously and the record meets the filters; otherwise ``result`` itself.

    Only the first page changes: the cited record comes first (moved up if it was there,
    else added and the last hit left off), and the count includes it.
    """
    if not query.text or query.offset or query.search_after is not None:
        return result
    found = resolver.quietly(query.text)
    if found is None or (found.ambiguous and found.provision is None):
        return result
    record = found.record
    if not _passes(record, query):
        return result
    hits = list(result.hits)
    at = next((i for i, h in enumerate(hits) if h.id == record["id"]), None)
    total = result.total
    if at is not None:
        hit = hits.pop(at)
    else:
        score = hits[0].score if hits else 0.0
        hit = make_hit(record, query.parsed(), score)
        if result.total <= len(hits):  # every match is on this page: the cited one is extra
            total += 1
        hits = hits[: query.limit - 1]
    return result.model_copy(update={"hits": [hit, *hits], "total": max(total, 1)})


# -- citing in Vietnamese ----------------------------------------------------------------------
# Records -> citations as a Vietnamese drafter writes them: "Điều 23 Luật Dữ liệu 2024",
# "Khoản 3 Điều 26 Luật An ninh mạng 2018", "Điều 14.11 Hiệp định CPTPP". Every unit a source
# prints (Article, Section, §, Rule, 第N条) is an Điều, as official Vietnamese translations
# render it; the English citation is left as it was.
VI_UNITS = {"art": "Điều", "chp": "Chương", "part": "Phần", "annex": "Phụ lục",
            "rec": "Đoạn mở đầu"}
_VI_SUBS = {"cl": "Khoản", "para": "Khoản", "khoan": "Khoản", "subsec": "Khoản",
            "point": "Điểm", "pt": "Điểm", "diem": "Điểm", "subpara": "Điểm", "let": "Điểm"}
_VI_WORDS = {"preamble": "Lời nói đầu", "long title": "Tên đầy đủ", "recitals": "Đoạn mở đầu"}
_ABBREVIATION = re.compile(r"\(([A-Z][A-Za-z0-9&.\- ]{1,15})\)\s*$")


def portion_vi(number: str | None, eid: str | None = None) -> str:
    """``Section 26`` -> ``Điều 26``; with eId ``art_26__cl_3`` -> ``Khoản 3 Điều 26``.

    The clause and point come from the eId (the printed number names the article); a number
    that names no known unit is kept as printed.
    """
    key = eid_key(eid) if eid else None
    if key is None:
        key = number_key_of(number)
    if key is None:
        printed = (number or "").strip()
        return _VI_WORDS.get(printed.lower(), printed)
    unit, value, _ = key
    head = f"{VI_UNITS.get(unit, 'Điều')} {value}"
    subs: list[str] = []
    if eid:
        for segment in eid.lower().split("__")[1:]:
            kind, _, sub_value = segment.partition("_")
            if kind in _VI_SUBS and sub_value:
                subs.append(f"{_VI_SUBS[kind]} {sub_value}")
    return " ".join([*reversed(subs), head])


def instrument_name_vi(title: str | None, title_vi: str | None,
                       agreement: str | None = None, agreement_title_vi: str | None = None
                       ) -> str:
    """The name a Vietnamese citation gives an instrument.

    A treaty text (any chapter of it) is cited by its agreement, "Hiệp định CPTPP", from the
    abbreviation in the agreement's Vietnamese title, else its code; other instruments by
    their Vietnamese title, else the English one.
    """
    if agreement:
        found = _ABBREVIATION.search(agreement_title_vi or title_vi or "")
        return f"Hiệp định {found[1] if found else agreement.upper()}"
    return (title_vi or title or "").strip()


def cite_vi(doc: dict[str, Any], instrument: dict[str, Any] | None = None,
            agreement_title_vi: str | None = None) -> str:
    """A record's citation in Vietnamese (an index document or a search hit as a dict).

    ``instrument`` is the provision's instrument document (for its Vietnamese title and
    agreement); without it the provision's own fields are used.
    """
    inst = instrument or {}
    if doc.get("kind") != "provision":
        if doc.get("agreement") and doc.get("kind") == "instrument" and not doc.get("title_vi"):
            return instrument_name_vi(doc.get("title"), None, doc["agreement"],
                                      agreement_title_vi)
        return doc.get("title_vi") or doc.get("title") or doc.get("id", "")
    name = instrument_name_vi(inst.get("title") or doc.get("instrument_title"),
                              inst.get("title_vi"), inst.get("agreement") or doc.get("agreement"),
                              agreement_title_vi)
    eid = (doc.get("id") or "").partition("/~")[2] or None
    portion = portion_vi(doc.get("number"), eid)
    return f"{portion} {name}".strip() if portion else name
