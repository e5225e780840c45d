"""Parsed documents -> complete Instruments -> the record store, adding knowledge and never
destroying it.

Parsers (``kb.importers``) only say what a file states. This module is the one place that
stores and merges: it completes the metadata (from ``--meta`` or inferred), finds which work a
document is (its own identifiers first: CELEX, ELI, e-Gov law id, law number; then the curated
entries and the stored texts), refuses a document that is not the one expected or that would
become a "version" of a different document, keeps a local path out of the official source,
auto-tags topics through the taxonomy, and files each text as a new work, a new version, a
corrigendum or another-language expression.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from kb import importers
from kb.errors import ImportFailed
from kb.ids import (
    InvalidId,
    clean_work_id,
    eu_celex,
    expression_id,
    identity_keys,
    normalise_eid,
    slugify,
)
from kb.importers import jsonl
from kb.importers.base import ParsedDocument
from kb.load import invalid_fields
from kb.models import Dates, Instrument, Provenance, Provision, Record
from kb.store import RecordStore
from kb.tagging import tag_provision
from kb.taxonomy import jurisdictions, taxonomy
from kb.text import analyze, detect_language, fold

AGENT_VERSION = "1"

# what an import did with one document (the report counts each separately)
NEW, NEW_VERSION, UNCHANGED, REFUSED, SKIPPED = (
    "new", "new-version", "unchanged", "refused", "skipped")
CORRIGENDUM, EXPRESSION = "corrigendum", "expression"


class ImportMeta(BaseModel):
    """What a person knows about a document that the file itself may not say."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    title: str | None = None
    title_vi: str | None = None
    jurisdiction: str | None = None
    doc_type: str | None = None
    status: str | None = None
    dates: Dates | None = None
    sectors: list[str] = []
    topics: list[str] = []
    language: str | None = None
    summary: str | None = None
    summary_vi: str | None = None
    source_url: str | None = None
    agreement: str | None = None
    parties: list[str] = []
    native_ids: dict[str, str] = {}
    expected_number: str | None = None
    expected_title: str | None = None

    @classmethod
    def from_file(cls, path: Path) -> ImportMeta:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            return cls.model_validate(data)
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise ImportFailed(f"{path}: cannot read the metadata file: {exc}") from exc


class Refused(ImportFailed):
    """A document that must not enter the store as it is, with the reason a person can act on."""


class OutOfScope(Refused):
    """A document on none of the knowledge base's subjects (``--force`` imports it)."""


def _norm_number(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(value))


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold(text)))


def check_expected(doc: ParsedDocument, meta: ImportMeta, name: str) -> None:
    """Refuse a document whose official number or title is not the one asked for."""
    if meta.expected_number:
        got = doc.number or ""
        if _norm_number(meta.expected_number) not in _norm_number(got + " " + doc.title):
            raise Refused(
                f"{name}: expected document number {meta.expected_number!r} but the document "
                f"is {got or 'unnumbered'!r} ({doc.title!r}); the source may have served the "
                "wrong page"
            )
    if meta.expected_title:
        want = _words(meta.expected_title)
        if want and len(want & _words(doc.title)) / len(want) < 0.6:
            raise Refused(
                f"{name}: expected a document titled {meta.expected_title!r} but got "
                f"{doc.title!r}; the source may have served the wrong page"
            )


def _year(doc: ParsedDocument, meta: ImportMeta) -> str | None:
    dates = meta.dates or Dates()
    for value in (dates.adopted, dates.signed, doc.date, dates.in_force, doc.in_force,
                  doc.version_date):
        if value:
            return f"{value.year:04d}"
    for text in (doc.number or "", doc.title):
        match = re.search(r"\b(1[89]\d\d|20\d\d)\b", text)
        if match:
            return match.group(1)
    return None


def mint_id(doc: ParsedDocument, meta: ImportMeta, jurisdiction: str, doc_type: str) -> str:
    """A stable work id: the file's own FRBR URI, else jurisdiction/type/year/number.

    The number is the document's own (law number, e-Gov id) before any title, and a title in
    another script is transliterated, never reduced to a placeholder.
    """
    for candidate in (meta.id, doc.work_id):
        if candidate:
            try:
                return clean_work_id(candidate)
            except InvalidId as exc:
                raise ImportFailed(str(exc)) from exc
    year = _year(doc, meta)
    if not year:
        raise ImportFailed(
            f"cannot mint an id for {doc.title!r}: no date or year in the document; "
            "give one with --meta (id: or dates:)"
        )
    native = doc.number or doc.native_ids.get("egov") or doc.native_ids.get("phapdien")
    try:
        number = slugify(native or doc.title, max_len=50)
    except InvalidId as exc:
        raise ImportFailed(f"cannot mint an id for {doc.title!r}: {exc}; give id: with --meta"
                           ) from exc
    return clean_work_id(f"/akn/{jurisdiction}/{doc_type}/{year}/{number}")


