"""What every crawler source shares: its configuration, its targets, the fetch-parse loop of one
target, and the sanity checks that make a silent failure loud.

A source module (``crawlers/<source_id>.py``) defines ``class Source(CrawlerSource)`` and says:

- ``url_for(target)``: the URL of a target (pure; no network);
- optionally ``requests(target, ctx)``: the first request(s) of a target, when building them
  needs a look-up first (``ctx.get(url)`` fetches through the polite fetcher);
- optionally ``next_request(request, result)``: the next page of a paginated answer;
- optionally ``parse(request, result)``: bytes -> records. The default hands the bytes to
  ``kb.importing.parse_bytes`` with the target's format and metadata; a source only overrides
  it for source-specific glue.

``crawl_target`` runs the loop for one target and returns a ``TargetOutcome`` (records, the
fetches made, or the error that stopped it); it never raises for a fetch, parse or sanity
failure, so one bad target never stops a crawl. Sanity checks (after juriscraper's
``_check_sanity``): a target that yields no records, a record missing a required field, a
record without provisions (unless the source only serves metadata) and a date outside the
plausible range are errors for that target.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import ValidationError

from crawlers.fetcher import Disallowed, Fetcher, FetchError, FetchResult
from kb.errors import ImportFailed
from kb.importers.base import ParsedDocument
from kb.importing import ImportMeta, build_instrument, parse_bytes
from kb.models import Instrument, Provenance

META_FIELDS = frozenset(ImportMeta.model_fields)


class SanityError(Exception):
    """A target's records fail the sanity checks (no records, missing fields, odd dates)."""


class SourceConfigError(ValueError):
    """sources.yaml does not describe a source properly."""


@dataclass(frozen=True)
class Target:
    """One thing to fetch for the knowledge base: an act, a law, a treaty, a search."""

    key: str
    meta: Mapping[str, Any]  # ImportMeta fields (id, expected_title, doc_type, ...)
    params: Mapping[str, Any]  # source-specific fields (path, celex, law_id, part, ...)
    label: str = ""

    def import_meta(self, **extra: Any) -> ImportMeta:
        return ImportMeta.model_validate({**self.meta, **extra})


