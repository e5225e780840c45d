"""Run crawlers: sources from sources.yaml, targets into the record store, resumably.

Public functions (the ``kb crawl`` command calls these):

- ``list_sources() -> list[dict]``: every source with its targets, licence and terms;
- ``crawl(source_id, store, settings, limit=None, progress=None, fetcher=None) -> CrawlSummary``;
- ``health(fixtures_dir=None) -> list[dict]``: each source's parser run on its saved responses
  (``crawlers/fixtures/<source_id>/``), reporting a source whose parser yields nothing or fails;
- ``get_source(source_id)``, ``load_sources()``, ``make_fetcher(settings)`` for finer control.

Resuming: the raw-response cache (conditional GET) and the store's idempotent ``put`` make a
second run cheap and duplicate-free; in addition a per-source state file
``{KB_HOME}/crawl-state/{source}.json`` lists the targets finished in the current run, so a run
killed halfway and started again skips them without a request. The file is removed when a run
completes.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from crawlers.base import CrawlerSource, SourceConfig, SourceConfigError
from crawlers.fetcher import DEFAULT_USER_AGENT, Fetcher
from kb.config import Settings
from kb.store import RecordStore

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCES_FILE = PACKAGE_DIR / "sources.yaml"
FIXTURES_DIR = PACKAGE_DIR / "fixtures"

Progress = Callable[[dict[str, Any]], None]


# -- sources -------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _read_sources(path: Path) -> dict[str, SourceConfig]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SourceConfigError(f"{path}: cannot read: {exc}") from exc
    out: dict[str, SourceConfig] = {}
    for entry in data.get("sources") or []:
        config = SourceConfig.from_dict(entry)
        if config.id in out:
            raise SourceConfigError(f"{path}: source {config.id!r} is listed twice")
        if config.module.rpartition(".")[2] != config.id:
            raise SourceConfigError(
                f"{path}: source {config.id!r} must live in a module named after it "
                f"(got {config.module!r})")
        out[config.id] = config
    return out


def load_sources(path: Path | None = None) -> dict[str, SourceConfig]:
    """The sources of ``crawlers/sources.yaml`` (or another file), by id."""
    return dict(_read_sources(path or SOURCES_FILE))


def list_sources(path: Path | None = None) -> list[dict[str, Any]]:
    """Every source: id, name, jurisdiction, base URL, format, licence, terms, target keys."""
    return [config.as_dict() for config in load_sources(path).values()]


def source_from_config(config: SourceConfig) -> CrawlerSource:
    module = importlib.import_module(config.module)
    cls = getattr(module, "Source", None)
    if cls is None or not issubclass(cls, CrawlerSource):
        raise SourceConfigError(f"{config.module} defines no Source(CrawlerSource) class")
    return cls(config)


def get_source(source_id: str, *, base_url: str | None = None,
               allowed_hosts: list[str] | None = None, **changes: Any) -> CrawlerSource:
    """A source ready to crawl; ``base_url`` points it at another server (tests, mirrors)."""
    sources = load_sources()
    if source_id not in sources:
        raise SourceConfigError(
            f"unknown source {source_id!r} (known: {', '.join(sorted(sources))})")
    config = sources[source_id]
    if base_url:
        config = config.with_base_url(base_url, allowed_hosts, **changes)
    elif changes or allowed_hosts:
        if allowed_hosts:
            changes["allowed_hosts"] = tuple(allowed_hosts)
        config = replace(config, **changes)
    return source_from_config(config)


def make_fetcher(settings: Settings, **kwargs: Any) -> Fetcher:
    """The fetcher ``crawl`` uses by default: cache under ``{cache_dir}/http``."""
    kwargs.setdefault("user_agent", os.environ.get("KB_CRAWL_USER_AGENT") or DEFAULT_USER_AGENT)
    return Fetcher(settings.cache_dir / "http", **kwargs)


# -- summary and state ---------------------------------------------------------------------------


@dataclass
class Failure:
    target: str
    reason: str
    url: str | None = None


@dataclass
class CrawlSummary:
    source: str
    targets: int = 0
    fetched: int = 0  # responses downloaded (200)
    not_modified: int = 0  # 304: served from the cache, nothing downloaded
    new: int = 0
    changed: int = 0  # a new version of a stored record
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0  # already done by an interrupted run of which this one is the resumption
    failures: list[Failure] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started_at: str = ""
    finished_at: str = ""

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class CrawlState:
    """The targets finished in the current run of one source (``crawl-state/<id>.json``)."""

    def __init__(self, path: Path, source: str):
        self.path = path
        self.source = source
        self.completed: list[str] = []
        self.started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.resumed = False
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("source") == source:
            self.completed = [str(k) for k in data.get("completed") or []]
            self.started_at = str(data.get("started_at") or self.started_at)
            self.resumed = bool(self.completed)

    def done(self, key: str) -> None:
        if key not in self.completed:
            self.completed.append(key)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(json.dumps({"source": self.source, "started_at": self.started_at,
                                   "completed": self.completed}, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)

    def clear(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def state_path(settings: Settings, source_id: str) -> Path:
    return settings.home / "crawl-state" / f"{source_id}.json"


# -- crawl ---------------------------------------------------------------------------------------


def crawl(
    source_id: str,
    store: RecordStore,
    settings: Settings,
    limit: int | None = None,
    progress: Progress | None = None,
    fetcher: Fetcher | None = None,
    *,
    source: CrawlerSource | None = None,
) -> CrawlSummary:
    """Crawl one source into the store and say what happened.

    ``limit`` caps the number of targets (the first ones of sources.yaml). ``progress`` is
    called with a dict per event: ``{"source", "target", "index", "total", "event"}`` where
    event is ``start``, ``done`` (with ``new``/``changed``/``unchanged``), ``failed`` (with
    ``reason``) or ``skipped``. An exception raised by ``progress`` (or a KeyboardInterrupt)
    stops the crawl; the targets finished so far stay recorded, so the next call resumes.
    ``source`` replaces the configured source (tests, mirrors).
    """
    src = source or get_source(source_id)
    targets = src.targets()
    if limit is not None:
        targets = targets[: max(0, limit)]
    state = CrawlState(state_path(settings, src.id), src.id)
    summary = CrawlSummary(source=src.id, targets=len(targets), started_at=state.started_at)
    if state.resumed:
        summary.notes.append(f"resuming a run started {state.started_at}: "
                             f"{len(state.completed)} target(s) already done")
    own_fetcher = fetcher is None
    fetcher = fetcher or make_fetcher(settings)

    def emit(event: str, index: int, key: str, **extra: Any) -> None:
        if progress:
            progress({"source": src.id, "target": key, "index": index,
                      "total": len(targets), "event": event, **extra})

    try:
        for index, target in enumerate(targets, start=1):
            if target.key in state.completed:
                summary.skipped += 1
                emit("skipped", index, target.key)
                continue
            emit("start", index, target.key)
            outcome = src.crawl_target(target, fetcher)
            for result in outcome.fetches:
                if result.not_modified:
                    summary.not_modified += 1
                else:
                    summary.fetched += 1
            summary.notes += [f"{target.key}: {note}" for note in outcome.notes]
            if not outcome.ok:
                summary.failed += 1
                summary.failures.append(Failure(target.key, outcome.error or "", outcome.url))
                emit("failed", index, target.key, reason=outcome.error)
                continue
            counts = {"new": 0, "new-version": 0, "unchanged": 0}
            for record in outcome.records:
                result = store.put(record)
                counts[result.status] += 1
                summary.records.append({"id": record.id, "title": record.title,
                                        "status": result.status, "version": result.version,
                                        "target": target.key})
            summary.new += counts["new"]
            summary.changed += counts["new-version"]
            summary.unchanged += counts["unchanged"]
            state.done(target.key)
            emit("done", index, target.key, new=counts["new"], changed=counts["new-version"],
                 unchanged=counts["unchanged"])
    finally:
        if own_fetcher:
            fetcher.close()
    state.clear()
    summary.finished_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return summary


# -- health --------------------------------------------------------------------------------------


def health(fixtures_dir: Path | None = None, sources: list[str] | None = None) -> list[dict]:
    """Run each source's parser on its saved responses; report the ones that yield nothing.

    Fixtures live in ``{fixtures_dir}/<source_id>/`` with a ``fixtures.yaml`` listing
    ``- {file: ..., target: <target key>, url: <optional URL it came from>}``. A source is
    healthy when every fixture parses into records that pass the sanity checks. Nothing here
    raises: every problem becomes a line of the report.
    """
    root = fixtures_dir or FIXTURES_DIR
    report = []
    for source_id, config in load_sources().items():
        if sources and source_id not in sources:
            continue
        entry: dict[str, Any] = {"source": source_id, "ok": False, "fixtures": 0,
                                 "records": 0, "provisions": 0, "errors": []}
        report.append(entry)
        folder = root / source_id
        manifest = folder / "fixtures.yaml"
        try:
            src = source_from_config(config)
            items = yaml.safe_load(manifest.read_text(encoding="utf-8")) or []
        except FileNotFoundError:
            entry["errors"].append(f"no saved responses ({manifest} is missing)")
            continue
        except Exception as exc:
            entry["errors"].append(f"{type(exc).__name__}: {exc}")
            continue
        for item in items:
            entry["fixtures"] += 1
            name = str(item.get("file", "?"))
            try:
                target = src.target(str(item["target"]))
                data = (folder / name).read_bytes()
                records = src.parse_fixture(target, data, item.get("url"))
            except Exception as exc:
                entry["errors"].append(f"{name}: {type(exc).__name__}: {exc}")
                continue
            entry["records"] += len(records)
            entry["provisions"] += sum(len(r.provisions) for r in records)
        if not entry["fixtures"]:
            entry["errors"].append("fixtures.yaml lists no saved responses")
        entry["ok"] = not entry["errors"] and entry["records"] > 0
    return report