def tag_provisions(provisions: list[Provision]) -> list[Provision]:
    out = []
    for prov in provisions:
        if prov.topics:
            out.append(prov)
            continue
        found = tag_provision(prov)
        out.append(prov.model_copy(update={"topics": found}) if found else prov)
    return out


def instrument_topics(title: str, provisions: list[Provision]) -> list[str]:
    """Topics named in the title, or carried by at least two provisions."""
    tax = taxonomy()
    counts: dict[str, int] = {}
    for prov in provisions:
        for topic in prov.topics:
            counts[topic] = counts.get(topic, 0) + 1
    topics = tax.find_topics(title)
    topics += [t for t, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n >= 2
               and t not in topics]
    return topics[:12]


def normalise_provisions(provisions: list[Provision]) -> list[Provision]:
    """Provisions under the one eId scheme the curated entries use (``dieu_5`` -> ``art_5``)."""
    out, seen = [], set()
    for prov in provisions:
        eid = normalise_eid(prov.eid)
        if eid in seen:  # two names that collide once normalised: keep the file's own
            eid = prov.eid
        seen.add(eid)
        out.append(prov if eid == prov.eid else prov.model_copy(update={"eid": eid}))
    return out


# -- official sources ------------------------------------------------------------------------

def _is_web(url: str | None) -> bool:
    return bool(url) and url.startswith(("http://", "https://"))


_USC_CITE = re.compile(r"\b(?P<title>\d+)\s*U\.?\s*S\.?\s*C\.?\s*§*\s*(?P<section>\d+[a-z]?)",
                       re.IGNORECASE)


def official_url(native_ids: dict[str, str], work_id: str = "", title: str = "",
                 language: str = "en") -> str | None:
    """An official URL for a work from its own identifiers (the publisher's address for it,
    in the text's language where the publisher has one per language)."""
    ids = {k: str(v) for k, v in native_ids.items() if v}
    if _is_web(ids.get("official_url")):
        return ids["official_url"]
    if "celex" in ids:
        lang = language.upper() if re.fullmatch(r"[a-z]{2}", language) else "EN"
        return f"https://eur-lex.europa.eu/legal-content/{lang}/TXT/?uri=CELEX:{ids['celex']}"
    if _is_web(ids.get("eli")):
        return ids["eli"]
    if "egov" in ids:
        return f"https://laws.e-gov.go.jp/law/{ids['egov']}"
    if "legislation_gov_uk" in ids:
        return f"https://www.legislation.gov.uk/{ids['legislation_gov_uk'].strip('/')}"
    if "wto_rta" in ids:
        return f"https://rtais.wto.org/UI/PublicShowMemberRTAIDCard.aspx?rtaid={ids['wto_rta']}"
    if "wto_symbol" in ids:
        return ("https://docs.wto.org/dol2fe/Pages/FE_Search/FE_S_S006.aspx?"
                f"Query=(@Symbol={quote(ids['wto_symbol'])})&Language=ENGLISH")
    if "fr_doc" in ids:
        return f"https://www.federalregister.gov/d/{ids['fr_doc']}"
    if "phapdien" in ids:
        return "https://phapdien.moj.gov.vn/"
    if "bwb" in ids:
        return f"https://wetten.overheid.nl/{ids['bwb']}"
    for incorporation in incorporations().values():
        wanted = incorporation.get("incorporates", {})
        if wanted and all(ids.get(k) == v for k, v in wanted.items()):
            return incorporation["source_url"]
    if ids.get("number") and work_id.startswith("/akn/vn/"):  # the national legal database
        return f"https://vbpl.vn/TW/Pages/vbpq-timkiem.aspx?Keyword={quote(ids['number'])}"
    match = re.fullmatch(r"/akn/us/act/[\d-]+/(?P<congress>\d+)-(?P<law>\d+)", work_id)
    if match:
        return f"https://www.govinfo.gov/app/details/PLAW-{match['congress']}publ{match['law']}"
    match = _USC_CITE.search(title)
    if match:
        return ("https://uscode.house.gov/view.xhtml?req=granuleid:USC-prelim-title"
                f"{match['title']}-section{match['section']}")
    return None


