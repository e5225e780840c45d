"""Saved searches ("watches"), what is new for each, their Atom feeds, and the change feed.

A watch is a search kept under a name (the query and the filters of ``kb search``), stored in
the record store. Running it reports what matches now and was not reported before, and the
texts stored since its last run that match it (a new version of a work already reported is
news too). Texts imported but not yet indexed are matched in a small throw-away index of
their own, with the same query meaning as the real one, so an alert never waits for
``kb index``.

The change feed lists, oldest first, every version the record store keeps (a new work, a new
version, a status change) and the curated entries that changed between two index builds.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.errors import InvalidQuery, RecordNotFound
from kb.export import page_url
from kb.search import MAX_LIMIT, Hit, SearchQuery

if TYPE_CHECKING:
    from kb.core import KnowledgeBase
    from kb.models import Record
    from kb.store import RecordStore

NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
# the parameters of ``kb search`` a watch keeps, as ``SearchQuery.from_params`` names them
FILTERS = ("jurisdiction", "sector", "topic", "kind", "type", "status", "language", "strength",
           "agreement", "date_from", "date_to")
MAX_MATCHES = 1000  # matches of the index a run compares with what it reported before
FEED_ENTRIES = 50
FEED_CANDIDATES = 200  # best matches the feed orders by time, keeping the newest FEED_ENTRIES
CHANGES_LIMIT = 500
ATOM_NS = "http://www.w3.org/2005/Atom"
TAG = "tag:regkb,2025:"
log = logging.getLogger("regkb.watch")


# -- watches ------------------------------------------------------------------------------
@dataclass
class Watch:
    name: str
    query: str
    filters: dict[str, Any]
    webhook_url: str | None = None
    webhook_secret: str | None = None
    created_at: str = ""
    last_run_at: str | None = None
    last_delivery: dict[str, Any] | None = None
    seen: int = 0

    def search_query(self, limit: int = MAX_LIMIT, after: list[Any] | None = None
                     ) -> SearchQuery:
        return SearchQuery.from_params(self.query, **self.filters, limit=limit, after=after,
                                       facets=False)

    def public(self) -> dict[str, Any]:
        """What anyone may read: everything but the webhook secret."""
        return {"name": self.name, "query": self.query, "filters": self.filters,
                "created_at": self.created_at, "last_run_at": self.last_run_at,
                "reported": self.seen, "webhook_url": self.webhook_url,
                "webhook_signed": bool(self.webhook_secret),
                "last_delivery": self.last_delivery}


def _filters(params: dict[str, Any]) -> dict[str, Any]:
    """The filters given, in ``kb search`` names, without empty ones; lists kept as lists."""
    unknown = set(params) - set(FILTERS)
    if unknown:
        raise InvalidQuery(f"unknown filter {sorted(unknown)[0]!r} (one of {', '.join(FILTERS)})")
    out: dict[str, Any] = {}
    for name in FILTERS:
        value = params.get(name)
        if value in (None, "", []):
            continue
        out[name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def check_name(name: str) -> str:
    if not NAME_RE.fullmatch(name or ""):
        raise InvalidQuery(f"bad watch name {name!r}: lower-case letters, digits and hyphens, "
                           "1-64 characters, starting and ending with a letter or digit "
                           "(spectrum-auctions)")
    return name


def check_webhook(url: str | None) -> str | None:
    if url is None:
        return None
    if not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", url):
        raise InvalidQuery(f"bad webhook URL {url!r}: give an http:// or https:// URL")
    return url


def add_watch(kb: KnowledgeBase, name: str, query: str = "", webhook_url: str | None = None,
              secret: str | None = None, **params: Any) -> Watch:
    """Save a search under ``name``; what it matches now counts as already reported.

    A bad name, a filter value no record can have, or a name already taken is an
    ``InvalidQuery``.
    """
    check_name(name)
    check_webhook(webhook_url)
    if secret and not webhook_url:
        raise InvalidQuery("--secret signs webhook deliveries: give --webhook too")
    watch = Watch(name=name, query=query.strip(), filters=_filters(params),
                  webhook_url=webhook_url, webhook_secret=secret or None)
    watch.search_query()  # a bad filter value is an error now, not at the first run
    if kb.store.watch(name) is not None:
        raise InvalidQuery(f"a watch named {name!r} already exists (kb watch remove {name})")
    baseline = [h.id for h in index_matches(kb, watch)] if kb.backend.exists() else []
    try:
        kb.store.add_watch(name, watch.query, watch.filters, webhook_url, watch.webhook_secret)
    except ValueError as exc:  # added meanwhile by someone else
        raise InvalidQuery(str(exc)) from None
    kb.store.mark_seen(name, baseline, ran=False)
    return get_watch(kb.store, name)


def get_watch(store: RecordStore, name: str) -> Watch:
    data = store.watch(name)
    if data is None:
        raise RecordNotFound(f"no watch named {name!r} (kb watch list)")
    return Watch(**{k: v for k, v in data.items()})


def list_watches(store: RecordStore) -> list[Watch]:
    return [Watch(**data) for data in store.watches()]


def remove_watch(store: RecordStore, name: str) -> None:
    if not store.remove_watch(name):
        raise RecordNotFound(f"no watch named {name!r} (kb watch list)")


# -- matching -----------------------------------------------------------------------------
def index_matches(kb: KnowledgeBase, watch: Watch, cap: int = MAX_MATCHES) -> list[Hit]:
    """The watch's matches in the search index, best first, at most ``cap``."""
    hits: list[Hit] = []
    after = None
    while len(hits) < cap:
        size = min(MAX_LIMIT, cap - len(hits))
        result = kb.search(watch.search_query(size, after))
        hits.extend(result.hits)
        if len(result.hits) < size or result.hits[-1].sort is None:
            break
        after = result.hits[-1].sort
    return list({h.id: h for h in hits}.values())


