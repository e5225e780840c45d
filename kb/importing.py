"""Bytes -> parsed documents -> complete Instruments -> the record store.

Parsers (``kb.importers``) say what a file states; this module completes the metadata (from
``--meta`` or inferred), mints stable ids, detects the language, auto-tags topics through the
taxonomy, attaches provenance, and refuses a document that is not the one that was expected
(a portal serving the wrong page is a real failure mode).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from kb import importers
from kb.errors import ImportFailed
from kb.ids import InvalidId, clean_work_id, slugify
from kb.importers import jsonl
from kb.importers.base import ParsedDocument
from kb.models import Dates, Instrument, Provenance, Provision, Record
from kb.store import RecordStore
from kb.taxonomy import jurisdictions, taxonomy
from kb.text import detect_language, fold

AGENT_VERSION = "1"


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


def _norm_number(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(value))


def check_expected(doc: ParsedDocument, meta: ImportMeta, name: str) -> None:
    """Refuse a document whose official number or title is not the one asked for."""
    if meta.expected_number:
        got = doc.number or ""
        if _norm_number(meta.expected_number) not in _norm_number(got + " " + doc.title):
            raise ImportFailed(
                f"{name}: expected document number {meta.expected_number!r} but the document "
                f"is {got or 'unnumbered'!r} ({doc.title!r}); the source may have served the "
                "wrong page"
            )
    if meta.expected_title:
        want = set(re.findall(r"\w+", fold(meta.expected_title)))
        have = set(re.findall(r"\w+", fold(doc.title)))
        if want and len(want & have) / len(want) < 0.6:
            raise ImportFailed(
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
    """A stable work id: the file's own FRBR URI, else jurisdiction/type/year/number."""
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
    number = slugify(doc.number or doc.title, max_len=50)
    return clean_work_id(f"/akn/{jurisdiction}/{doc_type}/{year}/{number}")


def tag_provisions(provisions: list[Provision]) -> list[Provision]:
    tax = taxonomy()
    out = []
    for prov in provisions:
        if prov.topics:
            out.append(prov)
            continue
        found = tax.find_topics(" ".join(filter(None, [prov.heading, prov.text])))
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


def build_instrument(
    doc: ParsedDocument, meta: ImportMeta, provenance: Provenance, fmt: str, name: str,
    origin: str = "imported",
) -> Instrument:
    check_expected(doc, meta, name)
    jurisdiction = (meta.jurisdiction or doc.jurisdiction or "").lower()
    if not jurisdiction:
        raise ImportFailed(f"{name}: cannot tell the jurisdiction; give it with --meta")
    if jurisdiction not in jurisdictions():
        raise ImportFailed(f"{name}: unknown jurisdiction {jurisdiction!r}")
    doc_type = meta.doc_type or doc.doc_type or "doc"
    sample = " ".join(p.text or "" for p in doc.provisions[:20])[:5000] or doc.title
    language = meta.language or doc.language or detect_language(sample, default="en")
    provisions = tag_provisions([
        p if p.language else p.model_copy(update={"language": language})
        for p in doc.provisions
    ])
    topics = meta.topics or instrument_topics(doc.title, provisions)
    sectors = meta.sectors or sorted({t.split("/", 1)[0] for t in topics})
    dates = meta.dates or Dates(adopted=doc.date, in_force=doc.in_force)
    try:
        return Instrument(
            id=mint_id(doc, meta, jurisdiction, doc_type),
            native_ids={**doc.native_ids,
                        **({"official_url": doc.source_url} if doc.source_url else {}),
                        **meta.native_ids},
            title=meta.title or doc.title,
            title_vi=meta.title_vi,
            jurisdiction=jurisdiction,
            parties=meta.parties or doc.parties,
            agreement=meta.agreement,
            doc_type=doc_type,
            issuing_body=doc.issuing_body,
            status=meta.status or doc.status or "unknown",
            dates=dates,
            sectors=sectors,
            topics=topics,
            language=language,
            summary=meta.summary or doc.summary,
            summary_vi=meta.summary_vi,
            source_url=meta.source_url or provenance.url,
            provisions=provisions,
            origin=origin,
            provenance=provenance,
            version=(doc.version_date or doc.date).isoformat()
            if (doc.version_date or doc.date) else None,
        )
    except ValidationError as exc:
        raise ImportFailed(f"{name}: the parsed document is not a valid record: {exc}") from exc


def parse_bytes(
    data: bytes, name: str, source_url: str, fmt: str | None = None,
    meta: ImportMeta | None = None, agent: str | None = None, origin: str = "imported",
    http: dict[str, Any] | None = None,
) -> list[Instrument]:
    """Parse bytes of any known format into complete instruments (pure but for the clock)."""
    module = importers.get(fmt) if fmt else importers.detect(data, name)
    parsed = module.parse(data, name)
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


def place(store: RecordStore, record: Instrument) -> tuple[Instrument, str]:
    """Where a parsed record goes in the store, and what it adds to what is there.

    A document in another language than the stored text of the same work becomes an
    expression of it (``{id}@{lang}``) rather than replacing it; a metadata-only document
    (no provisions) adds its identifiers to the stored text instead of emptying it.
    """
    current = store.get(record.id)
    if not isinstance(current, Instrument):
        return record, record.id
    if current.language != record.language:
        return record, f"{record.id}@{record.language}"
    if not record.provisions and current.provisions:
        merged = current.model_copy(update={
            "native_ids": {**current.native_ids, **record.native_ids}})
        return merged, record.id
    return record, record.id


@dataclass
class ImportReport:
    imported: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "failed": self.failed}


def import_paths(
    paths: Iterable[Path], store: RecordStore, fmt: str | None = None,
    meta: ImportMeta | None = None, progress: Callable[[Path], None] | None = None,
) -> ImportReport:
    """Import local files into the store; one bad file never affects the others."""
    report = ImportReport()
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
                import_records(path, data, store, report)
                continue
            records = parse_bytes(data, path.name, path.resolve().as_uri(), module.FORMAT, meta)
        except ImportFailed as exc:
            report.failed.append({"path": str(path), "error": str(exc)})
            continue
        for record in records:
            record, key = place(store, record)
            result = store.put(record, key)
            report.imported.append({
                "id": record.id, "title": record.title, "provisions": len(record.provisions),
                "source_url": record.source, "status": result.status, "version": result.version,
                "path": str(path),
            })
    return report


def _shown(path: Path) -> str:
    """The path as the user would recognise it in an error (relative to cwd if below it)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def import_records(path: Path, data: bytes, store: RecordStore, report: ImportReport) -> None:
    """Store a JSON Lines file of complete records: every line, or none if one is bad.

    Every line is validated before anything is written, and the writes are one transaction, so
    a bad line (or a crash) never leaves half a file in the store. Records are stored under
    their own id as given (no placement as another-language expression, no auto-tagging).
    """
    with _gc_paused():
        _import_records(path, data, store, report)


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


def _import_records(path: Path, data: bytes, store: RecordStore, report: ImportReport) -> None:
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
    results = store.put_many(stamped, provenance)
    for record, result in zip(stamped, results, strict=True):
        report.imported.append({
            "id": record.id, "kind": record.kind, "title": record.title,
            "provisions": len(record.provisions) if isinstance(record, Instrument) else 0,
            "source_url": record.source, "status": result.status, "version": result.version,
            "path": str(path),
        })