@lru_cache(maxsize=1)
def incorporations() -> dict[str, dict[str, Any]]:
    """Agreements incorporating another's text by reference (``kb/incorporations.yaml``)."""
    path = Path(__file__).parent / "incorporations.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


# -- building a record -----------------------------------------------------------------------

def build_instrument(
    doc: ParsedDocument, meta: ImportMeta, provenance: Provenance, fmt: str, name: str,
    origin: str = "imported",
) -> Instrument:
    """A complete record from a parsed document (ids minted, topics tagged, source official).

    A document with no official URL of its own (only a local file) gets one from its
    identifiers; failing that the record keeps the file in provenance and ``ingest`` refuses
    it unless a curated entry of the same work supplies the official source.
    """
    check_expected(doc, meta, name)
    jurisdiction = (meta.jurisdiction or doc.jurisdiction or "").lower()
    if not jurisdiction:
        raise ImportFailed(f"{name}: cannot tell the jurisdiction; give it with --meta")
    if jurisdiction not in jurisdictions():
        raise ImportFailed(f"{name}: unknown jurisdiction {jurisdiction!r}")
    doc_type = meta.doc_type or doc.doc_type or "doc"
    sample = " ".join(p.text or "" for p in doc.provisions[:20])[:5000] or doc.title
    language = meta.language or doc.language or detect_language(sample, default="en")
    provisions = tag_provisions(normalise_provisions([
        p if p.language else p.model_copy(update={"language": language})
        for p in doc.provisions
    ]))
    title = meta.title or doc.title
    topics = meta.topics or instrument_topics(title, provisions)
    sectors = meta.sectors or sorted({t.split("/", 1)[0] for t in topics})
    dates = meta.dates or Dates(adopted=doc.date, in_force=doc.in_force)
    status = meta.status or doc.status or "unknown"
    if status == "amended":  # retired value: in force, and the amendment date says the rest
        status = "in-force"
    native_ids = {**doc.native_ids,
                  **({"official_url": doc.source_url} if _is_web(doc.source_url) else {}),
                  **({"number": doc.number} if doc.number else {}),
                  **meta.native_ids}
    if jurisdiction == "eu" and "celex" not in native_ids:
        celex = eu_celex(f"{doc.number or ''} {title}") if not _is_corrigendum(title) else None
        if celex and doc_type in ("regulation", "directive", "decision"):
            native_ids["celex"] = celex
    work_id = mint_id(doc, meta, jurisdiction, doc_type)
    source = next((u for u in (meta.source_url, doc.source_url, provenance.url) if _is_web(u)),
                  None) or official_url(native_ids, work_id, f"{title} {doc.number or ''}",
                                        language)
    try:
        return Instrument(
            id=work_id,
            native_ids=native_ids,
            title=title,
            title_vi=meta.title_vi,
            jurisdiction=jurisdiction,
            parties=meta.parties or doc.parties,
            agreement=meta.agreement,
            doc_type=doc_type,
            issuing_body=doc.issuing_body,
            status=status,
            dates=dates,
            sectors=sectors,
            topics=topics,
            language=language,
            summary=meta.summary or doc.summary,
            summary_vi=meta.summary_vi,
            source_url=source or provenance.url,
            provisions=provisions,
            origin=origin,
            provenance=provenance,
            version=(doc.version_date or doc.in_force or doc.date).isoformat()
            if (doc.version_date or doc.in_force or doc.date) else None,
        )
    except ValidationError as exc:
        raise ImportFailed(f"{name}: the parsed document is not a valid record: "
                           f"{invalid_fields(exc)}") from exc


def parse_document(module: Any, data: bytes, name: str) -> list[ParsedDocument]:
    """The importer's reading of a file; a part it cannot make a valid record of (a label of
    a page's length, a control character) is an ``ImportFailed`` naming the field."""
    try:
        return module.parse(data, name)
    except ValidationError as exc:
        raise ImportFailed(f"{name}: the document does not make a valid record: "
                           f"{invalid_fields(exc)}") from exc


def parse_bytes(
    data: bytes, name: str, source_url: str, fmt: str | None = None,
    meta: ImportMeta | None = None, agent: str | None = None, origin: str = "imported",
    http: dict[str, Any] | None = None,
) -> list[Instrument]:
    """Parse bytes of any known format into complete instruments (pure but for the clock)."""
    module = importers.get(fmt) if fmt else importers.detect(data, name)
    parsed = parse_document(module, data, name)
    provenance = Provenance(
        url=source_url,
        fetched_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        sha256=hashlib.sha256(data).hexdigest(),
        agent=agent or f"import/{module.FORMAT} {AGENT_VERSION}",
        **(http or {}),
    )
    return [
        build_instrument(doc, meta or ImportMeta(), provenance, module.FORMAT, name, origin)
        for doc in parsed
    ]