def stored_records(kb: KnowledgeBase, keys: Iterable[str], since: str | None = None
                   ) -> tuple[list[Record], dict[str, set[str] | None]]:
    """The current records of these store keys, as the index would hold them (merged with
    their curated entries), and for each instrument the ids of what changed since ``since``
    (None: all of it is new)."""
    from kb.core import merge
    from kb.ingest import current_text
    from kb.models import Instrument

    curated = {r.id: r for r in kb.load_entries().records}
    records: list[Record] = []
    changed: dict[str, set[str] | None] = {}
    for key in keys:
        if "#" in key or re.search(r"@[a-z]{2,3}$", key):  # corrigenda, legacy expression keys
            continue
        record = kb.store.get(key)
        if record is None:
            continue
        if isinstance(record, Instrument):
            record = current_text(kb.store, record)
            base = curated.get(record.id)
            if isinstance(base, Instrument):
                record = merge(base, record)
            changed[record.id] = _changed_parts(kb.store, key, record, since)
        records.append(record)
    return records, changed


def _changed_parts(store: RecordStore, key: str, record: Any, since: str | None
                   ) -> set[str] | None:
    """Ids of the instrument and of its provisions whose text differs from the newest
    version stored before ``since``; None when there is no such version (all is new)."""
    if since is None:
        return None
    older = [v for v in store.versions(key) if v.stored_at < since]
    if not older:
        return None
    before = store.get(key, version=older[-1].version)
    old = {p.eid: (p.number, p.heading, p.text) for p in getattr(before, "provisions", [])}
    parts = {f"{record.id}/~{p.eid}" for p in record.provisions
             if old.get(p.eid) != (p.number, p.heading, p.text)}
    return {record.id, *parts}


def match_records(kb: KnowledgeBase, watches: list[Watch], records: list[Record],
                  changed: dict[str, set[str] | None] | None = None) -> dict[str, list[Hit]]:
    """Each watch's matches among ``records``, found in a throw-away index of them alone.

    The query means what it means in the real index (the same analysis, the same admission
    rules); only scores differ, and only matches are asked for. ``changed`` keeps, for an
    instrument, only the documents that changed.
    """
    from kb.backends.embedded import TantivyBackend
    from kb.documents import record_docs

    if not records or not watches:
        return {w.name: [] for w in watches}
    changed = changed or {}

    def wanted(doc: dict[str, Any]) -> bool:
        parts = changed.get(doc.get("instrument_id") or doc["id"])
        return parts is None or doc["id"] in parts

    docs = [d for d in record_docs(records) if wanted(d)]
    out: dict[str, list[Hit]] = {w.name: [] for w in watches}
    if not docs:
        return out
    with tempfile.TemporaryDirectory(prefix="regkb-watch-") as folder:
        backend = TantivyBackend(Path(folder) / "index")
        try:
            backend.rebuild(docs)
            for watch in watches:
                hits: list[Hit] = []
                after = None
                while len(hits) < MAX_MATCHES:
                    result = backend.search(watch.search_query(MAX_LIMIT, after))
                    hits.extend(result.hits)
                    if len(result.hits) < MAX_LIMIT or result.hits[-1].sort is None:
                        break
                    after = result.hits[-1].sort
                out[watch.name] = hits
        finally:
            backend.close()
    return out


