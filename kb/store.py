"""The record store: every version of every imported or crawled record, with provenance.

It is the source of truth for everything that is not a YAML entry; search indexes are derived
from it and can always be rebuilt. Writes are transactional (SQLite, WAL), so an import or
crawl that dies halfway leaves every earlier record intact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import orjson

from kb.models import CaseNote, Dates, Instrument, Period, Provenance, Record

PutStatus = Literal["new", "unchanged", "new-version"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS works (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    work_id TEXT NOT NULL REFERENCES works(id),
    version INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL,
    record TEXT NOT NULL,
    provenance TEXT,
    stored_at TEXT NOT NULL,
    PRIMARY KEY (work_id, version)
);
CREATE TABLE IF NOT EXISTS identities (
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    work_id TEXT NOT NULL,
    PRIMARY KEY (name, value, work_id)
);
"""

# Saved searches, what each has already reported, webhook deliveries, and the curated entries
# as the last index build saw them (kb.watch, kb.webhooks). Additive: the tables above keep
# their meaning. The index on versions lets the change feed page by time without reading the
# stored records.
_WATCH_SCHEMA = """
CREATE TABLE IF NOT EXISTS watches (
    name TEXT PRIMARY KEY,
    query TEXT NOT NULL,
    filters TEXT NOT NULL,
    webhook_url TEXT,
    webhook_secret TEXT,
    created_at TEXT NOT NULL,
    last_run_at TEXT
);
CREATE TABLE IF NOT EXISTS watch_seen (
    watch TEXT NOT NULL,
    record_id TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (watch, record_id)
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    watch TEXT NOT NULL,
    url TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    http_status INTEGER,
    last_error TEXT,
    created_at TEXT NOT NULL,
    last_attempt_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_watch ON webhook_deliveries(watch, id);
CREATE TABLE IF NOT EXISTS curated_states (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT,
    status TEXT,
    content_sha256 TEXT NOT NULL,
    seen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS curated_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    change TEXT NOT NULL,
    title TEXT,
    status TEXT,
    previous_status TEXT,
    source_url TEXT,
    detected_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS curated_changes_at ON curated_changes(detected_at, id, seq);
CREATE INDEX IF NOT EXISTS versions_stored_at ON versions(stored_at, work_id, version);
"""


@dataclass(frozen=True)
class PutResult:
    id: str
    status: PutStatus
    version: int
    current: bool = True  # False: stored, but an older text than the current one


@dataclass(frozen=True)
class VersionInfo:
    version: int
    content_sha256: str
    stored_at: str
    provenance: dict | None
    current: bool


_NOT_CONTENT = ("provenance", "origin")


def _digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def content_hash(record: Record) -> str:
    """Hash of what a record says, ignoring when and how it was fetched."""
    return _digest(record.model_dump(mode="json", exclude=set(_NOT_CONTENT)))


def _hash_and_payload(record: Record) -> tuple[str, str]:
    """``content_hash`` and the stored JSON from one dump of the record (bulk writes)."""
    data = record.model_dump(mode="json")
    hidden = {key: data.pop(key) for key in _NOT_CONTENT if key in data}
    digest = _digest(data)
    data.update(hidden)
    return digest, orjson.dumps(data).decode()