# -- which work a document is ----------------------------------------------------------------

@lru_cache(maxsize=1)
def _bundled_curated() -> tuple[Instrument, ...]:
    from kb.load import load_entries

    return tuple(load_entries().instruments)


@dataclass
class Known:
    """The works a document may be: curated entries by id and by their identifiers."""

    curated: dict[str, Instrument]
    by_identity: dict[tuple[str, str], set[str]]

    @classmethod
    def of(cls, curated: Iterable[Instrument]) -> Known:
        works = {c.id: c for c in curated}
        by_identity: dict[tuple[str, str], set[str]] = {}
        for inst in works.values():
            for key in record_identity(inst):
                by_identity.setdefault(key, set()).add(inst.id)
        return cls(works, by_identity)

    def names_a_curated_work(self, title: str) -> bool:
        """Whether a title cites a curated act by its full title (``47 U.S.C. § 151
        (Communications Act of 1934)``): a part of a work the knowledge base is about."""
        folded = " " + " ".join(re.findall(r"\w+", fold(title))) + " "
        return any(len(words) >= 3 and f" {' '.join(words)} " in folded
                   for words in self._curated_titles)

    @property
    def _curated_titles(self) -> list[list[str]]:
        return [re.findall(r"\w+", fold(re.sub(r"\s*\(.*?\)", "", c.title)))
                for c in self.curated.values()]


def record_identity(inst: Instrument) -> set[tuple[str, str]]:
    """Identity keys of a record: its native ids, and for an EU act the CELEX its title names."""
    native = dict(inst.native_ids)
    if inst.jurisdiction == "eu" and "celex" not in native and not _is_corrigendum(inst.title):
        celex = eu_celex(inst.title)
        if celex:
            native["celex"] = celex
    return identity_keys(native, inst.jurisdiction)


def _is_corrigendum(title: str) -> bool:
    return bool(re.match(r"\s*(corrigendum|rectificatif|berichtigung)\b", title, re.IGNORECASE))


def resolve_work(record: Instrument, store: RecordStore, known: Known,
                 explicit: bool) -> Instrument:
    """The record under the id of the work it is: curated or stored work with the same
    identifiers, else its own minted id. An id given with ``--meta`` is taken as said."""
    if explicit:
        return record
    keys = record_identity(record)
    matches: set[str] = set()
    for key in keys:
        matches |= known.by_identity.get(key, set())
    if not matches:
        matches = {m for m in store.find_identity(keys) if "@" not in m and "#" not in m}
    if not matches or record.id in matches:
        return record
    curated = sorted(m for m in matches if m in known.curated)
    target = (curated or sorted(matches))[0]
    if len(set(curated or matches)) > 1:
        raise Refused(f"{record.title!r}: its identifiers match several works "
                      f"({', '.join(sorted(matches))}); give the id with --meta")
    return record.model_copy(update={"id": target})


def _numbered(inst: Instrument) -> dict[str, str]:
    """Numbered portions (articles, sections) -> their headings, to compare two texts."""
    return {re.sub(r"^[a-z]+_", "", p.eid.split("__")[-1]): fold(p.heading or "")
            for p in inst.provisions if p.kind in ("article", "section")}


def check_same_work(new: Instrument, old: Instrument, compare_text: bool = True) -> None:
    """Refuse a document that would become a version of a different document.

    The document's own identifiers must not contradict the stored work's, and unless they
    positively agree the text must be plausibly the same: most article numbers and headings
    shared, or the same title. A curated entry is only checked for contradicting identifiers
    (``compare_text=False``): its headings and title are editorial, often in another language.
    """
    new_keys, old_keys = record_identity(new), record_identity(old)
    old_by_name = {name: value for name, value in old_keys}
    for name, value in sorted(new_keys):
        if name in old_by_name and old_by_name[name] != value and (name, value) not in old_keys:
            raise Refused(
                f"{new.title!r} is not a version of {old.id} ({old.title!r}): its {name} is "
                f"{value!r}, the stored work's is {old_by_name[name]!r}")
    if new_keys & old_keys or not compare_text:
        return
    same_title = _words(new.title) == _words(old.title) or fold(new.title) == fold(old.title)
    left, right = _numbered(new), _numbered(old)
    if len(left) >= 3 and len(right) >= 3:
        shared = left.keys() & right.keys()
        headed = [k for k in shared if left[k] and right[k]]
        alike = sum(1 for k in headed if _words(left[k]) & _words(right[k]))
        plausible = (len(shared) / min(len(left), len(right)) >= 0.5
                     and (not headed or alike / len(headed) >= 0.5))
        if plausible and (same_title or headed):
            return
        if not plausible:
            raise Refused(
                f"{new.title!r} is not a version of {old.id} ({old.title!r}): only "
                f"{len(shared)} of {min(len(left), len(right))} numbered provisions (and "
                f"{alike} of {len(headed)} headings) are shared, and no identifier matches; "
                "give a distinct id with --meta")
    if not same_title:
        raise Refused(
            f"{new.title!r} is not a version of {old.id} ({old.title!r}): different titles "
            "and no identifier in common; give a distinct id with --meta")