@dataclass
class RunResult:
    watch: Watch
    new: list[dict[str, Any]] = field(default_factory=list)
    since: str | None = None
    ran_at: str | None = None


def item(hit: Hit, change: str, base_url: str = "") -> dict[str, Any]:
    """One reported record: what a person (or a webhook receiver) needs to open it."""
    return {"id": hit.id, "kind": hit.kind, "change": change, "title": hit.title,
            "title_vi": hit.title_vi, "instrument_id": hit.instrument_id,
            "instrument_title": hit.instrument_title, "jurisdiction": hit.jurisdiction,
            "status": hit.status, "date": hit.date, "official_url": hit.source_url,
            "page": page_url(hit.id, base_url)}


def run_watch(kb: KnowledgeBase, name: str, record: bool = True) -> RunResult:
    """What is new for a watch since its last run (else since it was added); with ``record``
    the run is remembered, so the same records are not reported again."""
    watch = get_watch(kb.store, name)
    since = watch.last_run_at or watch.created_at
    seen = kb.store.seen(name)
    found: dict[str, dict[str, Any]] = {}
    if kb.backend.exists():
        for hit in index_matches(kb, watch):
            if hit.id not in seen:
                found[hit.id] = item(hit, "new")
    records, changed = stored_records(kb, kb.store.stored_since(since), since)
    for hit in match_records(kb, [watch], records, changed)[name]:
        if hit.id not in found:
            found[hit.id] = item(hit, "updated" if hit.id in seen else "new")
    result = RunResult(watch, list(found.values()), since)
    if record:
        result.ran_at = kb.store.mark_seen(name, found)
    return result


