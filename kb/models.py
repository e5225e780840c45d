"""Records: what the knowledge base knows, independent of where it came from or is indexed.

Curated YAML entries, imported files and crawled pages all become these records. Fields that
hold ids are validated and lower-cased here, at the boundary.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kb import ids

DocType = Literal[ids.DOC_TYPES]  # one list, kept in kb.ids
Status = Literal["in-force", "amended", "repealed", "draft", "signed-not-in-force", "unknown"]
Strength = Literal[
    "binding", "best-endeavour", "permissive", "hortatory", "procedural", "none"
]
DisputeSettlementStatus = Literal["applies", "excluded", "partly"]
ProvisionKind = Literal[
    "article", "section", "recital", "preamble", "definition", "annex", "footnote", "other"
]
Origin = Literal["curated", "imported", "crawled"]
TextSource = Literal["official", "editorial"]
# a provision not in effect while the rest of its instrument is (the CPTPP Annex suspends 22
# items of the TPP it incorporates): wholly, or in part (status_note says which part)
ProvisionStatus = Literal["suspended", "partly-suspended"]

KINDS = ("instrument", "provision", "case-note")
# the controlled values a search can filter on, from the types above
DOC_TYPES: tuple[str, ...] = ids.DOC_TYPES
STATUSES: tuple[str, ...] = get_args(Status) + get_args(ProvisionStatus)
STRENGTHS: tuple[str, ...] = get_args(Strength)
MAX_LABEL = 200  # characters of a provision's number ("Schedule 1, Australian Privacy Principle 8")


def check_url(value: str, allow_file: bool = False) -> str:
    """An absolute http(s) URL (or file:// for local imports), else ValueError."""
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if allow_file and parts.scheme == "file" and parts.path:
        return value
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise ValueError(f"not a URL: {value!r}")
    return value


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Provenance(_Record):
    """Where a text came from: enough to fetch it again and prove it is the same bytes."""

    url: str
    fetched_at: dt.datetime
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    etag: str | None = None
    last_modified: str | None = None
    agent: str = Field(description="crawler or importer name and version, e.g. 'import/akn 1'")
    licence: str | None = None
    content_type: str | None = None


class Jurisdiction(_Record):
    code: str = Field(pattern=r"^[a-z]{2,3}$")
    name: str
    name_vi: str
    alpha3: str | None = None
    groups: list[str] = []

    def label(self, lang: str = "en") -> str:
        return self.name_vi if lang == "vi" else self.name


class Dates(_Record):
    adopted: dt.date | None = None
    signed: dt.date | None = None
    in_force: dt.date | None = None
    last_amended: dt.date | None = None

    def main(self) -> dt.date | None:
        """The date a reader would put first: entry into force, else adoption or signature."""
        return self.in_force or self.adopted or self.signed or self.last_amended


RatificationKind = Literal["ratification", "acceptance", "approval", "accession"]
DATE_FIELDS = ("signed", "ratified", "in_force", "withdrawn")


class PartyDates(_Record):
    """One party's steps under a treaty, as the depositary records them.

    A date the editor is not sure of is listed in ``uncertain`` rather than left to look
    authoritative; a date nobody has checked is left out.
    """

    party: str = Field(pattern=r"^[a-z]{2,3}$")
    signed: dt.date | None = None
    ratified: dt.date | None = Field(
        None, description="deposit of the instrument of ratification, acceptance, approval or "
        "accession (``ratification_kind`` says which)")
    ratification_kind: RatificationKind | None = None
    in_force: dt.date | None = Field(None, description="entry into force for this party")
    withdrawn: dt.date | None = Field(None, description="withdrawal took effect")
    uncertain: list[Literal["signed", "ratified", "in_force", "withdrawn"]] = []
    note: str | None = None
    source: str | None = Field(None, description="the depositary or treaty-office page")

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return check_url(value) if value else value

    def status(self, on: dt.date) -> str:
        """``in-force``, ``ratified``, ``signed``, ``withdrawn`` or ``unknown`` on a date."""
        if self.withdrawn and self.withdrawn <= on:
            return "withdrawn"
        if self.in_force and self.in_force <= on:
            return "in-force"
        if self.ratified and self.ratified <= on:
            return "ratified"
        if self.signed and self.signed <= on:
            return "signed"
        return "unknown" if not (self.signed or self.ratified or self.in_force) else "not-yet"


class ExceptionClause(_Record):
    """An exception in a treaty article: its type (docs/commitments.md) and the clause."""

    type: str = Field(pattern=r"^[a-z][a-z\-]*$")
    clause: str


class DisputeSettlement(_Record):
    """Whether a treaty chapter can be taken to dispute settlement, and the article saying so."""

    status: DisputeSettlementStatus
    article: str | None = Field(None, description="the article that says so, e.g. 'Article 12.17'")
    chapter: str | None = Field(None, description="the chapter label; empty: the instrument")
    note: str | None = None


class Provision(_Record):
    """One portion of an instrument (article, section, recital ...)."""

    eid: str
    number: str = Field(min_length=1, description="the label as the document numbers it")
    heading: str | None = None
    heading_vi: str | None = None
    path: list[str] = []
    text: str | None = Field(None, description="the official wording, from an import or crawl")
    summary: str | None = Field(None, description="an editorial description, never the law")
    summary_vi: str | None = Field(None, description="the editorial description in Vietnamese")
    kind: ProvisionKind = "article"
    language: str | None = None
    topics: list[str] = []
    strength: Strength | None = None
    exceptions: list[str] = []
    order: int = 0
    strength_phrase: str | None = Field(None, description="the words that decided the strength")
    paragraph_strengths: list[Strength] = []
    exception_clauses: list[ExceptionClause] = []
    scope_exclusions: list[str] = []
    dispute_settlement: DisputeSettlementStatus | None = None
    status: ProvisionStatus | None = Field(None, description="empty: as its instrument")
    status_note: str | None = Field(None, description="why, and which part, e.g. the Annex item")
    incorporated_from: str | None = Field(
        None, description="the provision of another agreement whose text this is, by reference")
    incorporated_by: str | None = Field(None, description="the article that incorporates it")

    @field_validator("eid")
    @classmethod
    def _eid(cls, value: str) -> str:
        return ids.clean_eid(value)

    @field_validator("number")
    @classmethod
    def _number(cls, value: str) -> str:
        """A label is cited on one line: its line breaks and tabs become single spaces; any
        other control character, or a label longer than any citation, is refused."""
        label = " ".join(value.split())
        bad = next((c for c in label if unicodedata.category(c) == "Cc"), None)
        if bad is not None:
            raise ValueError(f"a label holds no control character (found {bad!r})")
        if len(label) > MAX_LABEL:
            raise ValueError(f"a label such as 'Article 14.13' has at most {MAX_LABEL} "
                             f"characters, not {len(label):,}")
        return label

    @model_validator(mode="after")
    def _has_content(self) -> Provision:
        if not (self.text or self.summary or self.heading):
            raise ValueError("a provision needs a text, a summary or a heading")
        return self

    @property
    def text_source(self) -> TextSource:
        return "official" if self.text else "editorial"


class Instrument(_Record):
    """A law, regulation, treaty or chapter: the FRBR work, with its provisions."""

    kind: Literal["instrument"] = "instrument"
    id: str
    native_ids: dict[str, str] = {}
    title: str = Field(min_length=2)
    title_vi: str | None = None
    title_original: str | None = None
    jurisdiction: str = Field(pattern=r"^[a-z]{2,3}$")
    parties: list[str] = []
    agreement: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9\-]*$")
    doc_type: DocType
    issuing_body: str | None = None
    status: Status = "in-force"
    dates: Dates = Dates()
    sectors: list[str] = []
    topics: list[str] = []
    language: str = Field("en", pattern=r"^[a-z]{2,3}$")
    summary: str | None = None
    summary_vi: str | None = None
    source_url: str
    provisions: list[Provision] = []
    origin: Origin = "curated"
    provenance: Provenance | None = None
    version: str | None = Field(None, description="expression date or version label of the text")
    dispute_settlement: list[DisputeSettlement] = Field(
        [], description="curated: chapters excluded (wholly or partly) from dispute settlement"
    )
    party_dates: list[PartyDates] = Field(
        [], description="treaties: per-party signature, ratification and entry into force"
    )
    parties_source: str | None = Field(
        None, description="the depositary page for every party without its own ``source``"
    )
    verified: Verification | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return ids.clean_work_id(value)

    @field_validator("source_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url(value, allow_file=True)

    @field_validator("parties_source")
    @classmethod
    def _parties_source(cls, value: str | None) -> str | None:
        return check_url(value) if value else value

    @model_validator(mode="after")
    def _unique_eids(self) -> Instrument:
        seen: set[str] = set()
        for prov in self.provisions:
            if prov.eid in seen:
                raise ValueError(f"duplicate provision eid {prov.eid!r}")
            seen.add(prov.eid)
        return self

    def provision_id(self, prov: Provision) -> str:
        return ids.provision_id(self.id, prov.eid)

    @property
    def source(self) -> str:
        return self.source_url


class Verification(_Record):
    """When a curator last checked an entry, and what they read to check it."""

    date: dt.date
    source: str = Field(min_length=3, description="the URL or file read, or why none could be")


class Period(_Record):
    start: int | None = Field(None, ge=1800, le=2100)
    end: int | None = Field(None, ge=1800, le=2100)


class Source(_Record):
    title: str
    url: str

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url(value)


class CaseNote(_Record):
    """International experience: what a country did, what happened after, what it teaches."""

    kind: Literal["case-note"] = "case-note"
    id: str
    title: str = Field(min_length=2)
    title_vi: str | None = None
    jurisdictions: list[str] = Field(min_length=1)
    sectors: list[str] = Field(min_length=1)
    topics: list[str] = Field(min_length=1)
    period: Period | None = None
    summary: str
    summary_vi: str | None = None
    what_was_done: str | None = None
    outcome: str
    lessons: list[str] = Field(min_length=1)
    lessons_vi: list[str] = []
    related_instruments: list[str] = []
    related_provisions: list[str] = Field(
        [], description="provision ids it concerns, e.g. /akn/vn/act/2018/24-2018-qh14/~art_26")
    sources: list[Source] = Field(min_length=1)
    verified: Verification | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return ids.clean_note_id(value)

    @field_validator("related_instruments")
    @classmethod
    def _related(cls, values: list[str]) -> list[str]:
        return [ids.clean_work_id(v) for v in values]

    @field_validator("related_provisions")
    @classmethod
    def _related_provisions(cls, values: list[str]) -> list[str]:
        return [ids.provision_id(*ids.split_provision_id(v)) for v in values]

    @property
    def source(self) -> str:
        return self.sources[0].url


Record = Instrument | CaseNote