def corrigendum_target(record: Instrument, store: RecordStore, known: Known) -> str | None:
    """The work a corrigendum corrects, from the act it names (``Corrigendum to Regulation
    (EU) 2016/679``); None when the document is not a corrigendum."""
    if not _is_corrigendum(record.title):
        return None
    celex = eu_celex(record.title)
    if not celex:
        return None
    keys = identity_keys({"celex": celex})
    matches = set().union(*(known.by_identity.get(k, set()) for k in keys)) or \
        store.find_identity(keys)
    return sorted(matches)[0] if matches else None


def _names_a_sector(text: str) -> bool:
    """Whether a text names a sector of the taxonomy (``telecommunications``, ``viễn thông``)."""
    tax = taxonomy()
    joined = " " + " ".join(analyze(text)) + " "
    return any(f" {' '.join(phrase)} " in joined
               for sector in tax.topics if "/" not in sector
               for phrase in tax.expansion_phrases(sector))


def in_scope(record: Instrument, known: Known) -> str | None:
    """Why a document is out of the knowledge base's scope, or None when it is in scope.

    In scope: the work of a curated entry or a part of one (its title, or the Act a US Code
    section codifies, names the curated act),
    a text that some topic of the taxonomy tags, or one whose title names a sector. A sector
    word in the body is not enough: a land-use plan mentions telecom land.
    """
    if record.id in known.curated or record.topics or any(p.topics for p in record.provisions):
        return None
    cited = " ".join(filter(None, [record.title, record.native_ids.get("act")]))
    if _names_a_sector(record.title) or known.names_a_curated_work(cited):
        return None
    return (f"{record.title!r} matches no topic of the taxonomy (telecom, spectrum, digital "
            "economy), so it is not imported; pass --force to import it anyway")


# -- storing ---------------------------------------------------------------------------------

@dataclass
class Placed:
    """Where a record goes: the store key, and what kind of addition it is."""

    record: Instrument
    key: str
    kind: str = "work"  # work | expression | corrigendum | incorporated
    refile: bool = False  # the stored text of the work is another language: move it first
    amend: bool = False  # more parts of the current text (a chunk), not a new version of it


def main_language(record: Instrument, curated: Instrument | None,
                  current: Instrument | None) -> str:
    """The language of a work's main text, whatever the import order: its curated entry's,
    else English when a text in English is stored or arriving, else the first imported."""
    if curated is not None:
        return curated.language
    if record.language == "en" or (current is not None and current.language == "en"):
        return "en"
    return current.language if current is not None else record.language