def _now() -> str:
    """The time in UTC to the microsecond: a watch run and a text stored in the same second
    must still be told apart (``stored_since`` of the last run must not report it again)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _expression_date(record: Record) -> str:
    """The date that orders the texts of one work: the document's own (``version``), as text.

    Versions are ordered by it, not by when they were imported; a text without one sorts
    before any dated text.
    """
    value = getattr(record, "version", None) or ""
    return value if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else ""


# ``/akn/eu/act/regulation/2016/679@fr``: how expressions were keyed before they had ids
_LEGACY_EXPRESSION = re.compile(r"(?P<work>/akn/[^@#~]+)@(?P<language>[a-z]{2,3})")


def _is_annotation(key: str) -> bool:
    """Another-language expressions (``@``) and corrigenda (``#``) are filed beside a work:
    they never carry its identity (the work is found by its identifiers, not them)."""
    return "@" in key or "#" in key


def _parse(kind: str, payload: str) -> Record:
    model = CaseNote if kind == "case-note" else Instrument
    return model.model_validate_json(payload)


def _listed(key: str, expressions: bool) -> bool:
    """Whether ``iter_current`` lists what is stored under ``key``: never a corrigendum, an
    other-language expression only when asked."""
    return "#" not in key and ("@" not in key or expressions)


def _listed_id(key: str, kind: str) -> str | None:
    """The id a record stored under ``key`` is listed under: an instrument's expression filed
    by an older version under ``{id}@{lang}`` gets its expression id (None when it has none)."""
    legacy = _LEGACY_EXPRESSION.fullmatch(key)
    if not legacy or kind == "case-note":
        return key
    from kb.ids import InvalidId, expression_id

    try:
        return expression_id(legacy["work"], legacy["language"])
    except InvalidId:
        return None


def _as_listed(key: str, record: Record) -> Record | None:
    """A stored record as listed: an old-style expression key gives it its expression id
    (``_listed_id``)."""
    if not isinstance(record, Instrument) or not _LEGACY_EXPRESSION.fullmatch(key):
        return record
    listed = _listed_id(key, record.kind)
    return record.model_copy(update={"id": listed}) if listed else None


# the current version of every work, in the order of their store keys
_CURRENT_ROWS = (
    "SELECT w.id, w.kind, v.record FROM works w JOIN versions v "
    "ON v.work_id = w.id AND v.version = w.current_version ORDER BY w.id"
)


class RecordStore:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(versions)")}
        if "expression_date" not in columns:  # stores written before versions were dated
            with self._db:
                self._db.execute("ALTER TABLE versions ADD COLUMN expression_date TEXT")
        self._db.executescript(_WATCH_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def put(self, record: Record, key: str | None = None, dry_run: bool = False,
            amend: bool = False) -> PutResult:
        """Store a record; a changed text becomes a new version, a known one is a no-op.

        ``key`` defaults to the record id; another language of the same work is stored under
        ``{id}@{language}``, a corrigendum under ``{id}#corrigendum-{date}``. A text identical
        to any stored version is ``unchanged``. The current version is the one with the latest
        expression date (the document's own date, not the import order) that is not in the
        future. ``amend`` replaces the current version instead of adding one: the record is
        the same text with more of its parts (a US Code section imported chunk by chunk), so
        the history gains no "version" that never existed. ``dry_run`` says what would happen
        and writes nothing.
        """
        key = key or record.id
        digest = content_hash(record)
        provenance = (
            record.provenance.model_dump_json() if getattr(record, "provenance", None) else None
        )
        date = _expression_date(record)
        with self._db:
            rows = self._db.execute(
                "SELECT version, content_sha256, COALESCE(expression_date, '') FROM versions "
                "WHERE work_id = ? ORDER BY version", (key,)).fetchall()
            current_row = self._db.execute(
                "SELECT current_version FROM works WHERE id = ?", (key,)).fetchone()
            for version, known_digest, _ in rows:
                if known_digest == digest:
                    return PutResult(key, "unchanged", version,
                                     bool(current_row) and current_row[0] == version)
            if amend and current_row:
                if not dry_run:
                    self._db.execute(
                        "UPDATE versions SET content_sha256 = ?, record = ?, provenance = ?, "
                        "stored_at = ?, expression_date = ? WHERE work_id = ? AND version = ?",
                        (digest, record.model_dump_json(), provenance, _now(), date, key,
                         current_row[0]))
                    self._db.execute("UPDATE works SET updated_at = ? WHERE id = ?",
                                     (_now(), key))
                    self._index_identity(key, record)
                return PutResult(key, "new", current_row[0], True)
            version = (rows[-1][0] + 1) if rows else 1
            dated = [(d, v) for v, _, d in rows] + [(date, version)]
            today = dt.date.today().isoformat()
            current = max((d <= today, d, v) for d, v in dated)[2]
            status: PutStatus = "new-version" if rows else "new"
            if dry_run:
                return PutResult(key, status, version, current == version)
            now = _now()
            self._db.execute(
                "INSERT INTO versions (work_id, version, content_sha256, record, provenance, "
                "stored_at, expression_date) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, version, digest, record.model_dump_json(), provenance, now, date),
            )
            if rows:
                self._db.execute(
                    "UPDATE works SET current_version = ?, updated_at = ? WHERE id = ?",
                    (current, now, key),
                )
            else:
                self._db.execute(
                    "INSERT INTO works VALUES (?, ?, ?, ?, ?)",
                    (key, record.kind, version, now, now),
                )
            self._index_identity(key, record)
        return PutResult(key, status, version, current == version)

    def _index_identity(self, key: str, record: Record) -> None:
        if _is_annotation(key) or not isinstance(record, Instrument):
            return
        from kb.ids import identity_keys

        self._db.executemany(
            "INSERT OR IGNORE INTO identities VALUES (?, ?, ?)",
            [(name, value, key)
             for name, value in identity_keys(record.native_ids, record.jurisdiction)],
        )

    def find_identity(self, keys: Iterable[tuple[str, str]]) -> set[str]:
        """Stored works with any of these identity keys (``kb.ids.identity_keys``)."""
        found: set[str] = set()
        for name, value in keys:
            found.update(r[0] for r in self._db.execute(
                "SELECT work_id FROM identities WHERE name = ? AND value = ?", (name, value)))
        return found

    def put_many(
        self, records: Iterable[Record], provenance: Provenance | None = None,
        dry_run: bool = False,
    ) -> list[PutResult]:
        """Store many records in one transaction: all of them, or none if anything fails.

        The same rules as ``put`` (keyed by record id), but one lookup per 500 ids and one
        commit for the whole batch instead of a query and a commit per record: a bulk load is
        bound by those commits otherwise. ``provenance`` is recorded for records whose model
        has no provenance of its own (case notes).
        """
        rows = []
        for record in records:
            own = getattr(record, "provenance", None) or provenance
            digest, payload = _hash_and_payload(record)
            rows.append((record.id, record.kind, digest, payload,
                         own.model_dump_json() if own else None))
        results: list[PutResult] = []
        with self._db:
            current: dict[str, tuple[int, str]] = {}
            keys = list(dict.fromkeys(row[0] for row in rows))
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                current.update(
                    (key, (version, digest)) for key, version, digest in self._db.execute(
                        "SELECT w.id, w.current_version, v.content_sha256 FROM works w "
                        "JOIN versions v ON v.work_id = w.id AND v.version = w.current_version "
                        f"WHERE w.id IN ({','.join('?' * len(chunk))})",
                        chunk,
                    )
                )
            stored = set(current)
            now = _now()
            versions, works = [], {}
            for key, kind, digest, payload, prov in rows:
                row = current.get(key)
                if row and row[1] == digest:
                    results.append(PutResult(key, "unchanged", row[0]))
                    continue
                version = (row[0] + 1) if row else 1
                versions.append((key, version, digest, payload, prov, now))
                works[key] = (kind, version)
                current[key] = (version, digest)
                results.append(PutResult(key, "new-version" if row else "new", version))
            if dry_run:
                return results
            self._db.executemany(
                "INSERT INTO versions (work_id, version, content_sha256, record, provenance, "
                "stored_at) VALUES (?, ?, ?, ?, ?, ?)", versions)
            self._db.executemany(
                "UPDATE works SET current_version = ?, updated_at = ? WHERE id = ?",
                [(version, now, key) for key, (_, version) in works.items() if key in stored],
            )
            self._db.executemany(
                "INSERT INTO works VALUES (?, ?, ?, ?, ?)",
                [(key, kind, version, now, now) for key, (kind, version) in works.items()
                 if key not in stored],
            )
        return results

    def get(self, work_id: str, version: int | None = None) -> Record | None:
        if version is None:
            row = self._db.execute(
                "SELECT w.kind, v.record FROM works w JOIN versions v "
                "ON v.work_id = w.id AND v.version = w.current_version WHERE w.id = ?",
                (work_id,),
            ).fetchone()
        else:
            row = self._db.execute(
                "SELECT w.kind, v.record FROM works w JOIN versions v ON v.work_id = w.id "
                "WHERE w.id = ? AND v.version = ?",
                (work_id, version),
            ).fetchone()
        return _parse(row[0], row[1]) if row else None

    def versions(self, work_id: str) -> list[VersionInfo]:
        rows = self._db.execute(
            "SELECT v.version, v.content_sha256, v.stored_at, v.provenance, w.current_version "
            "FROM versions v JOIN works w ON w.id = v.work_id WHERE v.work_id = ? "
            "ORDER BY v.version",
            (work_id,),
        ).fetchall()
        return [
            VersionInfo(r[0], r[1], r[2], json.loads(r[3]) if r[3] else None, r[0] == r[4])
            for r in rows
        ]

    def iter_current(self, expressions: bool = True) -> Iterator[Record]:
        """The current version of every work and, unless ``expressions`` is False, of every
        other-language expression (a record of its own, under its expression id).

        Corrigenda are filed beside their act and never listed. An expression stored by an
        older version under ``{id}@{lang}`` is listed under its expression id.
        """
        for key, kind, payload in self._db.execute(_CURRENT_ROWS):
            if _listed(key, expressions):
                record = _as_listed(key, _parse(kind, payload))
                if record is not None:
                    yield record

    def current_dates(self) -> Iterator[tuple[str, str, str, Dates | Period | None]]:
        """(record id, store key, kind, dates) of every record ``iter_current`` lists, in its
        order: an instrument's dates, a case note's period, read from the stored JSON without
        building the records. An index build orders a million provisions by date this way,
        then reads the records one at a time (``current``) instead of holding them all."""
        for key, kind, payload in self._db.execute(_CURRENT_ROWS):
            listed = _listed_id(key, kind) if _listed(key, True) else None
            if listed is None:
                continue
            # a plain JSON parse, about ten times cheaper than building the record (or than
            # SQLite's json_extract, which parses the whole text too, more slowly)
            model, name = (Period, "period") if kind == "case-note" else (Dates, "dates")
            dates = orjson.loads(payload).get(name)
            yield listed, key, kind, model.model_validate(dates) if dates else None

    def current(self, key: str) -> Record | None:
        """The current version stored under ``key``, as ``iter_current`` lists it."""
        record = self.get(key)
        return _as_listed(key, record) if record is not None else None

    def expressions(self, work_id: str) -> list[str]:
        """Store keys of the other-language expressions of a work (``{id}/{lang}@``, or
        ``{id}@{lang}`` as older stores filed them)."""
        rows = self._db.execute(
            "SELECT id FROM works WHERE id LIKE ? OR id LIKE ? ORDER BY id",
            (work_id + "@%", work_id + "/%@%"))
        return [r[0] for r in rows]

    def move(self, key: str, new_key: str, new_id: str | None = None) -> None:
        """File every version of ``key`` under ``new_key`` instead (records renamed ``new_id``).

        Used when a text was filed as a work's main text and is in fact another-language
        expression of it: the versions move, nothing is dropped. ``new_key`` must be free.
        """
        with self._db:
            if self._db.execute("SELECT 1 FROM works WHERE id = ?", (new_key,)).fetchone():
                raise ValueError(f"cannot move {key} to {new_key}: already stored")
            rows = self._db.execute(
                "SELECT w.kind, v.version, v.record FROM works w JOIN versions v "
                "ON v.work_id = w.id WHERE w.id = ?", (key,)).fetchall()
            for kind, version, payload in rows:
                record = _parse(kind, payload)
                if new_id:
                    record = record.model_copy(update={"id": new_id})
                self._db.execute(
                    "UPDATE versions SET work_id = ?, record = ?, content_sha256 = ? "
                    "WHERE work_id = ? AND version = ?",
                    (new_key, record.model_dump_json(), content_hash(record), key, version))
            self._db.execute("UPDATE works SET id = ? WHERE id = ?", (new_key, key))
            self._db.execute("DELETE FROM identities WHERE work_id = ?", (key,))

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM works WHERE id NOT LIKE '%@%' "
                                "AND id NOT LIKE '%#%'").fetchone()[0]

    def corrigenda(self, work_id: str) -> list[str]:
        """Store keys of the corrigenda filed beside a work (``{id}#corrigendum-{date}``)."""
        rows = self._db.execute("SELECT id FROM works WHERE id LIKE ? ORDER BY id",
                                (work_id + "#corrigendum-%",))
        return [r[0] for r in rows]

    def ids(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT id FROM works ORDER BY id")]

    # -- saved searches (kb.watch) -------------------------------------------------------
    def add_watch(self, name: str, query: str, filters: dict, webhook_url: str | None = None,
                  webhook_secret: str | None = None) -> None:
        """Save a search; ``ValueError`` if the name is taken."""
        try:
            with self._db:
                self._db.execute(
                    "INSERT INTO watches (name, query, filters, webhook_url, webhook_secret, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (name, query, json.dumps(filters, ensure_ascii=False, sort_keys=True),
                     webhook_url, webhook_secret, _now()))
        except sqlite3.IntegrityError:
            raise ValueError(f"a watch named {name!r} already exists") from None

    def watches(self) -> list[dict]:
        """Every saved search, by name, with its last webhook delivery (if any)."""
        rows = self._db.execute(
            "SELECT w.name, w.query, w.filters, w.webhook_url, w.webhook_secret, w.created_at, "
            "w.last_run_at, d.status, d.attempts, d.http_status, d.last_error, "
            "d.last_attempt_at, (SELECT count(*) FROM watch_seen s WHERE s.watch = w.name) "
            "FROM watches w LEFT JOIN webhook_deliveries d ON d.id = "
            "(SELECT max(id) FROM webhook_deliveries x WHERE x.watch = w.name) ORDER BY w.name"
        ).fetchall()
        return [{
            "name": r[0], "query": r[1], "filters": json.loads(r[2]), "webhook_url": r[3],
            "webhook_secret": r[4], "created_at": r[5], "last_run_at": r[6],
            "last_delivery": None if r[7] is None else {
                "status": r[7], "attempts": r[8], "http_status": r[9], "last_error": r[10],
                "at": r[11]},
            "seen": r[12],
        } for r in rows]

    def watch(self, name: str) -> dict | None:
        return next((w for w in self.watches() if w["name"] == name), None)

    def remove_watch(self, name: str) -> bool:
        """Forget a saved search and what it reported; its delivery log is kept."""
        with self._db:
            gone = self._db.execute("DELETE FROM watches WHERE name = ?", (name,)).rowcount
            self._db.execute("DELETE FROM watch_seen WHERE watch = ?", (name,))
        return bool(gone)

    def seen(self, name: str) -> set[str]:
        """The record ids a watch has already reported."""
        return {r[0] for r in self._db.execute(
            "SELECT record_id FROM watch_seen WHERE watch = ?", (name,))}

    def mark_seen(self, name: str, record_ids: Iterable[str], ran: bool = True) -> str:
        """Record ids as reported by a watch (and, with ``ran``, the time of its run)."""
        now = _now()
        with self._db:
            self._db.executemany(
                "INSERT OR IGNORE INTO watch_seen (watch, record_id, seen_at) VALUES (?, ?, ?)",
                [(name, rid, now) for rid in record_ids])
            if ran:
                self._db.execute("UPDATE watches SET last_run_at = ? WHERE name = ?",
                                 (now, name))
        return now

    def stored_since(self, since: str) -> list[str]:
        """Store keys of the works with a version stored at or after ``since`` (ISO time)."""
        return [r[0] for r in self._db.execute(
            "SELECT DISTINCT work_id FROM versions WHERE stored_at >= ? ORDER BY work_id",
            (since,))]

    # -- webhook deliveries (kb.webhooks) -------------------------------------------------
    def record_delivery(self, watch: str, url: str, payload: str, status: str, attempts: int,
                        http_status: int | None, last_error: str | None,
                        delivery_id: int | None = None) -> int:
        """Log a delivery attempt (``delivered`` or ``failed``); a retry updates its row."""
        now = _now()
        with self._db:
            if delivery_id is not None:
                self._db.execute(
                    "UPDATE webhook_deliveries SET status = ?, attempts = attempts + ?, "
                    "http_status = ?, last_error = ?, last_attempt_at = ? WHERE id = ?",
                    (status, attempts, http_status, last_error, now, delivery_id))
                return delivery_id
            cursor = self._db.execute(
                "INSERT INTO webhook_deliveries (watch, url, payload, status, attempts, "
                "http_status, last_error, created_at, last_attempt_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (watch, url, payload, status, attempts, http_status, last_error, now, now))
            return int(cursor.lastrowid or 0)

    def deliveries(self, watch: str | None = None, status: str | None = None) -> list[dict]:
        """Logged deliveries, oldest first, of one watch and/or one status."""
        rows = self._db.execute(
            "SELECT id, watch, url, payload, status, attempts, http_status, last_error, "
            "created_at, last_attempt_at FROM webhook_deliveries "
            "WHERE (? IS NULL OR watch = ?) AND (? IS NULL OR status = ?) ORDER BY id",
            (watch, watch, status, status)).fetchall()
        keys = ("id", "watch", "url", "payload", "status", "attempts", "http_status",
                "last_error", "created_at", "last_attempt_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    # -- curated entries as index builds saw them, and the change feed (kb.watch) ----------
    def note_curated(self, states: Iterable[tuple[str, str, str, str | None, str, str | None]]
                     ) -> int:
        """Compare the curated entries (id, kind, title, status, content hash, source URL)
        with those the previous call saw and log what changed; returns how many changes.

        The first call only records them: every entry is not "new" on the day it is first
        looked at.
        """
        now = _now()
        with self._db:
            known = {r[0]: (r[1], r[2]) for r in self._db.execute(
                "SELECT id, status, content_sha256 FROM curated_states")}
            first = not known
            changes, seen = [], set()
            for rid, kind, title, status, digest, url in states:
                seen.add(rid)
                before = known.get(rid)
                if before is None and not first:
                    changes.append((rid, kind, "new", title, status, None, url, now))
                elif before is not None and before[0] != status:
                    changes.append((rid, kind, "status", title, status, before[0], url, now))
                elif before is not None and before[1] != digest:
                    changes.append((rid, kind, "edited", title, status, status, url, now))
                self._db.execute(
                    "INSERT INTO curated_states VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO "
                    "UPDATE SET kind = excluded.kind, title = excluded.title, "
                    "status = excluded.status, content_sha256 = excluded.content_sha256, "
                    "seen_at = CASE WHEN curated_states.content_sha256 = excluded.content_sha256 "
                    "THEN curated_states.seen_at ELSE excluded.seen_at END",
                    (rid, kind, title, status, digest, now))
            gone = set(known) - seen
            for rid in sorted(gone):
                changes.append((rid, "", "removed", None, None, known[rid][0], None, now))
                self._db.execute("DELETE FROM curated_states WHERE id = ?", (rid,))
            self._db.executemany(
                "INSERT INTO curated_changes (id, kind, change, title, status, previous_status, "
                "source_url, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", changes)
        return len(changes)

    def curated_seen_at(self, record_ids: Iterable[str]) -> dict[str, str]:
        """When the index builds last saw each curated entry change (first seen, or edited)."""
        return self._pairs("SELECT id, seen_at FROM curated_states", record_ids)

    def work_times(self, record_ids: Iterable[str]) -> dict[str, str]:
        """When each stored work last gained or changed a version (``works.updated_at``)."""
        return self._pairs("SELECT id, updated_at FROM works", record_ids)

    def _pairs(self, select: str, record_ids: Iterable[str]) -> dict[str, str]:
        ids = list(record_ids)
        out: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            out.update(self._db.execute(
                f"{select} WHERE id IN ({','.join('?' * len(chunk))})", chunk).fetchall())
        return out

    def change_rows(self, since: str, after: tuple[str, str, str, int] | None,
                    limit: int, newest_first: bool = False) -> list[dict]:
        """A page of the change feed: stored versions and curated-entry changes at or after
        ``since``, ordered by (time, id, source, sequence), after the key ``after``."""
        order = "DESC" if newest_first else "ASC"
        compare = "<" if newest_first else ">"
        key = after or (("9999",) if newest_first else ("",)) + ("", "", 0)
        keys = self._db.execute(
            "SELECT at, id, src, seq FROM ("
            "SELECT stored_at AS at, work_id AS id, 'store' AS src, version AS seq "
            "FROM versions WHERE stored_at >= ? AND work_id NOT LIKE '%#%' "
            "UNION ALL SELECT detected_at, id, 'curated', seq FROM curated_changes "
            "WHERE detected_at >= ?) "
            f"WHERE (at, id, src, seq) {compare} (?, ?, ?, ?) "
            f"ORDER BY at {order}, id {order}, src {order}, seq {order} LIMIT ?",
            (since, since, *key, limit)).fetchall()
        out = []
        for at, rid, src, seq in keys:
            if src == "curated":
                row = self._db.execute(
                    "SELECT kind, change, title, status, previous_status, source_url "
                    "FROM curated_changes WHERE seq = ?", (seq,)).fetchone()
                out.append({"at": at, "id": rid, "source": "curated", "seq": seq,
                            "kind": row[0] or None, "change": row[1], "version": None,
                            "title": row[2], "title_vi": None, "status": row[3],
                            "previous_status": row[4], "official_url": row[5], "agent": None})
                continue
            row = self._db.execute(
                "SELECT w.kind, json_extract(v.record, '$.title'), "
                "json_extract(v.record, '$.title_vi'), json_extract(v.record, '$.status'), "
                "COALESCE(json_extract(v.record, '$.source_url'), "
                "json_extract(v.record, '$.sources[0].url')), "
                "json_extract(v.provenance, '$.agent'), "
                "(SELECT json_extract(p.record, '$.status') FROM versions p "
                " WHERE p.work_id = v.work_id AND p.version = v.version - 1) "
                "FROM versions v JOIN works w ON w.id = v.work_id "
                "WHERE v.work_id = ? AND v.version = ?", (rid, seq)).fetchone()
            kind, title, title_vi, status, url, agent, previous = row
            change = "new" if seq == 1 else (
                "status" if previous is not None and previous != status else "new-version")
            out.append({"at": at, "id": rid, "source": "store", "seq": seq, "kind": kind,
                        "change": change, "version": seq, "title": title,
                        "title_vi": title_vi, "status": status,
                        "previous_status": previous if seq > 1 else None,
                        "official_url": url, "agent": agent})
        return out


# -- backup and restore ------------------------------------------------------------------------
BACKUP_MANIFEST = "manifest.json"
BACKUP_STORE = "store.sqlite"


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; nothing has been changed."""


def _integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def _online_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent snapshot while others read and write, taken a few
    pages at a time so a serving process is never locked out for long."""
    with closing(sqlite3.connect(source, timeout=30)) as src, \
            closing(sqlite3.connect(target, timeout=30)) as dst:
        src.backup(dst, pages=256, sleep=0.001)


def backup(dest: Path, store: Path, entries: Iterable[Path] = ()) -> dict:
    """Copy the record store (online) and the extra entries folders into the new folder
    ``dest``, with a manifest saying where each came from; returns the manifest."""
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty; give a new folder")
    dest.mkdir(parents=True, exist_ok=True)
    manifest: dict = {"format": 1, "created_at": _now(), "store": None, "entries": []}
    if store.exists():
        partial = dest / (BACKUP_STORE + ".partial")
        _online_copy(store, partial)
        if (result := _integrity(partial)) != "ok":
            raise BackupError(f"the copy of the record store failed its integrity check: {result}")
        os.replace(partial, dest / BACKUP_STORE)
        with closing(sqlite3.connect(dest / BACKUP_STORE)) as db:
            manifest["store"] = {"file": BACKUP_STORE,
                                 "works": db.execute("SELECT COUNT(*) FROM works").fetchone()[0]}
    for i, folder in enumerate(Path(p) for p in entries):
        if not folder.is_dir():
            continue
        copy = f"entries/{i}-{folder.name}"
        shutil.copytree(folder, dest / copy)
        manifest["entries"].append({"path": str(folder.resolve()), "copy": copy})
    (dest / BACKUP_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def restore(source: Path, store: Path) -> dict:
    """Put a backup made by ``backup`` back: the record store (online, so a serving process
    reads the old or the new records, never a mixture) and each entries folder at the path it
    came from. Everything is checked before anything is changed; returns the manifest."""
    try:
        manifest = json.loads((source / BACKUP_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a regkb backup: {exc}") from None
    if manifest.get("format") != 1:
        raise BackupError(f"{source}: unknown backup format {manifest.get('format')!r}")
    if manifest.get("store"):
        saved = source / manifest["store"]["file"]
        if not saved.is_file() or _integrity(saved) != "ok":
            raise BackupError(f"{saved} is missing or damaged; nothing was restored")
    for item in manifest.get("entries", []):
        if not (source / item["copy"]).is_dir():
            raise BackupError(f"{source / item['copy']} is missing; nothing was restored")
    if manifest.get("store"):
        store.parent.mkdir(parents=True, exist_ok=True)
        _online_copy(source / manifest["store"]["file"], store)
        with closing(sqlite3.connect(store)) as db:
            db.execute("PRAGMA journal_mode=WAL")
    for item in manifest.get("entries", []):
        target = Path(item["path"])
        incoming = target.with_name(f".{target.name}.restoring-{os.getpid()}")
        outgoing = target.with_name(f".{target.name}.replaced-{os.getpid()}")
        shutil.rmtree(incoming, ignore_errors=True)
        shutil.copytree(source / item["copy"], incoming)
        if target.exists():
            os.replace(target, outgoing)
        os.replace(incoming, target)
        shutil.rmtree(outgoing, ignore_errors=True)
    return manifest
