"""The record store: every version of every imported or crawled record, with provenance.

It is the source of truth for everything that is not a YAML entry; search indexes are derived
from it and can always be rebuilt. Writes are transactional (SQLite, WAL), so an import or
crawl that dies halfway leaves every earlier record intact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import orjson

from kb.models import CaseNote, Instrument, Provenance, Record

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
"""


@dataclass(frozen=True)
class PutResult:
    id: str
    status: PutStatus
    version: int


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
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _parse(kind: str, payload: str) -> Record:
    model = CaseNote if kind == "case-note" else Instrument
    return model.model_validate_json(payload)


class RecordStore:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def put(self, record: Record, key: str | None = None) -> PutResult:
        """Store a record; a changed text becomes a new version, an unchanged one is a no-op.

        ``key`` defaults to the record id; another language of the same work is stored under
        ``{id}@{language}`` (an expression of the work, kept but not indexed in its place).
        """
        key = key or record.id
        digest = content_hash(record)
        provenance = (
            record.provenance.model_dump_json() if getattr(record, "provenance", None) else None
        )
        with self._db:
            row = self._db.execute(
                "SELECT w.current_version, v.content_sha256 FROM works w JOIN versions v "
                "ON v.work_id = w.id AND v.version = w.current_version WHERE w.id = ?",
                (key,),
            ).fetchone()
            if row and row[1] == digest:
                return PutResult(key, "unchanged", row[0])
            version = (row[0] + 1) if row else 1
            now = _now()
            self._db.execute(
                "INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?)",
                (key, version, digest, record.model_dump_json(), provenance, now),
            )
            if row:
                self._db.execute(
                    "UPDATE works SET current_version = ?, updated_at = ? WHERE id = ?",
                    (version, now, key),
                )
            else:
                self._db.execute(
                    "INSERT INTO works VALUES (?, ?, ?, ?, ?)",
                    (key, record.kind, version, now, now),
                )
        return PutResult(key, "new-version" if row else "new", version)

    def put_many(
        self, records: Iterable[Record], provenance: Provenance | None = None
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
            self._db.executemany("INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?)", versions)
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

    def iter_current(self, expressions: bool = False) -> Iterator[Record]:
        """The current version of every work (other-language expressions only if asked)."""
        rows = self._db.execute(
            "SELECT w.id, w.kind, v.record FROM works w JOIN versions v "
            "ON v.work_id = w.id AND v.version = w.current_version ORDER BY w.id"
        )
        for key, kind, payload in rows:
            if expressions or "@" not in key:
                yield _parse(kind, payload)

    def expressions(self, work_id: str) -> list[str]:
        """Store keys of the other-language expressions of a work (``{id}@{lang}``)."""
        rows = self._db.execute("SELECT id FROM works WHERE id LIKE ? ORDER BY id",
                                (work_id + "@%",))
        return [r[0] for r in rows]

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM works WHERE id NOT LIKE '%@%'").fetchone()[0]

    def ids(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT id FROM works ORDER BY id")]
