"""regkb over the Model Context Protocol: AI assistants search, read and compare the base.

An outer face like the HTTP API: it goes through the ``KnowledgeBase`` facade only, and every
answer is built so an assistant can cite it and a lawyer can check it, provision by provision:
each item carries its id, a citation in the asked language, the official URL, the version date
and whether the text is the law's own words or an editorial summary.

The tools are read-only. Inputs are bounded like the HTTP API's (``kb.search.MAX_QUERY_LENGTH``,
``limit`` at most 100, pasted text at most 20,000 characters) and every response is capped
(``MAX_TEXT`` characters of legal text per call, long texts paged). Pasted text is analysed in
memory only: never stored, never logged, never echoed in an error.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field

from kb.authorities import agreement_names_of
from kb.citations import CitationNotFound, cite_vi
from kb.compare import MAX_PASTED
from kb.core import KnowledgeBase
from kb.errors import KBError, RecordNotFound
from kb.parties import agreements as agreement_codes
from kb.search import MAX_LIMIT, MAX_QUERY_LENGTH
from kb.taxonomy import jurisdictions, taxonomy
from kb.watch import iter_changes

MAX_TEXT = 20_000  # characters of legal text in one response: long texts are paged
MAX_ID = 300  # an id, a citation or a ``{id}@v{N}`` reference (as GET /v1/compare/diff)
MAX_FILTER_VALUES = 20
MAX_CHANGES = 200
EXCERPT = 600  # characters of a provision's text in a grid or a list of counterparts
EDITORIAL = "editorial summary, not the text of the law"
OFFICIAL = "official text"
LABELS = {
    "en": {"official": OFFICIAL, "editorial": EDITORIAL},
    "vi": {"official": f"{OFFICIAL} (văn bản chính thức)",
           "editorial": f"{EDITORIAL} (tóm tắt biên tập, không phải văn bản pháp luật)"},
}
URI_PREFIX = "regkb:/"

log = logging.getLogger(__name__)

Lang = Annotated[Literal["en", "vi"], Field(
    description="language of citations and labels: 'en' or 'vi' (Vietnamese titles where the "
                "base has them)")]
RecordId = Annotated[str, Field(
    min_length=1, max_length=MAX_ID,
    description="a record id such as '/akn/sg/act/2012/26/~sec_26' (a provision), "
                "'/akn/sg/act/2012/26' (an instrument) or a citation such as 'GDPR Art 44'")]
Filter = Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]] | None, Field(
    max_length=MAX_FILTER_VALUES)]


# -- answers -----------------------------------------------------------------------------
class Cited(BaseModel):
    """What an assistant needs to cite a record and a reader to check it."""

    id: str = Field(description="the record's id (Akoma Ntoso FRBR work URI, or /notes/...)")
    kind: str = Field(description="instrument, provision or case-note")
    citation: str = Field(description="a human citation in the requested language")
    citation_en: str | None = Field(None, description="the English citation, when lang is vi")
    title: str
    jurisdiction: str | None = None
    instrument_id: str | None = None
    status: str | None = Field(None, description="in-force, amended, repealed, draft ...")
    date: str | None = Field(None, description="the instrument's own date (YYYY-MM-DD)")
    version_date: str | None = Field(
        None, description="date of the text version quoted: the stored official text's own "
                          "date where there is one, else the instrument's date")
    official_url: str | None = Field(None, description="the official source to check against")
    text_source: Literal["official", "editorial"] = Field(
        description="'official': the law's own words; 'editorial': a summary written for the "
                    "base, which must never be quoted as the law")
    text_label: str = Field(description="how to present the text: official text, or "
                                        "'editorial summary, not the text of the law'")
    uri: str = Field(description="the MCP resource with the full record (regkb://akn/...)")


class SearchHit(Cited):
    excerpt: str = Field("", description="plain text around the matched words")
    topics: list[str] = []
    strength: str | None = Field(None, description="treaty commitment strength (binding ...)")
    exceptions: list[str] = []



class SearchOutput(BaseModel):
    total: int
    total_exact: bool
    hits: list[SearchHit]
    did_you_mean: str | None = None


class Provenance(BaseModel):
    url: str | None = None
    fetched_at: str | None = None
    sha256: str | None = None
    agent: str | None = Field(None, description="the importer or crawler that fetched the text")
    licence: str | None = None


class ProvisionOutput(Cited):
    number: str | None = None
    heading: str | None = None
    path: list[str] = Field([], description="the headings above it (part, chapter ...)")
    instrument_title: str | None = None
    text: str = Field(description="the text (or its editorial summary: see text_source), "
                                  "a page of at most 20,000 characters")
    offset: int = 0
    next_offset: int | None = Field(None, description="call again with this offset for more")
    total_chars: int = 0
    topics: list[str] = []
    strength: str | None = None
    strength_phrase: str | None = None
    exceptions: list[str] = []
    provenance: Provenance | None = None


class ProvisionText(BaseModel):
    id: str
    citation: str
    number: str | None = None
    heading: str | None = None
    text: str
    truncated: bool = Field(False, description="true: read the rest with get_provision")
    text_source: Literal["official", "editorial"]
    text_label: str


class VersionOut(BaseModel):
    version: int
    stored_at: str
    current: bool
    provenance: Provenance | None = None


class InstrumentOutput(Cited):
    title_vi: str | None = None
    summary: str | None = Field(None, description="always an editorial summary, never the law")
    summary_label: str = EDITORIAL
    total_provisions: int
    cursor: int
    next_cursor: int | None = Field(None, description="call again with this cursor for more")
    provisions: list[ProvisionText]
    provenance: Provenance | None = None
    versions: list[VersionOut] = []


class Candidate(BaseModel):
    id: str
    citation: str
    reason: str | None = None
    uri: str


class Resolved(BaseModel):
    cite: str
    found: bool = Field(description="false: the citation is not in the base")
    matched: Literal["provision", "instrument", "none"]
    message: str = Field(description="what matched, or why nothing did")
    record: Cited | None = None
    excerpt: str | None = None
    candidates: list[Candidate] = Field([], description="close matches to try instead")


class Measure(BaseModel):
    relation: str
    id: str
    citation: str


class GridHit(SearchHit):
    why: list[str] = Field([], description="the words it matched")
    party_measures: list[Measure] = Field(
        [], description="the party's own measures linked to this treaty provision")


class GridRow(BaseModel):
    key: str
    kind: str
    label: str
    party_bound: bool | None = Field(None, description="agreement rows: is the party bound")
    party_status: str | None = None
    party_since: str | None = None


class GridCell(BaseModel):
    row: str
    topic: str
    level: str = Field(description="provision, instrument (no provision found) or none")
    hits: list[GridHit]


class GridOutput(BaseModel):
    party: str | None
    rows: list[GridRow]
    topics: list[dict[str, str]]
    cells: list[GridCell]


class CoverageOutput(BaseModel):
    by: str
    rows: list[dict[str, str]]
    columns: list[dict[str, str]]
    matrix: list[list[int]] = Field(description="counts, rows x columns")


class CounterpartGroup(BaseModel):
    key: str = Field(description="a jurisdiction code or agreement:<code>")
    label: str
    hits: list[GridHit]


class CounterpartsOutput(BaseModel):
    source: str | None = Field(None, description="the provision compared (none for pasted text)")
    topics: list[str]
    groups: list[CounterpartGroup]


class DiffOp(BaseModel):
    op: Literal["equal", "delete", "insert"]
    text: str


class DiffOutput(BaseModel):
    left: str | None
    right: str | None
    similarity: float
    ops: list[DiffOp]
    text: str = Field(description="the diff as text: [-deleted-] {+inserted+}")
    truncated: bool = False


class Link(BaseModel):
    direction: str = Field(description="to-treaty (a domestic measure implements a commitment) "
                                       "or to-domestic")
    relation: str
    other: str
    other_citation: str
    other_uri: str
    agreement: str | None = None
    bound: bool | None = None
    bound_since: str | None = None
    note: str | None = Field(None, description="editorial note on the link")
    source: str | None = None


class LinksOutput(BaseModel):
    provision: Cited
    links: list[Link]


class Change(BaseModel):
    id: str
    citation: str
    change: str = Field(description="new (first stored), new-version, status (a new "
                                    "version or a curated entry with another status), edited "
                                    "or removed (a curated entry), or dated (the instrument's "
                                    "own date is after the date asked)")
    version: int | None = None
    stored_at: str | None = None
    version_date: str | None = None
    agent: str | None = None
    official_url: str | None = None
    uri: str


class ChangesOutput(BaseModel):
    since: str
    changes: list[Change]
    truncated: bool = False
    note: str


class TopicOut(BaseModel):
    id: str
    label: str
    parent: str | None = None
    synonyms: list[str] = []


class JurisdictionOut(BaseModel):
    code: str
    name: str
    groups: list[str] = []


class JurisdictionsOutput(BaseModel):
    groups: dict[str, list[str]] = Field(description="group -> member codes (ipef, asean ...)")
    jurisdictions: list[JurisdictionOut]


class TopicsOutput(BaseModel):
    topics: list[TopicOut]


class AgreementOut(BaseModel):
    code: str
    instrument_id: str | None
    title: str | None
    status: str | None
    parties: int
    in_force_for: list[str]
    viet_nam_bound: bool | None = None


class AgreementsOutput(BaseModel):
    agreements: list[AgreementOut]


class SourceFreshness(BaseModel):
    source: str = Field(description="importer or crawler")
    newest_fetch: str | None
    newest_stored: str | None
    works: int


class AboutOutput(BaseModel):
    name: str = "regkb"
    description: str
    backend: str
    index_built_at: str | None
    counts: dict[str, int]
    stored_works: int
    sources: list[SourceFreshness]
    notice: str


# -- helpers -----------------------------------------------------------------------------
T = TypeVar("T")


def _clean(value: Any, name: str = "input") -> None:
    """NUL bytes and other control characters are never legal text: refuse them early."""
    if isinstance(value, str):
        if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value):
            raise ToolError(f"{name} contains control characters (such as NUL)")
    elif isinstance(value, list | tuple):
        for item in value:
            _clean(item, name)


def tool_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """Domain errors become MCP tool errors with their message; the server never crashes."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        for name, value in kwargs.items():
            _clean(value, name)
        try:
            return fn(*args, **kwargs)
        except ToolError:
            raise
        except CitationNotFound as exc:
            raise ToolError(f"not in the base: {exc}") from None
        except KBError as exc:
            raise ToolError(str(exc)) from None
        except (ValueError, TypeError) as exc:
            # never echo the input: it may be a pasted draft
            log.warning("tool %s rejected its input (%s)", fn.__name__, type(exc).__name__)
            raise ToolError(f"invalid input ({type(exc).__name__})") from None

    return wrapper