@dataclass(frozen=True)
class SourceConfig:
    """One entry of ``crawlers/sources.yaml``."""

    id: str
    module: str
    name: str
    jurisdiction: str
    base_url: str
    allowed_hosts: tuple[str, ...]
    format: str | None
    min_delay: float = 1.0
    max_bytes: int | None = None
    licence: str | None = None
    terms: str | None = None
    notes: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    targets: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceConfig:
        missing = [k for k in ("id", "module", "name", "jurisdiction", "base_url",
                               "allowed_hosts", "targets") if not data.get(k)]
        if missing:
            raise SourceConfigError(
                f"source {data.get('id', '?')!r} lacks {', '.join(missing)} in sources.yaml")
        known = {"id", "module", "name", "jurisdiction", "base_url", "allowed_hosts", "format",
                 "rate_limit", "max_bytes", "licence", "terms", "notes", "defaults", "options",
                 "targets"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SourceConfigError(f"source {data['id']!r}: unknown keys {unknown}")
        rate = data.get("rate_limit") or {}
        targets = tuple(data["targets"])
        keys = [t.get("key") for t in targets]
        if not all(keys) or len(set(keys)) != len(keys):
            raise SourceConfigError(f"source {data['id']!r}: every target needs a unique key")
        return cls(
            id=data["id"], module=data["module"], name=data["name"],
            jurisdiction=data["jurisdiction"], base_url=str(data["base_url"]).rstrip("/"),
            allowed_hosts=tuple(data["allowed_hosts"]), format=data.get("format"),
            min_delay=float(rate.get("min_delay", 1.0)), max_bytes=data.get("max_bytes"),
            licence=data.get("licence"), terms=data.get("terms"), notes=data.get("notes"),
            defaults=dict(data.get("defaults") or {}), options=dict(data.get("options") or {}),
            targets=targets,
        )

    def with_base_url(self, base_url: str, allowed_hosts: Iterable[str] | None = None,
                      **changes: Any) -> SourceConfig:
        """A copy pointed at another server (tests, mirrors); the allow-list follows."""
        hosts = tuple(allowed_hosts) if allowed_hosts is not None else (
            urlsplit(base_url).hostname or "",)
        return replace(self, base_url=base_url.rstrip("/"), allowed_hosts=hosts, **changes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "module": self.module, "name": self.name,
            "jurisdiction": self.jurisdiction, "base_url": self.base_url,
            "allowed_hosts": list(self.allowed_hosts), "format": self.format,
            "min_delay": self.min_delay, "licence": self.licence, "terms": self.terms,
            "targets": [t["key"] for t in self.targets],
        }


@dataclass
class Request:
    """A URL to fetch for a target, and how to read what comes back."""

    target: Target
    url: str
    fmt: str | None
    meta: ImportMeta
    name: str
    headers: Mapping[str, str] = field(default_factory=dict)
    alternates: tuple[str, ...] = ()  # tried in turn when robots.txt disallows ``url``
    page: int = 1
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class TargetOutcome:
    target: Target
    records: list[Instrument] = field(default_factory=list)
    fetches: list[FetchResult] = field(default_factory=list)
    error: str | None = None
    url: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


class TargetContext:
    """What a source may do while working on one target: fetch politely, take notes."""

    def __init__(self, source: CrawlerSource, fetcher: Fetcher | None):
        self.source = source
        self.fetcher = fetcher
        self.fetches: list[FetchResult] = []
        self.notes: list[str] = []
        self.last_url: str | None = None

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> FetchResult:
        if self.fetcher is None:
            raise FetchError(url, "no network in this context (fixtures only)")
        self.last_url = url
        result = self.fetcher.fetch(
            url, allowed_hosts=self.source.config.allowed_hosts, headers=headers,
            min_delay=self.source.config.min_delay, max_bytes=self.source.config.max_bytes,
        )
        self.fetches.append(result)
        return result


class CrawlerSource:
    """Base class of ``crawlers.<source_id>.Source``."""

    version: ClassVar[str] = "1"
    #: a record must carry provisions (False for sources that serve metadata only)
    expects_provisions: ClassVar[bool] = True
    min_date: ClassVar[dt.date] = dt.date(1800, 1, 1)
    max_future_days: ClassVar[int] = 3660  # in-force dates may lie some years ahead
    max_pages: ClassVar[int] = 1

    def __init__(self, config: SourceConfig):
        self.config = config

    # -- identity -------------------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def agent(self) -> str:
        return f"crawler/{self.config.id} {self.version}"

    # -- targets --------------------------------------------------------------------------------

    def targets(self) -> list[Target]:
        out = []
        for raw in self.config.targets:
            merged = {**self.config.defaults, **raw}
            key = str(merged.pop("key"))
            label = str(merged.pop("label", "") or "")
            meta = {k: v for k, v in merged.items() if k in META_FIELDS}
            params = {k: v for k, v in merged.items() if k not in META_FIELDS}
            out.append(Target(key=key, meta=meta, params=params, label=label))
        return out

    def target(self, key: str) -> Target:
        for target in self.targets():
            if target.key == key:
                return target
        raise KeyError(f"{self.id}: no target {key!r}")

    # -- requests -------------------------------------------------------------------------------

    def url_for(self, target: Target) -> str:
        raise NotImplementedError

    def name_for(self, target: Target, url: str) -> str:
        """A file name for the parser (some parsers read ids from it)."""
        tail = urlsplit(url).path.rstrip("/").rpartition("/")[2] or self.id
        return tail

    def meta_for(self, target: Target) -> ImportMeta:
        return target.import_meta()

    def make_request(self, target: Target, url: str | None = None, **kw: Any) -> Request:
        url = url or self.url_for(target)
        return Request(target=target, url=url, fmt=kw.pop("fmt", self.config.format),
                       meta=kw.pop("meta", None) or self.meta_for(target),
                       name=kw.pop("name", None) or self.name_for(target, url), **kw)

    def requests(self, target: Target, ctx: TargetContext) -> Iterable[Request]:
        yield self.make_request(target)

    def next_request(self, request: Request, result: FetchResult,
                     records: list[Instrument]) -> Request | None:
        return None

    def page_limit(self, target: Target) -> int:
        return int(target.params.get("max_pages") or self.config.options.get("max_pages")
                   or self.max_pages)

    # -- parsing --------------------------------------------------------------------------------

    def http_provenance(self, result: FetchResult) -> dict[str, Any]:
        return {**result.http_provenance(), "licence": self.config.licence}

    def parse(self, request: Request, result: FetchResult) -> list[Instrument]:
        """Bytes -> complete records, through ``kb.importing.parse_bytes``."""
        return parse_bytes(
            result.body, request.name, result.final_url, fmt=request.fmt, meta=request.meta,
            agent=self.agent, origin="crawled", http=self.http_provenance(result),
        )

    def build_records(self, docs: Iterable[ParsedDocument], request: Request,
                      result: FetchResult, fmt: str) -> list[Instrument]:
        """Records from documents a source-specific parser produced (same path as
        ``parse_bytes``: metadata completion, ids, tagging, provenance)."""
        provenance = Provenance(
            url=result.final_url, fetched_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            sha256=hashlib.sha256(result.body).hexdigest(), agent=self.agent,
            **self.http_provenance(result),
        )
        return [build_instrument(doc, request.meta, provenance, fmt, request.name, "crawled")
                for doc in docs]

    # -- sanity ---------------------------------------------------------------------------------

    def check_sanity(self, target: Target, records: list[Instrument]) -> None:
        """Loud errors for the ways a changed site fails silently."""
        if not records:
            raise SanityError(f"{self.id} {target.key}: no records (has the site changed?)")
        today = dt.date.today()
        latest = today + dt.timedelta(days=self.max_future_days)
        for record in records:
            where = f"{self.id} {target.key} {record.id}"
            for name in ("id", "title", "jurisdiction", "doc_type", "source_url"):
                if not getattr(record, name, None):
                    raise SanityError(f"{where}: missing {name}")
            if record.provenance is None or not record.provenance.sha256:
                raise SanityError(f"{where}: missing provenance")
            if self.expects_provisions and not record.provisions:
                raise SanityError(f"{where}: no provisions (has the markup changed?)")
            if self.expects_provisions and not any(p.text for p in record.provisions):
                raise SanityError(f"{where}: provisions without any text")
            for name, value in record.dates.model_dump().items():
                if value and not (self.min_date <= value <= latest):
                    raise SanityError(f"{where}: date {name} {value} is out of range "
                                      f"({self.min_date} .. {latest})")
            if record.version and record.version[:4].isdigit():
                year = int(record.version[:4])
                if not (self.min_date.year <= year <= latest.year):
                    raise SanityError(f"{where}: version {record.version} is out of range")

    # -- the loop of one target -----------------------------------------------------------------

    def fetch(self, ctx: TargetContext, request: Request) -> FetchResult:
        """Fetch a request, trying its alternates when robots.txt disallows the first URL."""
        urls = (request.url, *request.alternates)
        for index, url in enumerate(urls):
            try:
                result = ctx.get(url, headers=request.headers)
            except Disallowed as exc:
                if index + 1 >= len(urls):
                    raise
                ctx.notes.append(f"{exc}; trying {urls[index + 1]}")
                continue
            if index:
                request.url = url
            return result
        raise AssertionError("unreachable")

    def crawl_target(self, target: Target, fetcher: Fetcher | None) -> TargetOutcome:
        ctx = TargetContext(self, fetcher)
        outcome = TargetOutcome(target=target)
        try:
            limit = self.page_limit(target)
            for request in self.requests(target, ctx):
                current: Request | None = request
                while current is not None:
                    result = self.fetch(ctx, current)
                    records = self.parse(current, result)
                    outcome.records.extend(records)
                    current = (self.next_request(current, result, records)
                               if current.page < limit else None)
            self.check_sanity(target, outcome.records)
        except (FetchError, ImportFailed, SanityError) as exc:
            outcome.error = str(exc)
        except ValidationError as exc:
            outcome.error = f"invalid metadata or record: {exc}"
        except Exception as exc:  # a parser bug must not stop the crawl
            outcome.error = f"unexpected {type(exc).__name__}: {exc}"
        outcome.fetches = ctx.fetches
        outcome.notes = ctx.notes
        outcome.url = ctx.last_url
        if outcome.error:
            outcome.records = []
        return outcome

    # -- fixtures (health) ----------------------------------------------------------------------

    def fixture_request(self, target: Target, url: str | None = None) -> Request:
        """The request a saved response answers, for parsing it without the network."""
        return self.make_request(target, url)

    def parse_fixture(self, target: Target, data: bytes, url: str | None = None,
                      content_type: str | None = None) -> list[Instrument]:
        request = self.fixture_request(target, url)
        result = FetchResult(
            url=request.url, final_url=request.url, status=200, body=data,
            content_type=content_type, etag=None, last_modified=None,
            fetched_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        records = self.parse(request, result)
        self.check_sanity(target, records)
        return records