def place(store: RecordStore, record: Instrument, known: Known | None = None,
          explicit_id: bool = False, force: bool = False, partial: bool = False) -> Placed:
    """Decide which work a parsed record is and where it goes, or refuse it (``Refused``).

    A corrigendum is filed beside the act it corrects; a document in another language than
    the work's main text (``main_language``) is an expression with an id of its own
    (``{id}/fra@``, ``kb.ids.expression_id``); a main text that was filed first in another
    language moves to its expression id; a metadata-only document adds its identifiers to the
    stored text instead of emptying it; a ``partial`` document (one chunk of a US Code
    section) adds its provisions to the stored work; anything else is the work itself, after
    checking it is not a different document under the same id.
    """
    known = known or Known.of(_bundled_curated())
    target = corrigendum_target(record, store, known)
    if target:
        date = record.version or (record.provenance.sha256[:12] if record.provenance else "x")
        return Placed(record.model_copy(update={"id": target}),
                      f"{target}#corrigendum-{date}", CORRIGENDUM)
    record = resolve_work(record, store, known, explicit_id)
    curated = known.curated.get(record.id)
    if not _is_web(record.source_url):
        fallback = curated.source_url if curated else None
        if not _is_web(fallback):
            raise Refused(
                f"{record.title!r}: no official source URL in the document or its identifiers "
                "(a local file is kept in provenance, never shown as the official source); "
                "give source_url: with --meta")
        record = record.model_copy(update={"source_url": fallback})
    if not force:
        reason = in_scope(record, known)
        if reason:
            raise OutOfScope(reason)
    if curated is not None:
        check_same_work(record, curated, compare_text=False)  # curated texts are editorial
    stored = store.get(record.id)
    current = stored if isinstance(stored, Instrument) else None
    main = main_language(record, curated, current)
    if record.language != main:
        try:
            key = expression_id(record.id, record.language)
        except InvalidId as exc:
            raise Refused(f"{record.title!r}: {exc}") from exc
        known_status = (curated or current).status if (curated or current) else None
        status = record.status if record.status != "unknown" else known_status or "unknown"
        return Placed(record.model_copy(update={"id": key, "status": status}), key, EXPRESSION)
    if current is None:
        return Placed(record, record.id)
    if current.language != main:
        return Placed(record, record.id, refile=True)
    check_same_work(record, current)
    if partial:
        stored_eids = {p.eid: p for p in current.provisions}
        changed = any(p.eid in stored_eids and p != stored_eids[p.eid]
                      for p in record.provisions)
        # new parts join the current text; a changed part is a new text (a new version)
        return Placed(add_part(current, record), record.id, amend=not changed)
    if not record.provisions and current.provisions:
        merged = current.model_copy(update={
            "native_ids": {**current.native_ids, **record.native_ids}})
        return Placed(merged, record.id)
    return Placed(record, record.id)


def _natural(eid: str) -> list[tuple[int, int | str]]:
    """Sort key of an eId in document order: ``sec_230__subsec_b`` before ``..._subsec_aa``."""
    return [(0, int(part)) if part.isdigit() else (1, part)
            for part in re.findall(r"\d+|[a-z]+", eid)]


def add_part(current: Instrument, part: Instrument) -> Instrument:
    """The stored work with one more chunk of it: the chunk's provisions replace those of the
    same eId and join the others in document order, so a chunk imported again changes
    nothing. The work's metadata stays, with the chunk's identifiers added."""
    provisions = {p.eid: p for p in current.provisions}
    provisions.update((p.eid, p) for p in part.provisions)
    ordered = sorted(provisions.values(), key=lambda p: (p.kind != "section" or "__" in p.eid,
                                                         _natural(p.eid)))
    ordered = [p.model_copy(update={"order": i}) for i, p in enumerate(ordered, start=1)]
    return current.model_copy(update={
        "provisions": ordered,
        "native_ids": {**current.native_ids, **part.native_ids},
        "topics": list(dict.fromkeys([*current.topics, *part.topics])),
        "sectors": list(dict.fromkeys([*current.sectors, *part.sectors])),
        "provenance": part.provenance,
    })


def refile_main_text(store: RecordStore, work_id: str, dry_run: bool = False) -> str | None:
    """Move a work's stored text to its expression id when it is not in the main language
    (it was imported before the main text arrived); returns the new key."""
    current = store.get(work_id)
    if not isinstance(current, Instrument):
        return None
    key = expression_id(work_id, current.language)
    if not dry_run:
        store.move(work_id, key, new_id=key)
    return key


# -- incorporation by reference ---------------------------------------------------------------

def _article_number(prov: Provision) -> str | None:
    """``chp_14__art_14.13`` -> ``14.13``."""
    match = re.search(r"(?:^|__)art_([0-9][0-9a-z.]*)$", prov.eid)
    return match.group(1) if match else None


def _chapter_works(code: str, known: Known) -> dict[str, Instrument]:
    """Chapter number -> the curated chapter entry of an agreement (``cptpp-ch14``)."""
    out: dict[str, Instrument] = {}
    for inst in known.curated.values():
        match = re.fullmatch(rf"/akn/[a-z]+/agreement-chapter/\d{{4}}/{re.escape(code)}-ch(\d+)",
                             inst.id)
        if match and inst.agreement == code:
            out[str(int(match.group(1)))] = inst
    return out


