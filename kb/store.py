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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kb.models import CaseNote, Instrument, Record

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


def content_hash(record: Record) -> str:
    """Hash of what a record says, ignoring when and how it was fetched."""
    data = record.model_dump(mode="json", exclude={"provenance", "origin"})
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


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
