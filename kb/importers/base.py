"""What every importer returns, and how a parsed document becomes a stored Instrument.

An importer is a module in ``kb.importers`` with a ``FORMAT`` name and two pure functions:

- ``sniff(data: bytes, filename: str) -> int``: how sure it is (0-100) that it can read the bytes;
- ``parse(data: bytes, filename: str) -> list[ParsedDocument]``: the documents in the bytes
  (usually one; a Federal Register search response holds many). It raises ``ImportFailed`` with
  a reason a person can act on when the bytes are not what it reads (an API error response, an
  empty page).

Parsers know nothing of files, the store or the network: ``kb.importing`` reads files and
stores records, crawlers fetch bytes; both hand bytes to ``parse``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kb.models import Provision


@dataclass
class ParsedDocument:
    """A document as its file states it, before metadata is completed and ids are minted."""

    title: str
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

    def to_dict(self) -> dict:
        """A JSON-ready form (golden files compare this)."""
        out: dict = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name == "provisions":
                value = [p.model_dump(mode="json", exclude_defaults=True) for p in value]
            elif isinstance(value, dt.date):
                value = value.isoformat()
            out[name] = value
        return out