def incorporated(record: Instrument, known: Known) -> list[Placed]:
    """The texts of agreements that incorporate this document by reference
    (``kb/incorporations.yaml``: CPTPP Article 1 incorporates the TPP).

    Each incorporated article is filed under the incorporating agreement, in the curated
    chapter entry of its chapter (``cptpp-ch14``) or else in the agreement itself, under the
    same eId, so it merges with the curated summary of the same article. It says where its
    text comes from (``incorporated_from``, ``incorporated_by``); articles the incorporation
    excepts are left out, and the items the agreement suspends are marked ``suspended`` (the
    whole article) or ``partly-suspended`` (``status_note`` names the part).
    """
    out: list[Placed] = []
    for code, spec in incorporations().items():
        wanted = spec.get("incorporates", {})
        if not wanted or not all(record.native_ids.get(k) == v for k, v in wanted.items()):
            continue
        if record.origin == "curated" or "@" in record.id:
            continue
        excepted = {str(a) for a in spec.get("except") or []}
        suspended = {str(item["article"]): item for item in spec.get("suspended") or []}
        by = spec.get("incorporated_by", code.upper())
        chapters = _chapter_works(code, known)
        groups: dict[str, list[Provision]] = {}
        for prov in record.provisions:
            number = _article_number(prov)
            if prov.kind in ("preamble", "other") or number is None or number in excepted:
                continue
            update: dict[str, Any] = {"incorporated_from": f"{record.id}/~{prov.eid}",
                                      "incorporated_by": by}
            item = suspended.get(number)
            if item:
                whole = item.get("part") is None
                update["status"] = "suspended" if whole else "partly-suspended"
                by_annex = spec.get("suspended_by", code.upper())
                update["status_note"] = (
                    f"Suspended by {by_annex}: {item['reference']}" if whole else
                    f"Partly suspended by {by_annex}: {item['part']} of {item['reference']}")
            chapter = number.split(".", 1)[0] if "." in number else ""
            target = chapters[chapter].id if chapter in chapters else spec["work"]
            groups.setdefault(target, []).append(prov.model_copy(update=update))
        curated_own = known.curated.get(spec["work"])
        for target, provisions in groups.items():
            base = known.curated.get(target)
            if base is None:
                continue  # nothing to attach to: the agreement has no curated entry here
            if target == spec["work"] and curated_own is not None:
                # the agreement's own articles first, as in its text; merging keeps their
                # curated wording
                provisions = [*curated_own.provisions, *provisions]
            out.append(Placed(base.model_copy(update={
                "provisions": [p.model_copy(update={"order": i})
                               for i, p in enumerate(provisions, start=1)],
                "origin": "imported",
                "provenance": record.provenance,
                "version": record.version,
            }), target, "incorporated"))
    return out


UNCONSOLIDATED_KINDS = ("preamble", "recital")


def current_text(store: RecordStore, record: Instrument) -> Instrument:
    """The current text of a work with the portions a consolidation leaves out.

    A consolidated version (the GDPR of 2018) carries no preamble or recitals, yet they remain
    part of the act: they are taken from the latest other text of the work that has them, so
    making a consolidation current never loses them.
    """
    missing = [k for k in UNCONSOLIDATED_KINDS if all(p.kind != k for p in record.provisions)]
    if not missing or not record.provisions:
        return record
    versions = store.versions(record.id)
    for info in sorted(versions, key=lambda v: -v.version):
        if info.current:
            continue
        older = store.get(record.id, version=info.version)
        if not isinstance(older, Instrument):
            continue
        have = {p.eid for p in record.provisions}
        carried = [p for p in older.provisions if p.kind in missing and p.eid not in have]
        if carried:
            return record.model_copy(update={"provisions": carried + record.provisions})
    return record


@dataclass
class ImportReport:
    """What an import did, document by document, and the counts a person reads first."""

    imported: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)  # refused documents and files
    skipped: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what a person should know (a text moved)
    dry_run: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counts = {NEW: 0, NEW_VERSION: 0, UNCHANGED: 0, REFUSED: len(self.failed),
                  SKIPPED: len(self.skipped)}
        for item in self.imported:
            counts[item["status"]] = counts.get(item["status"], 0) + 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        out = {"counts": self.counts, "dry_run": self.dry_run, "imported": self.imported,
               "failed": self.failed, "skipped": self.skipped}
        if self.notes:
            out["notes"] = self.notes
        return out