def uri_of(record_id: str) -> str:
    return URI_PREFIX + record_id


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)


def _provenance(data: dict[str, Any] | None) -> Provenance | None:
    if not data:
        return None
    return Provenance(url=data.get("url"), fetched_at=_iso(data.get("fetched_at")),
                      sha256=data.get("sha256"), agent=data.get("agent"),
                      licence=data.get("licence"))


class Citer:
    """Citations in one language, with the instruments' titles and version dates read once."""

    def __init__(self, kb: KnowledgeBase, lang: str, versions: dict[str, tuple[str, str | None]]):
        self.kb, self.lang = kb, lang
        self._instruments: dict[str, dict[str, Any]] = {}
        self._versions = versions  # instrument id -> (sha of current version, version date)
        self._agreements: dict[str, tuple[str, str]] | None = None

    def prefetch(self, docs: Iterable[dict[str, Any]]) -> None:
        wanted = {d.get("instrument_id") or d.get("id") for d in docs
                  if d.get("kind") in ("instrument", "provision")}
        wanted -= set(self._instruments) | {None}
        if wanted and self.lang == "vi":
            for doc in self.kb.get_many(sorted(wanted)):
                self._instruments[doc["id"]] = doc

    def agreement_title_vi(self, code: str | None) -> str | None:
        """An agreement's Vietnamese name: the knowledge base's entries, then the bundled ones
        (as the web pages name it)."""
        if not code:
            return None
        if self._agreements is None:
            self._agreements = agreement_names_of(self.kb)
        return self._agreements.get(code, ("", ""))[1] or None

    def citation(self, doc: dict[str, Any]) -> str:
        """The citation in the language asked for; in Vietnamese the one form the pages, the
        API and the exports use (``kb.citations.cite_vi``)."""
        if self.lang != "vi":
            return self.english(doc)
        inst = self._instruments.get(doc.get("instrument_id") or doc.get("id") or "", {}) \
            if doc.get("kind") in ("instrument", "provision") else {}
        code = inst.get("agreement") or doc.get("agreement")
        return cite_vi({**doc, "agreement": code}, inst, self.agreement_title_vi(code))

    @staticmethod
    def english(doc: dict[str, Any]) -> str:
        if doc.get("kind") == "provision" and doc.get("number"):
            return f"{doc.get('instrument_title')}, {doc['number']}"
        return doc.get("title") or doc.get("id", "")

    def version_date(self, doc: dict[str, Any]) -> str | None:
        """The stored official text's own date (``version``), else the instrument's date."""
        work = doc.get("instrument_id") or doc.get("id") or ""
        if doc.get("kind") == "case-note" or not self.kb.settings.store_path.exists():
            return doc.get("date")
        try:
            versions = self.kb.store.versions(work)
        except Exception:  # a store being written: the index date is still right
            return doc.get("date")
        current = next((v for v in versions if v.current), None)
        if current is None:
            return doc.get("date")
        cached = self._versions.get(work)
        if cached is None or cached[0] != current.content_sha256:
            record = self.kb.store.get(work)
            version = getattr(record, "version", None)
            dated = version if version and re.fullmatch(r"\d{4}-\d{2}-\d{2}", version) else None
            cached = (current.content_sha256, dated)
            self._versions[work] = cached
        return cached[1] or doc.get("date")

    def cited(self, doc: dict[str, Any], model: type[Cited] = Cited, **extra: Any) -> Any:
        source = doc.get("text_source") or "editorial"
        if source not in ("official", "editorial"):
            source = "editorial"
        return model(
            id=doc["id"], kind=doc.get("kind") or "", citation=self.citation(doc),
            citation_en=self.english(doc) if self.lang == "vi" else None,
            title=doc.get("title") or doc["id"], jurisdiction=doc.get("jurisdiction"),
            instrument_id=doc.get("instrument_id"), status=doc.get("status"),
            date=doc.get("date"), version_date=self.version_date(doc),
            official_url=doc.get("source_url"), text_source=source,
            text_label=LABELS[self.lang][source], uri=uri_of(doc["id"]), **extra)

    def hit(self, hit: Any, model: type[SearchHit] = SearchHit, **extra: Any) -> Any:
        data = hit.model_dump() if hasattr(hit, "model_dump") else dict(hit)
        return self.cited(data, model, excerpt=(data.get("excerpt") or "")[:EXCERPT],
                          topics=data.get("topics") or [], strength=data.get("strength"),
                          exceptions=data.get("exceptions") or [], **extra)