# -- Atom ---------------------------------------------------------------------------------
def _rfc3339(value: str | None) -> str | None:
    """An ISO date or time as an Atom date-time in UTC (``2024-05-01T00:00:00Z``)."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_feed(kb: KnowledgeBase, name: str, base_url: str) -> bytes:
    """The watch's newest matches as an Atom 1.0 feed (RFC 4287).

    An entry's ``updated`` is when the base last gained its text (the record store's time
    for imported texts, the index build that first saw a curated entry or its last edit),
    else the record's own date; the entries are the newest of the best matches.
    """
    watch = get_watch(kb.store, name)
    base = base_url.rstrip("/")
    hits = index_matches(kb, watch, cap=FEED_CANDIDATES) if kb.backend.exists() else []
    works = {h.id: h.instrument_id or h.id for h in hits}
    stored = kb.store.work_times(set(works.values()))
    curated = kb.store.curated_seen_at(set(works.values()))
    generated = _rfc3339(dt.datetime.now(dt.UTC).isoformat())
    dated = []
    for hit in hits:
        work = works[hit.id]
        when = (_rfc3339(stored.get(work)) or _rfc3339(curated.get(work))
                or _rfc3339(hit.date) or generated)
        dated.append((when, hit))
    dated.sort(key=lambda pair: pair[0], reverse=True)
    dated = dated[:FEED_ENTRIES]

    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "vi"})
    sub(feed, "id", f"{TAG}watch/{watch.name}")
    sub(feed, "title", f"regkb – theo dõi «{watch.name}»: {watch.query or '(mọi văn bản)'}")
    described = ", ".join(f"{k}={v if isinstance(v, str) else ','.join(v)}"
                          for k, v in watch.filters.items())
    sub(feed, "subtitle", "Tìm kiếm đã lưu" + (f" ({described})" if described else "")
        + f": {len(dated)} kết quả mới nhất")
    sub(feed, "updated", dated[0][0] if dated else _rfc3339(watch.created_at) or generated)
    author = sub(feed, "author")
    sub(author, "name", "regkb")
    sub(feed, "generator", "regkb")
    sub(feed, "link", rel="self", type="application/atom+xml",
        href=f"{base}/v1/watches/{watch.name}.atom")
    for when, hit in dated:
        entry = sub(feed, "entry")
        sub(entry, "id", TAG + hit.id)
        title = hit.title
        if hit.kind == "provision" and hit.instrument_title:
            title = f"{hit.instrument_title}, {hit.title}"
        sub(entry, "title", title)
        sub(entry, "updated", when)
        sub(entry, "link", rel="alternate", type="text/html", href=page_url(hit.id, base) or "")
        if hit.source_url and hit.source_url.startswith(("http://", "https://")):
            sub(entry, "link", rel="related", href=hit.source_url, title="văn bản chính thức")
        if hit.date:
            sub(entry, "published", _rfc3339(hit.date) or when)
        for term in (hit.kind, hit.jurisdiction, *hit.topics):
            if term:
                sub(entry, "category", term=term)
        sub(entry, "summary", hit.excerpt or hit.title_vi or hit.title, type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8",
                                                                    xml_declaration=False)


# -- the change feed ----------------------------------------------------------------------
def parse_since(value: str | None) -> str:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS`` (UTC unless an offset is given) as the
    store's time format; anything else is an ``InvalidQuery``."""
    if value is None or value == "":
        return ""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?"
                        r"(?:Z|[+-]\d{2}:?\d{2})?)?", value.strip()):
        raise InvalidQuery(f"since: {value!r} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS")
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidQuery(f"since: {value!r} is not a valid date or time ({exc})") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _encode(key: tuple[str, str, str, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, str, str, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, rid, src, seq = json.loads(raw)
        if not (isinstance(at, str) and isinstance(rid, str) and src in ("store", "curated")
                and isinstance(seq, int)):
            raise ValueError
    except (ValueError, TypeError, binascii.Error):
        raise InvalidQuery(f"after: {cursor[:40]!r} is not a cursor of this feed "
                           "(use the `next` of the previous page)") from None
    return at, rid, src, seq


def changes(store: RecordStore, since: str | None = None, limit: int = 100,
            after: str | None = None, newest_first: bool = False,
            base_url: str = "") -> dict[str, Any]:
    """One page of the change feed, oldest first (``newest_first`` for the reverse).

    Items: ``new`` (a work first stored), ``new-version``, ``status`` (a version whose
    status differs from the version before it), and for curated entries between two index
    builds ``new``, ``status``, ``edited`` or ``removed``. ``next`` is the cursor of the
    following page (None on the last).
    """
    if not 1 <= limit <= CHANGES_LIMIT:
        raise InvalidQuery(f"limit: between 1 and {CHANGES_LIMIT}")
    start = parse_since(since)
    key = _decode(after) if after else None
    rows = store.change_rows(start, key, limit + 1, newest_first)
    more = len(rows) > limit
    rows = rows[:limit]
    items = []
    for row in rows:
        seq = row.pop("seq")
        cursor = _encode((row["at"], row["id"], row["source"], seq))
        record_page = page_url(row["id"], base_url) if "@" not in row["id"] else None
        items.append({**row, "page": record_page, "cursor": cursor})
    return {"since": start or None, "order": "newest-first" if newest_first else "oldest-first",
            "items": items, "next": items[-1]["cursor"] if more and items else None}


def iter_changes(store: RecordStore, since: str | None = None, newest_first: bool = False
                 ) -> Iterator[dict[str, Any]]:
    """Every item of the change feed from ``since``, page by page."""
    after = None
    while True:
        page = changes(store, since, CHANGES_LIMIT, after, newest_first)
        yield from page["items"]
        if not page["next"]:
            return
        after = page["next"]


def note_curated(store: RecordStore, records: Iterable[Record]) -> int:
    """Log the curated entries that changed since the previous index build (called by
    ``KnowledgeBase.index``); the first build only records them. A store that cannot be
    written (read-only, locked) costs the feed these changes, never the index build."""
    import sqlite3

    from kb.store import content_hash

    try:
        return store.note_curated(
            (r.id, r.kind, r.title, getattr(r, "status", None), content_hash(r), r.source)
            for r in records)
    except sqlite3.Error:
        log.warning("curated entries not compared with the previous build", exc_info=True)
        return 0