def import_paths(
    paths: Iterable[Path], store: RecordStore, fmt: str | None = None,
    meta: ImportMeta | None = None, progress: Callable[[Path], None] | None = None,
    dry_run: bool = False, force: bool = False, curated: Iterable[Instrument] | None = None,
) -> ImportReport:
    """Import local files into the store; one bad file never affects the others.

    ``dry_run`` reports what would change and writes nothing; ``force`` imports documents
    that match no topic of the taxonomy.
    """
    report = ImportReport(dry_run=dry_run)
    known = Known.of(_bundled_curated() if curated is None else curated)
    for path in paths:
        if progress:
            progress(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.failed.append({"path": str(path), "error": f"cannot read: {exc}"})
            continue
        try:
            module = importers.get(fmt) if fmt else importers.detect(data, path.name)
            if module is jsonl:
                if meta is not None:
                    raise ImportFailed(f"{path.name}: --meta does not apply to a JSON Lines file "
                                       "(each line is a complete record)")
                import_records(path, data, store, report, dry_run)
                continue
            parsed = parse_document(module, data, path.name)
        except ImportFailed as exc:
            report.failed.append({"path": str(path), "error": str(exc)})
            continue
        provenance = Provenance(
            url=path.resolve().as_uri(),
            fetched_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            sha256=hashlib.sha256(data).hexdigest(),
            agent=f"import/{module.FORMAT} {AGENT_VERSION}",
        )
        for doc in parsed:
            skip = getattr(doc, "skip_reason", None)
            if skip:
                report.skipped.append({"path": str(path), "title": doc.title, "reason": skip})
                continue
            try:
                record = build_instrument(doc, meta or ImportMeta(), provenance, module.FORMAT,
                                          path.name)
                placed = place(store, record, known, explicit_id=bool(meta and meta.id),
                               force=force, partial=doc.partial)
            except OutOfScope as exc:
                if len(parsed) > 1:  # a bundle (a search page) holds unrelated documents
                    report.skipped.append({"path": str(path), "title": doc.title,
                                           "reason": str(exc)})
                else:
                    report.failed.append({"path": str(path), "error": f"{path.name}: {exc}"})
                continue
            except ImportFailed as exc:
                message = str(exc)
                if not message.startswith(path.name):
                    message = f"{path.name}: {message}"
                report.failed.append({"path": str(path), "error": message})
                continue
            if placed.refile:
                moved = refile_main_text(store, placed.key, dry_run)
                report.notes.append(f"{placed.key}: the stored text is not in the work's main "
                                    f"language ({placed.record.language}); moved to {moved}")
            for item in [placed, *incorporated(placed.record, known)]:
                result = store.put(item.record, item.key, dry_run=dry_run, amend=item.amend)
                report.imported.append({
                    "id": item.record.id, "key": item.key, "kind": item.kind,
                    "title": item.record.title, "provisions": len(item.record.provisions),
                    "source_url": item.record.source, "status": result.status,
                    "version": result.version, "current": result.current, "path": str(path),
                })
    return report


def _shown(path: Path) -> str:
    """The path as the user would recognise it in an error (relative to cwd if below it)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def import_records(path: Path, data: bytes, store: RecordStore, report: ImportReport,
                   dry_run: bool = False) -> None:
    """Store a JSON Lines file of complete records: every line, or none if one is bad.

    Every line is validated before anything is written, and the writes are one transaction, so
    a bad line (or a crash) never leaves half a file in the store. Records are stored under
    their own id as given (no placement as another-language expression, no auto-tagging).
    """
    with _gc_paused():
        _import_records(path, data, store, report, dry_run)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cycle collector while a bulk load builds a few million short-lived objects.

    The records hold no reference cycles, yet the collector would scan the growing heap again
    and again: pausing it roughly halves the time of a large file.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import_records(path: Path, data: bytes, store: RecordStore, report: ImportReport,
                    dry_run: bool) -> None:
    try:
        records = jsonl.parse_records(data, _shown(path))
    except jsonl.RecordsInvalid as exc:
        report.failed.extend(
            {"path": str(path), "line": e.line, "field": e.field, "error": str(e)}
            for e in exc.errors
        )
        return
    provenance = Provenance(
        url=path.resolve().as_uri(),
        fetched_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        sha256=hashlib.sha256(data).hexdigest(),
        agent=f"import/{jsonl.FORMAT} {AGENT_VERSION}",
    )
    stamped: list[Record] = [
        r.model_copy(update={"origin": "imported", "provenance": provenance})
        if isinstance(r, Instrument) else r
        for r in records
    ]
    results = store.put_many(stamped, provenance, dry_run=dry_run)
    for record, result in zip(stamped, results, strict=True):
        report.imported.append({
            "id": record.id, "kind": record.kind, "title": record.title,
            "provisions": len(record.provisions) if isinstance(record, Instrument) else 0,
            "source_url": record.source, "status": result.status, "version": result.version,
            "path": str(path),
        })