def _page(text: str, offset: int, size: int = MAX_TEXT) -> tuple[str, int | None]:
    chunk = text[offset:offset + size]
    end = offset + len(chunk)
    return chunk, end if end < len(text) else None


INSTRUCTIONS = """\
regkb is a knowledge base of foreign telecommunications, radio-spectrum and digital-economy law
and of how trade agreements (CPTPP, DEPA, RCEP, USMCA, the WTO e-commerce text, IPEF) treat the
same issues, kept for Viet Nam's legal drafters and trade negotiators. Questions may be in
English or Vietnamese (with or without diacritics); English texts answer Vietnamese questions.
Cite every statement with the item's `citation`, `id` and `official_url`. An item whose
`text_source` is "editorial" is an editorial summary, not the text of the law: say so and never
quote it as the law. Start with `search` or `resolve_citation`, read with `get_provision`, and
compare with `compare` or `counterparts`. Everything is read-only.
"""


# -- the server --------------------------------------------------------------------------
def create_server(kb: KnowledgeBase) -> MCPServer:
    """The MCP server over one open knowledge base (tools, resources and prompts)."""
    server = MCPServer("regkb", title="regkb: foreign telecom, spectrum and digital-economy law",
                       instructions=INSTRUCTIONS, version="0.1.0", log_level="WARNING")
    versions: dict[str, tuple[str, str | None]] = {}
    read_only = ToolAnnotations(read_only_hint=True, destructive_hint=False,
                                idempotent_hint=True, open_world_hint=False)

    def citer(lang: str) -> Citer:
        return Citer(kb, lang if lang in ("en", "vi") else "en", versions)

    def tool(description: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        def register(fn: Callable[..., T]) -> Callable[..., T]:
            wrapped = tool_errors(fn)
            server.add_tool(wrapped, name=fn.__name__, description=description,
                            annotations=read_only)
            return wrapped
        return register

    def provision_doc(ref: str) -> dict[str, Any]:
        """A provision by id or by citation."""
        ref = ref.strip()
        if ref.startswith(("/akn/", "/notes/")):
            return kb.get(ref)
        return kb.resolve(ref).record

    # -- search ------------------------------------------------------------------
    @tool("Full-text search of the base: foreign laws (instruments), their provisions "
          "(articles, sections) and case notes on telecommunications, radio spectrum and the "
          "digital economy, plus trade-agreement chapters. Use it first for any topic or "
          "question, in English or Vietnamese (with or without diacritics), e.g. 'spectrum "
          "auction', 'chuyển dữ liệu cá nhân ra nước ngoài'. Supports \"exact phrase\", "
          "+required, -excluded, OR. A citation such as 'GDPR Art 44' puts that provision "
          "first. Filters narrow the results; each hit carries a citation, id, official URL, "
          "version date and text_source (official text or editorial summary).")
    def search(
        query: Annotated[str, Field(max_length=MAX_QUERY_LENGTH, description=(
            "what to look for, a topic or a question; empty lists the newest"))] = "",
        jurisdiction: Annotated[Filter, Field(description=(
            "ISO codes or groups: vn, sg, eu, int, ipef, asean, cptpp, rcep, oecd ..."))] = None,
        topic: Annotated[Filter, Field(description=(
            "topic ids or labels in English or Vietnamese (see list_topics)"))] = None,
        kind: Annotated[Filter, Field(description="instrument, provision or case-note")] = None,
        type: Annotated[Filter, Field(description=(  # noqa: A002 - the public parameter name
            "document type: act, regulation, decree, treaty, agreement-chapter ..."))] = None,
        status: Annotated[Filter, Field(description=(
            "in-force, amended, repealed, draft, signed-not-in-force"))] = None,
        language: Annotated[Filter, Field(description="language of the text: en, vi, fr ...")
                            ] = None,
        agreement: Annotated[Filter, Field(description=(
            "agreement codes: cptpp, depa, rcep, usmca, wto-ecom ... (see list_agreements)"))
        ] = None,
        limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 10,
        offset: Annotated[int, Field(ge=0, le=1000)] = 0,
        lang: Lang = "en",
    ) -> SearchOutput:
        result = kb.search(query, jurisdiction=jurisdiction, topic=topic, kind=kind, type=type,
                           status=status, language=language, agreement=agreement, limit=limit,
                           offset=offset, facets=False)
        c = citer(lang)
        c.prefetch(h.model_dump() for h in result.hits)
        return SearchOutput(total=result.total, total_exact=result.total_exact,
                            hits=[c.hit(h) for h in result.hits],
                            did_you_mean=result.did_you_mean.text if result.did_you_mean
                            else None)

    # -- reading -----------------------------------------------------------------
    @tool("The full text of one provision (article, section, clause) with its citation, "
          "official URL, version date, provenance and treaty commitment strength. Give its id "
          "(from search) or a citation ('GDPR Art 44', 'Điều 26 Luật ANM 2018'). Texts longer "
          "than 20,000 characters come in pages: call again with next_offset. If text_source "
          "is 'editorial' the text is a summary, not the law.")
    def get_provision(
        id: RecordId,  # noqa: A002 - the public parameter name
        offset: Annotated[int, Field(ge=0, le=10_000_000, description="character offset")] = 0,
        lang: Lang = "en",
    ) -> ProvisionOutput:
        doc = provision_doc(id)
        if doc["kind"] != "provision":
            raise ToolError(f"{doc['id']} is a {doc['kind']}, not a provision: use "
                            "get_instrument")
        c = citer(lang)
        c.prefetch([doc])
        text = doc.get("text") or ""
        chunk, next_offset = _page(text, offset)
        record = kb.stored_record(doc["instrument_id"])
        prov = record.provenance.model_dump(mode="json") if record and record.provenance \
            else None
        return c.cited(doc, ProvisionOutput, number=doc.get("number"),
                       heading=doc.get("heading"), path=doc.get("path") or [],
                       instrument_title=doc.get("instrument_title"), text=chunk, offset=offset,
                       next_offset=next_offset, total_chars=len(text),
                       topics=doc.get("topics") or [], strength=doc.get("strength"),
                       strength_phrase=doc.get("strength_phrase"),
                       exceptions=doc.get("exceptions") or [],
                       provenance=_provenance(prov) if doc.get("text_source") == "official"
                       else None)

    @tool("One instrument (a law, regulation, decree, treaty or chapter) with its editorial "
          "summary, provenance, stored versions and its provisions in document order. Give its "
          "id or a citation ('PDPA 2012 Singapore', 'Luật An ninh mạng 2018'). Provisions come "
          "in pages of at most 20,000 characters: call again with next_cursor. A provision "
          "cut short says truncated: read it whole with get_provision.")
    def get_instrument(
        id: RecordId,  # noqa: A002 - the public parameter name
        cursor: Annotated[int, Field(ge=0, le=100_000, description=(
            "index of the first provision to return (from next_cursor)"))] = 0,
        lang: Lang = "en",
    ) -> InstrumentOutput:
        ref = id.strip()
        if not ref.startswith("/akn/"):
            ref = kb.resolve(ref).instrument["id"]
        data = kb.instrument(ref)
        provisions = data.pop("provisions", [])
        c = citer(lang)
        c.prefetch(provisions)
        summary = (data.get("text") or "")[:MAX_TEXT // 4] or None
        budget = MAX_TEXT - len(summary or "")
        page: list[ProvisionText] = []
        index = cursor
        while index < len(provisions):
            prov = provisions[index]
            text = prov.get("text") or ""
            if page and len(text) > budget:
                break
            shown = text[:max(budget, 2000)]
            budget -= len(shown)
            source = prov.get("text_source") if prov.get("text_source") in (
                "official", "editorial") else "editorial"
            page.append(ProvisionText(id=prov["id"], citation=c.citation(prov),
                                      number=prov.get("number"), heading=prov.get("heading"),
                                      text=shown, truncated=len(shown) < len(text),
                                      text_source=source, text_label=LABELS[c.lang][source]))
            index += 1
            if budget <= 0:
                break
        versions = [VersionOut(version=v["version"], stored_at=v["stored_at"],
                               current=v["current"], provenance=_provenance(v["provenance"]))
                    for v in (data.get("versions") or [])[-20:]]
        return c.cited(data, InstrumentOutput, title_vi=data.get("title_vi"), summary=summary,
                       total_provisions=len(provisions), cursor=cursor,
                       next_cursor=index if index < len(provisions) else None,
                       provisions=page, provenance=_provenance(data.get("provenance")),
                       versions=versions)

    @tool("Check a legal citation as people write it and get what it names: 'GDPR Art 44', "
          "'Article 14.11 CPTPP', '47 U.S.C. 230', 's 26 PDPA 2012 (Singapore)', 'Điều 26 "
          "Luật ANM', 'khoản 3 Điều 26 Luật ANM 2018', 'NĐ 13/2023 Điều 25'. Returns the "
          "provision (or the instrument when only that is stored, saying so), or found=false "
          "with a clear 'not in the base' message and close matches. Use it before citing "
          "anything the user typed.")
    def resolve_citation(
        cite: Annotated[str, Field(min_length=1, max_length=MAX_ID)],
        lang: Lang = "en",
    ) -> Resolved:
        c = citer(lang)
        try:
            res = kb.resolve(cite)
        except CitationNotFound as exc:
            c.prefetch(exc.candidates[:10])
            return Resolved(cite=cite, found=False, matched="none",
                            message=f"not in the base: {exc}",
                            candidates=[_candidate(c, d) for d in exc.candidates[:10]])
        record = res.record
        c.prefetch([record, *res.candidates[:10]])
        excerpt = (record.get("text") or "")[:EXCERPT] or None
        return Resolved(cite=cite, found=True, matched=res.matched,
                        message=res.message or f"{res.matched}: {c.citation(record)}",
                        record=c.cited(record), excerpt=excerpt,
                        candidates=[_candidate(c, d) for d in res.candidates[:10]])

    # -- comparing ---------------------------------------------------------------
    @tool("Compare how jurisdictions and trade agreements regulate topics: a grid of rows "
          "(countries, groups such as 'ipef' or 'asean', agreements such as cptpp, depa, rcep, "
          "usmca, wto-ecom) x topics (ids or labels in English or Vietnamese, e.g. "
          "'cross-border data flows', 'data localisation', 'đấu giá tần số'). Each cell has "
          "the best provisions with treaty commitment strength (binding, best-endeavour ...) "
          "and exceptions. For the party (Viet Nam unless told otherwise) each agreement row "
          "says whether it is bound and since when, and treaty provisions list the party's "
          "linked domestic measures.")
    def compare(
        topics: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(
            min_length=1, max_length=10, description="topic ids or labels (en or vi)")],
        jurisdictions: Annotated[Filter, Field(description="codes or groups: vn, sg, ipef ...")
                                 ] = None,
        agreements: Annotated[Filter, Field(description="agreement codes: cptpp, depa ...")
                              ] = None,
        per_cell: Annotated[int, Field(ge=1, le=5)] = 3,
        party: Annotated[str, Field(pattern=r"^[a-zA-Z]{2,3}$", description=(
            "whose binding status and measures to show (default vn)"))] = "vn",
        lang: Lang = "en",
    ) -> GridOutput:
        grid = kb.compare(topics, jurisdictions or [], agreements or [], per_cell=per_cell,
                          party=party.lower())
        c = citer(lang)
        c.prefetch(h.model_dump() for cell in grid.cells.values() for h in cell.hits)
        tax = taxonomy()
        rows = [GridRow(key=r.key, kind=r.kind, label=r.label(c.lang),
                        party_bound=grid.bound.get(r.key, {}).get("bound"),
                        party_status=grid.bound.get(r.key, {}).get("status"),
                        party_since=grid.bound.get(r.key, {}).get("since")) for r in grid.rows]
        cells = []
        for (row, topic), cell in grid.cells.items():
            hits = []
            for h in cell.hits:
                measures = [Measure(relation=m.get("relation") or "", id=m.get("other") or "",
                                    citation=m.get("other_title") or m.get("other") or "")
                            for m in grid.measures.get(h.id, [])]
                hits.append(c.hit(h, GridHit, why=cell.why(h).get("terms") or [],
                                  party_measures=measures))
            cells.append(GridCell(row=row, topic=topic, level=cell.level, hits=hits))
        return GridOutput(party=grid.party, rows=rows,
                          topics=[{"id": t, "label": tax.get(t).display(c.lang)}
                                  for t in grid.topics],
                          cells=cells)

    @tool("How many laws and provisions the base holds per jurisdiction and topic (or "
          "sector): the map of what can be compared, and where the gaps are. Use before a "
          "comparison to pick jurisdictions with material.")
    def coverage(
        jurisdictions: Annotated[Filter, Field(description="codes or groups (default all)")
                                 ] = None,
        by: Literal["topic", "sector"] = "topic",
        topics: Annotated[Filter, Field(description="only these topics (ids or labels)")] = None,
        lang: Lang = "en",
    ) -> CoverageOutput:
        cov = kb.coverage(jurisdictions or [], by=by, topics=topics or None)
        data = cov.to_dict(lang)
        return CoverageOutput(by=data["by"], rows=data["rows"], columns=data["columns"],
                              matrix=data["matrix"])

    @tool("Find foreign counterparts: the provisions in other jurisdictions and agreements "
          "closest to a given provision (by id or citation) or to a pasted draft clause (in "
          "English or Vietnamese, at most 20,000 characters; analysed in memory, never stored "
          "or logged). Results are grouped by jurisdiction or agreement, each with citation, "
          "official URL and the shared words. Give exactly one of provision or text.")
    def counterparts(
        provision: Annotated[str | None, Field(max_length=MAX_ID, description=(
            "a provision id or citation"))] = None,
        text: Annotated[str | None, Field(max_length=MAX_PASTED, description=(
            "a pasted clause, e.g. a draft article"))] = None,
        jurisdictions: Annotated[Filter, Field(description="only these codes or groups")
                                 ] = None,
        limit: Annotated[int, Field(ge=1, le=50)] = 15,
        lang: Lang = "en",
    ) -> CounterpartsOutput:
        if bool(provision and provision.strip()) == bool(text and text.strip()):
            raise ToolError("give exactly one of provision (an id or citation) or text")
        if provision:
            doc = provision_doc(provision)
            if doc["kind"] != "provision":
                raise ToolError(f"{doc['id']} is a {doc['kind']}, not a provision")
            found = kb.counterparts(doc["id"], limit=limit, jurisdictions=jurisdictions or [])
        else:
            found = kb.counterparts(text or "", limit=limit, jurisdictions=jurisdictions or [])
        c = citer(lang)
        c.prefetch(h.model_dump() for hits in found.groups.values() for h in hits)
        juris = jurisdictions_()
        groups = [CounterpartGroup(
            key=key,
            label=key.split(":", 1)[1].upper() if key.startswith("agreement:")
            else juris.name(key, c.lang),
            hits=[c.hit(h, GridHit, why=found.why(h).get("terms") or []) for h in hits])
            for key, hits in found.groups.items()]
        return CounterpartsOutput(source=found.source_id, topics=found.topics, groups=groups)

    @tool("Word-level differences between two provisions: ids (or citations), or "
          "'{id}@v{N}' for version N of a stored text (what an amendment changed). Returns "
          "operations, a text with [-deleted-] and {+inserted+} marks, and a similarity ratio.")
    def diff(
        left: Annotated[str, Field(min_length=1, max_length=MAX_ID)],
        right: Annotated[str, Field(min_length=1, max_length=MAX_ID)],
    ) -> DiffOutput:
        refs = []
        for ref in (left.strip(), right.strip()):
            if not ref.startswith("/akn/"):
                ref = provision_doc(ref)["id"]
            refs.append(ref)
        result = kb.diff(refs[0], refs[1])
        ops, used = [], 0
        for op, chunk in result.ops:
            if used >= MAX_TEXT:
                break
            ops.append(DiffOp(op=op, text=chunk[:MAX_TEXT - used]))
            used += len(ops[-1].text)
        text = result.text()
        return DiffOutput(left=result.left_id, right=result.right_id,
                          similarity=result.similarity, ops=ops, text=text[:MAX_TEXT],
                          truncated=len(text) > MAX_TEXT or len(ops) < len(result.ops))

    @tool("Curated links between a domestic measure and a treaty commitment, in both "
          "directions: for a treaty provision (e.g. CPTPP Article 14.13), the domestic measures "
          "implementing it; for a domestic provision, the commitments it answers to, with "
          "whether the country is bound and since when.")
    def commitment_links(
        provision: Annotated[str, Field(min_length=1, max_length=MAX_ID, description=(
            "a provision id or citation"))],
        lang: Lang = "en",
    ) -> LinksOutput:
        doc = provision_doc(provision)
        rows = kb.links(doc["id"])
        c = citer(lang)
        c.prefetch([doc])
        links = [Link(direction=r["direction"], relation=r["relation"], other=r["other"],
                      other_citation=r.get("other_title") or r["other"],
                      other_uri=uri_of(r["other"]), agreement=r.get("agreement"),
                      bound=r.get("bound"), bound_since=_iso(r.get("bound_since")),
                      note=(r.get("note_vi") if c.lang == "vi" and r.get("note_vi")
                            else r.get("note")),
                      source=r.get("source")) for r in rows[:200]]
        return LinksOutput(provision=c.cited(doc), links=links)

    @tool("What changed in the base since a date: texts imported or crawled for the first "
          "time, new versions of stored texts (and status changes), curated entries changed "
          "between two index builds, and instruments whose own date (adoption, entry "
          "into force, amendment) is on or after the date. Newest first.")
    def what_changed(
        since: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")],
        jurisdiction: Annotated[Filter, Field(description="only these codes or groups")] = None,
        limit: Annotated[int, Field(ge=1, le=MAX_CHANGES)] = 50,
        lang: Lang = "en",
    ) -> ChangesOutput:
        try:
            day = dt.date.fromisoformat(since)
        except ValueError:
            raise ToolError("since must be a date, YYYY-MM-DD") from None
        c = citer(lang)
        codes = set(jurisdictions().expand(jurisdiction)) if jurisdiction else None
        changes: list[Change] = []
        if kb.settings.store_path.exists():
            for item in iter_changes(kb.store, since, newest_first=True):
                work = item["id"]
                if codes is not None and work.split("/")[2:3] and work.split("/")[2] not in codes:
                    continue
                changes.append(Change(
                    id=work, citation=item["title"] or work, change=item["change"],
                    version=item["version"], stored_at=item["at"], agent=item["agent"],
                    official_url=item["official_url"], uri=uri_of(work)))
                if len(changes) > limit:
                    break
        stored = {ch.id for ch in changes}
        result = kb.search("", kind="instrument", date_from=day, limit=MAX_LIMIT, facets=False,
                           jurisdiction=sorted(codes) if codes else None)
        docs = {h.id: h.model_dump() for h in result.hits}
        docs.update({d["id"]: d for d in kb.get_many(sorted(stored))})
        for ch in changes:
            if ch.id in docs:
                ch.citation = c.citation(docs[ch.id])
                ch.version_date = c.version_date(docs[ch.id])
                ch.official_url = ch.official_url or docs[ch.id].get("source_url")
        for hit in result.hits:
            if hit.id not in stored:
                doc = docs[hit.id]
                changes.append(Change(id=hit.id, citation=c.citation(doc), change="dated",
                                      version_date=c.version_date(doc), stored_at=None,
                                      official_url=doc.get("source_url"), uri=uri_of(hit.id)))
        changes.sort(key=lambda ch: ch.stored_at or ch.version_date or "", reverse=True)
        return ChangesOutput(
            since=since, changes=changes[:limit], truncated=len(changes) > limit,
            note="changes from the record store's versions (import and crawl times), curated "
                 "entries compared at each index build, and the instruments' own dates")

    # -- reference lists ---------------------------------------------------------
    @tool("The topic taxonomy (sectors telecom, spectrum, digital-economy, ipef and their "
          "topics) with labels and synonyms in the requested language: the values the topic "
          "filter and compare accept.")
    def list_topics(lang: Lang = "en") -> TopicsOutput:
        vi = lang == "vi"
        return TopicsOutput(topics=[
            TopicOut(id=t.id, label=t.label_vi if vi else t.label, parent=t.parent,
                     synonyms=list(t.synonyms_vi if vi else t.synonyms))
            for t in taxonomy().topics.values()])

    @tool("Jurisdiction codes (ISO 3166-1 plus eu and int) with names in the requested "
          "language, and groups (ipef, asean, cptpp, rcep, oecd, eu, g20, apec) with their "
          "members: the values the jurisdiction filters accept. 'only_with_records' keeps those "
          "the base has material for.")
    def list_jurisdictions(
        group: Annotated[str | None, Field(max_length=20, description="only this group")] = None,
        only_with_records: bool = True,
        lang: Lang = "en",
    ) -> JurisdictionsOutput:
        juris = jurisdictions()
        if group and group.lower() not in juris.groups:
            raise ToolError(f"unknown group (one of {', '.join(sorted(juris.groups))})")
        codes = list(juris.entries)
        if group:
            codes = juris.members(group.lower())
        if only_with_records:
            held = set(kb.stats().get("by_jurisdiction", {}))
            codes = [code for code in codes if code in held]
        return JurisdictionsOutput(
            groups={g: juris.members(g) for g in juris.groups},
            jurisdictions=[JurisdictionOut(code=code, name=juris.name(code, lang),
                                           groups=juris.groups_of(code)) for code in codes])

    @tool("The trade agreements in the base (cptpp, depa, rcep, usmca, wto-ecom ...) with "
          "their instrument, status, number of parties, the parties bound today, and whether "
          "Viet Nam is bound: the values the agreement filter and compare accept.")
    def list_agreements(lang: Lang = "en") -> AgreementsOutput:
        out = []
        for code in agreement_codes(kb.load_entries()):
            data = kb.parties(code)
            bound = [p["party"] for p in data["parties"] if p["bound"]]
            title = data.get("title")
            entry = kb.entry(data.get("instrument_id") or "")
            if lang == "vi" and entry is not None and getattr(entry, "title_vi", None):
                title = entry.title_vi
            out.append(AgreementOut(code=code, instrument_id=data.get("instrument_id"),
                                    title=title, status=data.get("status"),
                                    parties=len(data["parties"]), in_force_for=bound,
                                    viet_nam_bound="vn" in bound if any(
                                        p["party"] == "vn" for p in data["parties"]) else None))
        return AgreementsOutput(agreements=out)

    @tool("About the data: what the base covers, how many instruments, provisions and case "
          "notes it holds, when the index was built, and the newest import or crawl per "
          "source. Use it to say how fresh an answer is.")
    def about() -> AboutOutput:
        stats = kb.stats()
        counts = {k: v for k, v in stats.items() if isinstance(v, int)}
        sources: dict[str, SourceFreshness] = {}
        stored = 0
        if kb.settings.store_path.exists():
            stored = kb.store.count()
            for work in kb.store.ids():
                for v in kb.store.versions(work):
                    prov = v.provenance or {}
                    name = str(prov.get("agent") or "unknown").split(" ")[0]
                    entry = sources.setdefault(name, SourceFreshness(
                        source=name, newest_fetch=None, newest_stored=None, works=0))
                    fetched = _iso(prov.get("fetched_at"))
                    if fetched and (entry.newest_fetch or "") < fetched:
                        entry.newest_fetch = fetched
                    if (entry.newest_stored or "") < v.stored_at:
                        entry.newest_stored = v.stored_at
                    if v.version == 1:
                        entry.works += 1
        return AboutOutput(
            description="Foreign telecommunications, radio-spectrum and digital-economy law, "
                        "trade-agreement commitments and case notes, for Viet Nam's drafters "
                        "and negotiators.",
            backend=kb.backend_name, index_built_at=stats.get("built_at"), counts=counts,
            stored_works=stored, sources=sorted(sources.values(), key=lambda s: s.source),
            notice="Curated entries carry editorial summaries (never the law); official texts "
                   "come from imports and crawls, with provenance.")

    # -- resources ---------------------------------------------------------------
    def read(path: str) -> str:
        record_id = "/" + path.lstrip("/")
        if "\x00" in record_id or len(record_id) > MAX_ID:
            raise ResourceNotFoundError("not a record id")
        try:
            doc = kb.get(record_id)
            if doc["kind"] == "instrument":
                out: BaseModel = get_instrument(id=doc["id"])
            elif doc["kind"] == "provision":
                out = get_provision(id=doc["id"])
            else:
                out = citer("en").cited(doc)
        except (RecordNotFound, ToolError) as exc:
            raise ResourceNotFoundError(str(exc)) from None
        except KBError as exc:
            raise ResourceError(str(exc)) from None
        return out.model_dump_json(indent=1)

    @server.resource("regkb://akn/{+path}", name="record", mime_type="application/json",
                     description="An instrument (first page of provisions) or a provision of "
                                 "regkb by its Akoma Ntoso id, e.g. "
                                 "regkb://akn/sg/act/2012/26/~sec_26, with citation, official "
                                 "URL, version date and text_source.")
    def record_resource(path: str) -> str:
        return read("akn/" + path)

    @server.resource("regkb://notes/{+path}", name="case-note", mime_type="application/json",
                     description="A case note (international experience) by id.")
    def note_resource(path: str) -> str:
        return read("notes/" + path)

    @server.resource("regkb://about", name="about", mime_type="application/json",
                     description="Data freshness and counts (as the about tool).")
    def about_resource() -> str:
        return about().model_dump_json(indent=1)

    # -- prompts -----------------------------------------------------------------
    @server.prompt(name="compare_ipef",
                   description="Compare how IPEF partners (and the digital trade agreements) "
                               "regulate a topic, as a cited brief.")
    def compare_ipef(
        topic: str,
        lang: str = "en",
    ) -> str:
        _clean(topic, "topic")
        if len(topic) > 200:
            raise ValueError("topic too long (at most 200 characters)")
        lang = "vi" if lang == "vi" else "en"
        try:
            grid = compare(topics=[topic], jurisdictions=["ipef"],
                           agreements=[a for a in ("cptpp", "depa", "rcep", "usmca", "wto-ecom")
                                       if a in agreement_codes(kb.load_entries())],
                           per_cell=2, lang=lang)
        except (ToolError, KBError) as exc:
            raise ValueError(str(exc)) from None
        lines = [f"- [{h.citation}] id {h.id}; {h.official_url or 'no URL'}; "
                 f"{h.text_label}; version {h.version_date or 'undated'}; "
                 f"strength {h.strength or 'n/a'}; excerpt: {h.excerpt[:300]}"
                 for cell in grid.cells for h in cell.hits]
        bound = [f"- {r.label}: Viet Nam bound={r.party_bound} since {r.party_since}"
                 for r in grid.rows if r.kind == "agreement"]
        language = "Vietnamese" if lang == "vi" else "English"
        return (
            f"Write a brief in {language} comparing how the IPEF partners and the digital "
            f"trade agreements regulate: {topic}.\n"
            "Use only the material below from regkb (call the regkb tools for more: "
            "get_provision to read a text, compare for other topics). Cite every statement "
            "with the bracketed citation and the id; give the official URL once per source. "
            "Say plainly where a text is an editorial summary, not the text of the law, and "
            "name the jurisdictions where nothing was found. End with what it means for Viet "
            "Nam, given the agreements that bind it.\n\n"
            "Material:\n" + ("\n".join(lines) or "- nothing found") +
            "\n\nViet Nam and the agreements:\n" + ("\n".join(bound) or "- none"))

    @server.prompt(name="find_counterparts",
                   description="Find foreign counterparts of a draft clause, as a cited brief. "
                               "The clause is analysed in memory and never stored.")
    def find_counterparts(clause: str, lang: str = "en") -> str:
        _clean(clause, "clause")
        if not clause.strip() or len(clause) > MAX_PASTED:
            raise ValueError(f"clause must be 1 to {MAX_PASTED} characters")
        lang = "vi" if lang == "vi" else "en"
        try:
            found = counterparts(text=clause, limit=12, lang=lang)
        except (ToolError, KBError) as exc:
            raise ValueError(str(exc)) from None
        lines = [f"- {g.label}: [{h.citation}] id {h.id}; {h.official_url or 'no URL'}; "
                 f"{h.text_label}; shared words: {', '.join(h.why) or '-'}; "
                 f"excerpt: {h.excerpt[:300]}"
                 for g in found.groups for h in g.hits]
        language = "Vietnamese" if lang == "vi" else "English"
        return (
            f"Write a brief in {language} on how foreign laws and trade agreements handle what "
            "the draft clause below does: for each close counterpart, what it requires, how it "
            "differs from the draft, and a citation (the bracketed citation and the id, with "
            "the official URL). Read a counterpart in full with get_provision before relying "
            "on it. Label editorial summaries as such; never present them as the law.\n\n"
            f"Draft clause:\n{clause}\n\nCounterparts found by regkb:\n"
            + ("\n".join(lines) or "- none found"))

    return server


def jurisdictions_() -> Any:
    """The jurisdictions list (a name the ``counterparts`` tool's parameter does not shadow)."""
    return jurisdictions()


def _candidate(c: Citer, doc: dict[str, Any]) -> Candidate:
    return Candidate(id=doc["id"], citation=c.citation(doc) if doc.get("title") else doc["id"],
                     reason=doc.get("reason"), uri=uri_of(doc["id"]))


def run(kb: KnowledgeBase, http: bool = False, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve over stdio (desktop assistants) or streamable HTTP at ``http://host:port/mcp``."""
    server = create_server(kb)
    if http:
        server.run("streamable-http", host=host, port=port)
    else:
        server.run("stdio")
