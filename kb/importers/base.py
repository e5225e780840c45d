"""What every importer returns, and how a parsed document becomes a stored Instrument.

An importer is a module in ``kb.importers`` with a ``FORMAT`` name and two pure functions:

- ``sniff(data: bytes, filename: str) -> int``: how sure it is (0-100) that it can read the bytes;
- ``parse(data: bytes, filename: str) -> list[ParsedDocument]``: the documents in the bytes
  (usually one; a Federal Register search response holds many). It raises ``ImportFailed`` with
  a reason a person can act on when the bytes are not what it reads (an API error response, an
  empty page). An importer that deliberately leaves documents out (the Federal Register keeps
  only those in scope) returns a ``ParseResult``: the list plus ``skipped`` with reasons.

Parsers know nothing of files, the store or the network: ``kb.importing`` reads files and
stores records, crawlers fetch bytes; both hand bytes to ``parse``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

from kb.models import Provision


@dataclass
class ParsedDocument:
    """A document as its file states it, before metadata is completed and ids are minted."""

    title: str | None  # None when the file states no title: ingest takes it from --meta
    provisions: list[Provision] = field(default_factory=list)
    number: str | None = None  # the official number as printed ("24/2018/QH14", "2016/679")
    jurisdiction: str | None = None  # ISO alpha-2 lower case, eu, int
    doc_type: str | None = None  # one of kb.models.DocType
    language: str | None = None  # ISO 639-1 if the file states it
    date: dt.date | None = None  # adoption / signature / publication date stated in the file
    in_force: dt.date | None = None
    version_date: dt.date | None = None  # expression date of this text (consolidation date)
    native_ids: dict[str, str] = field(default_factory=dict)  # celex, eli, egov, fr_doc, tota...
    work_id: str | None = None  # an Akoma Ntoso FRBR work URI when the file carries one
    source_url: str | None = None  # the official URL when the file states it (canonical link)
    parties: list[str] = field(default_factory=list)  # treaties: jurisdiction codes
    issuing_body: str | None = None
    summary: str | None = None  # an official abstract when the format has one (Federal Register)
    status: str | None = None
    notes: list[str] = field(default_factory=list)  # anything odd the parser noticed
    # Fields below are left out of to_dict() while they hold their default, so that adding one
    # does not rewrite every golden file (metadata {"omit_default": True}).
    corrigendum: bool = field(default=False, metadata={"omit_default": True})
    # the act a corrigendum corrects, by its identifiers (celex, eli, oj, work_id)
    corrects: dict[str, str] = field(default_factory=dict, metadata={"omit_default": True})
    # True when the file holds only part of the work (one chunk of a US Code section): ingest
    # adds its provisions to the work named by work_id/native_ids instead of making a version.
    partial: bool = field(default=False, metadata={"omit_default": True})
    # the documents a compilation is made of (a pháp điển đề mục codifies laws, decrees and
    # circulars), as its own notes state them: number, type, doc_type, title, date (ISO),
    # issuing_body, in_force (ISO), role ("codified" or "amending"), vbpl (portal id)
    members: list[dict[str, str]] = field(default_factory=list,
                                          metadata={"omit_default": True})

    def to_dict(self) -> dict:
        """A JSON-ready form (golden files compare this)."""
        out: dict = {}
        for spec in fields(self):
            name, value = spec.name, getattr(self, spec.name)
            if spec.metadata.get("omit_default") and not value:
                continue
            if name == "provisions":
                value = [p.model_dump(mode="json", exclude_defaults=True) for p in value]
            elif isinstance(value, dt.date):
                value = value.isoformat()
            out[name] = value
        return out


@dataclass(frozen=True)
class Skipped:
    """A document the file holds that the parser read and deliberately left out."""

    name: str  # what it is (a document number and title)
    reason: str  # why it is out of scope


class ParseResult(list):
    """What ``parse`` returns when it may leave documents out: the documents kept, plus
    ``skipped`` (each with its reason), which ingest counts as skipped rather than failed.

    It is a plain list of ParsedDocument otherwise; an importer that skips nothing may keep
    returning a list.
    """

    def __init__(self, docs: list[ParsedDocument] | None = None,
                 skipped: list[Skipped] | None = None) -> None:
        super().__init__(docs or [])
        self.skipped: list[Skipped] = list(skipped or [])
