"""The embedded default backend: one SQLite file with an FTS5 index, no server needed.

Builds go to a new file that replaces the old one with an atomic rename, so a failed or
interrupted build leaves the previous index in service. Text columns hold the folded text from
``kb.text`` and FTS5's ``porter`` tokenizer stems it; ranking is bm25 with a title worth more
than a heading, and a heading more than body text.

Filters are index terms too: every document carries one token per keyword value, year and
month in a column of its own (``a_facets``), so a filtered search is a single FTS5 match whose
doclists are intersected with skipping, never a join over every match. Rows are numbered in
index order (newest first, ``kb.documents.index_order``) and the full-text index is cut into
shards of ``SHARD_SIZE`` rows, so listing without a query reads the first rows, and a search
matching more than ``rank_window`` documents (``kb.search.RANK_WINDOW``) ranks the newest of
them by relevance and lists the rest after them, newest first (the result says so), instead of
scoring every match: the cost of a search is bounded whatever the size of the index.
Matches are counted up to ``TOTAL_EXACT_LIMIT`` (beyond, the total is "at least" that many,
as Elasticsearch reports it), and facet counts beyond ``FACET_EXACT_LIMIT`` matches are
estimated from the newest.

Large builds hand their rows to a writer process (``WRITER_AFTER``), so SQLite indexes on one
core while Python prepares the next rows on the other.
"""

from __future__ import annotations

import datetime as dt
import json
import marshal
import math
import operator
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from kb.backends.base import Backend, BuildReport, Progress, frozen_heap
from kb.documents import FACET_FIELDS, KEYWORD_FIELDS, IndexDoc
from kb.errors import BackendUnavailable, IndexBuildError, InvalidQuery
from kb.search import (
    FACET_EXACT_LIMIT,
    TOTAL_EXACT_LIMIT,
    Hit,
    ParsedQuery,
    Phrase,
    SearchQuery,
    SearchResult,
    make_hit,
)
from kb.text import stem, words

MULTI_FIELDS = ("jurisdictions", "groups", "sectors", "topics", "parties")
SINGLE_KEYWORDS = tuple(f for f in KEYWORD_FIELDS if f not in MULTI_FIELDS)
TEXT_COLUMNS = ("a_title", "a_heading", "a_body", "a_tags")
FTS_COLUMNS = (*TEXT_COLUMNS, "a_facets")
BM25_WEIGHTS = (8.0, 4.0, 1.0, 2.0, 0.0)  # filter tokens never count towards relevance
FACET_SIZE = 60
LAYOUT = "2"  # the tables below; an index of another layout is rebuilt rather than read
# The full-text index is cut into shards of this many documents in index order (newest first),
# one FTS5 table each. FTS5's bm25 reads every row of each term to weigh it, so a search ranks
# in the newest shards only, at a cost that does not grow with the index (as Elasticsearch
# shards keep their own term statistics).
SHARD_SIZE = 50_000
# Rows go to SQLite (or the writer) in batches this size: about half a megabyte, so a batch
# fits in the pipe to the writer and in the caches both processes share.
BATCH = 250
# Beyond this many documents a build hands its rows to a writer process: SQLite then indexes on
# one core while Python prepares the next rows on the other (threads cannot overlap here: the
# GIL is taken back after every row). The writer is a bare interpreter (sqlite3 and marshal),
# quick to start; a small build is written in place.
WRITER_AFTER = 2000
# two letters per keyword field, so filter tokens of different fields never meet
FIELD_CODES = {
    "kind": "kd", "jurisdictions": "ju", "groups": "gr", "parties": "pa", "agreement": "ag",
    "sectors": "se", "topics": "to", "doc_type": "dt", "status": "st", "language": "la",
    "provision_kind": "pk", "strength": "sg", "origin": "or", "text_source": "ts",
}  # fmt: skip
ALL_TOKEN = "zzall0"  # on every document: what "no text, no filter" matches
_UNSAFE = re.compile(r"[^a-wyz0-9]")
SEP_VALUE, SEP_PAIR = "\x1f", "\x1e"  # facets string: field SEP_VALUE value, SEP_PAIR between


def facet_string(pairs: list[tuple[str, str]]) -> str:
    return SEP_PAIR.join([f"{f}{SEP_VALUE}{v}" for f, v in pairs])


def facet_pair(piece: str) -> tuple[str, str]:
    field, _, value = piece.partition(SEP_VALUE)
    return field, value


def facet_pairs(facets: str) -> list[tuple[str, str]]:
    """The (field, value) pairs of a facets string."""
    return [facet_pair(piece) for piece in facets.split(SEP_PAIR) if piece]

_SCHEMA = """
CREATE TABLE docs (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    instrument_id TEXT,
    ord INTEGER,
    date TEXT,
    kind TEXT NOT NULL,
    data BLOB NOT NULL  -- the document as JSON (orjson bytes)
);
CREATE TABLE facets (rowid INTEGER PRIMARY KEY, facets TEXT NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
"""
_DOCS_INSERT = "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)"
_FACETS_INSERT = "INSERT INTO facets VALUES (?, ?)"
# (statement, rows): executemany, or a single execute when rows is None
Statements = list[tuple[str, list[tuple] | None]]


def shard_table(shard: int) -> str:
    return f"fts_{shard}"


def shard_of(rowid: int) -> int:
    return (rowid - 1) // SHARD_SIZE


def _shard_ddl(shard: int) -> str:
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {shard_table(shard)} USING fts5("
        f"{', '.join(FTS_COLUMNS)}, content='', "
        "tokenize='porter unicode61 remove_diacritics 0')"
    )


def _shard_insert(shard: int) -> str:
    return (
        f"INSERT INTO {shard_table(shard)}(rowid, {', '.join(FTS_COLUMNS)}) "
        f"VALUES ({', '.join('?' * (len(FTS_COLUMNS) + 1))})"
    )


def _score(table: str) -> str:
    return f"bm25({table}, " + ", ".join(str(w) for w in BM25_WEIGHTS) + ")"
_PRAGMAS = "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
_INDEXES = """
CREATE INDEX docs_instrument ON docs (instrument_id, ord);
"""


@lru_cache(maxsize=100_000)
def filter_token(field: str, value: str) -> str:
    """One index term for a keyword value: letters and digits only (other characters
    hex-escaped), ending in a digit so the Porter stemmer leaves it alone."""
    escaped = _UNSAFE.sub(lambda m: f"x{ord(m.group()):x}x", value)
    return f"{FIELD_CODES[field]}q{escaped}0"


def date_tokens(date: str | None) -> list[str]:
    if not date or len(date) < 7:
        return []
    return [f"yr{date[:4]}", f"ym{date[:4]}{date[5:7]}"]


def date_range_tokens(start: dt.date | None, end: dt.date | None) -> tuple[list[str], bool]:
    """Year and month terms covering [start, end] (an open end stops at the years 1800 and
    2199), and whether a month is only partly inside: then exact dates are checked too."""
    lo = start or dt.date(1800, 1, 1)
    hi = end or dt.date(2199, 12, 31)
    partial = lo.day != 1 or (hi + dt.timedelta(days=1)).day != 1
    tokens: list[str] = []
    for year in range(lo.year, hi.year + 1):
        first = 1 if year > lo.year else lo.month
        last = 12 if year < hi.year else hi.month
        if first == 1 and last == 12:
            tokens.append(f"yr{year:04d}")
        else:
            tokens.extend(f"ym{year:04d}{m:02d}" for m in range(first, last + 1))
    return tokens, partial


def doc_facets(doc: IndexDoc) -> list[tuple[str, str]]:
    """(field, value) of every keyword value of a document, each once."""
    pairs = [(f, doc[f]) for f in SINGLE_KEYWORDS if doc.get(f) is not None]
    for field in MULTI_FIELDS:
        values = doc.get(field)
        if values:
            pairs.extend((field, v) for v in (dict.fromkeys(values) if len(values) > 1 else values))
    return pairs


_FILTER_CACHE: dict[bytes, tuple[str, bytes]] = {}
_FILTER_KEY_FIELDS = (*SINGLE_KEYWORDS, *MULTI_FIELDS, "date")
_filter_values = operator.itemgetter(*_FILTER_KEY_FIELDS)


def _filter_fields(doc: IndexDoc) -> tuple[str, bytes]:
    """The facets string and the filter terms of a document. Documents of one instrument
    mostly share their keyword values, so both are made once per distinct set of values
    (keyed by those values serialised, the cheapest hashable form of lists)."""
    try:
        key = orjson.dumps(_filter_values(doc))
    except KeyError:  # a document missing some field (made by hand, not by kb.documents)
        key = orjson.dumps([doc.get(f) for f in _FILTER_KEY_FIELDS])
    found = _FILTER_CACHE.get(key)
    if found is None:
        pairs = doc_facets(doc)
        tokens = [filter_token(f, v) for f, v in pairs]
        tokens.extend(date_tokens(doc.get("date")))
        tokens.append(ALL_TOKEN)
        found = facet_string(pairs), " ".join(tokens).encode()
        if len(_FILTER_CACHE) > 10_000:
            _FILTER_CACHE.clear()
        _FILTER_CACHE[key] = found
    return found


def _fts_phrase(phrase: Phrase) -> str:
    # words come from kb.text.words: letters and digits only, never quotes or operators
    return '"' + " ".join(phrase) + '"'


def text_expression(parsed: ParsedQuery) -> str:
    """The FTS5 MATCH string for a parsed query (see ``kb.search`` for the user syntax),
    confined to the text columns."""
    clauses = []
    for alternatives in parsed.clauses:
        parts = [_fts_phrase(p) for p in alternatives]
        clauses.append(parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")")
    expr = " AND ".join(clauses)
    columns = "{" + " ".join(TEXT_COLUMNS) + "}"
    if parsed.excluded:
        excluded = " OR ".join(_fts_phrase(p) for p in parsed.excluded)
        return f"{columns}: (({expr}) NOT ({excluded}))"
    return f"{columns}: ({expr})"


def filter_expression(query: SearchQuery) -> tuple[str, bool]:
    """Filters as terms of the ``a_facets`` column; True when dates need an exact check."""
    parts = []
    for name, values in query.filters().items():
        tokens = " OR ".join(filter_token(name, v) for v in dict.fromkeys(values))
        parts.append(f"({tokens})")
    partial = False
    if query.date_from or query.date_to:
        tokens, partial = date_range_tokens(query.date_from, query.date_to)
        if not tokens:
            return "", False
        parts.append("(" + " OR ".join(tokens) + ")")
    if not parts:
        return "", partial
    return "{a_facets}: (" + " AND ".join(parts) + ")", partial




class SQLiteBackend(Backend):
    name = "sqlite"

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()

    # -- connections -------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        """A per-thread read connection, reopened when a rebuild has swapped the file."""
        try:
            inode = os.stat(self.path).st_ino
        except FileNotFoundError:
            raise BackendUnavailable(
                f"no index at {self.path}: run `kb index` (or `kb serve`, which builds it)"
            ) from None
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.inode != inode:
            if conn is not None:
                conn.close()
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            conn.execute("PRAGMA query_only = 1")
            conn.execute("PRAGMA cache_size = -65536")
            conn.execute("PRAGMA mmap_size = 268435456")
            self._local.conn, self._local.inode = conn, inode
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def exists(self) -> bool:
        """An index of this layout is in place (one from an older layout is rebuilt)."""
        if not self.path.exists():
            return False
        try:
            row = self._conn().execute("SELECT value FROM meta WHERE key = 'layout'").fetchone()
        except (sqlite3.Error, BackendUnavailable):
            return False
        return bool(row) and row[0] == LAYOUT

    # -- build -------------------------------------------------------------------------
    def rebuild(
        self,
        docs: Iterable[IndexDoc],
        progress: Progress | None = None,
        writer_after: int = WRITER_AFTER,
    ) -> BuildReport:
        with frozen_heap():
            return self._rebuild(docs, progress, writer_after)

    def _rebuild(
        self, docs: Iterable[IndexDoc], progress: Progress | None, writer_after: int
    ) -> BuildReport:
        started = time.monotonic()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.building-{os.getpid()}")
        tmp.unlink(missing_ok=True)
        for leftover in self.path.parent.glob(f"{self.path.name}.retired-*"):
            leftover.unlink(missing_ok=True)  # a process that ended before deleting it
        generation = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
        db = sqlite3.connect(tmp)
        writer: _WriterProcess | None = None
        count = 0
        try:
            db.executescript(_PRAGMAS + _SCHEMA)
            seen: set[str] = set()
            batch: list[IndexDoc] = []
            for doc in docs:
                if doc["id"] in seen:
                    raise IndexBuildError(f"duplicate document id {doc['id']!r}")
                seen.add(doc["id"])
                batch.append(doc)
                if len(batch) < BATCH:
                    continue
                if writer is None and count + len(batch) > writer_after:
                    db.commit()
                    writer = _WriterProcess(tmp)
                count = self._write_batch(db, writer, batch, count, progress)
                batch = []
            count = self._write_batch(db, writer, batch, count, progress)
            if writer is not None:
                writer.finish()
                writer = None
            shards = self.finish(db, count)
            stored = db.execute("SELECT count(*) FROM docs").fetchone()[0]
            if stored != count:
                raise IndexBuildError(f"index has {stored} documents, expected {count}")
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("generation", generation),
                    ("documents", str(count)),
                    ("shards", str(shards)),
                    ("layout", LAYOUT),
                    ("built_at", time.strftime("%Y-%m-%dT%H:%M:%S")),
                ],
            )
            db.commit()
            db.close()
            self._put_in_service(tmp)
        except BaseException as exc:
            if writer is not None:
                writer.stop()
            db.close()
            tmp.unlink(missing_ok=True)
            if isinstance(exc, IndexBuildError | KeyboardInterrupt | SystemExit):
                raise
            raise IndexBuildError(f"index build failed, previous index kept: {exc}") from exc
        return BuildReport(count, generation, time.monotonic() - started)

    def _put_in_service(self, built: Path) -> None:
        """Move the finished index into place in one atomic rename. The index it replaces is
        first given a second name, so the rename only unlinks a name, and that file is deleted
        by a background thread: dropping a large file's cached pages takes a fair part of a
        second, and searches can use the new index meanwhile. A non-daemon thread, so the
        interpreter waits for it; a file left by a killed process goes at the next build."""
        retired: Path | None = self.path.with_name(
            f"{self.path.name}.retired-{os.getpid()}-{time.monotonic_ns()}"
        )
        try:
            os.link(self.path, retired)  # type: ignore[arg-type]
        except OSError:  # no index yet, or no hard links here: the rename deletes it
            retired = None
        os.replace(built, self.path)
        if retired is not None:
            threading.Thread(
                target=retired.unlink, kwargs={"missing_ok": True}, name="regkb-retire-index"
            ).start()

    def _write_batch(
        self,
        db: sqlite3.Connection,
        writer: _WriterProcess | None,
        batch: list[IndexDoc],
        count: int,
        progress: Progress | None,
    ) -> int:
        """Write a batch in place or through the writer; the documents written so far."""
        rows = self.rows(batch, count)
        if writer is None:
            self.write_rows(db, rows)
        else:
            writer.send(rows)
        count += len(batch)
        if progress:
            progress(count)
        return count

    @staticmethod
    def finish(db: sqlite3.Connection, count: int) -> int:
        """Indexes, each shard merged into one b-tree and given its vocabulary table, once
        every row is written; the number of shards."""
        db.executescript(_INDEXES)
        shards = shard_of(count) + 1 if count else 1
        for shard in range(shards):
            table = shard_table(shard)
            db.execute(_shard_ddl(shard))
            db.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
            db.execute(f"CREATE VIRTUAL TABLE {table}_vocab USING fts5vocab({table}, 'row')")
        return shards

    @staticmethod
    def rows(batch: list[IndexDoc], offset: int) -> Statements:
        """The statements writing a batch of documents numbered from offset + 1: docs,
        facets, and the full-text rows of each shard (the documents are consumed: their text
        fields move into the full-text rows)."""
        doc_rows, facet_rows = [], []
        fts_rows: dict[int, list[tuple]] = {}
        for i, doc in enumerate(batch, start=offset + 1):
            # texts leave ``data``; as UTF-8 bytes, which FTS5 reads as text and a writer
            # process unpacks without decoding
            texts = [(doc.pop(c, None) or "").encode() for c in TEXT_COLUMNS]
            facets, tokens = _filter_fields(doc)
            fts_rows.setdefault(shard_of(i), []).append((i, *texts, tokens))
            facet_rows.append((i, facets))
            doc_rows.append(
                (
                    i,
                    doc["id"],
                    doc.get("instrument_id"),
                    doc.get("order") or 0,
                    doc.get("date"),
                    doc["kind"],
                    orjson.dumps(doc),
                )
            )
        statements: Statements = [(_DOCS_INSERT, doc_rows), (_FACETS_INSERT, facet_rows)]
        for shard, shard_rows in fts_rows.items():
            statements += [(_shard_ddl(shard), None), (_shard_insert(shard), shard_rows)]
        return statements

    @staticmethod
    def write_rows(db: sqlite3.Connection, statements: Statements) -> None:
        for sql, rows in statements:
            if rows is None:
                db.execute(sql)
            else:
                db.executemany(sql, rows)

    # -- queries -----------------------------------------------------------------------
    @staticmethod
    def _expression(query: SearchQuery, parsed: ParsedQuery) -> tuple[str | None, bool]:
        """The whole MATCH string (None: nothing can match) and whether dates need checking."""
        filters, partial = filter_expression(query)
        if (query.date_from or query.date_to) and not filters:
            return None, False  # a date range outside any year an index term covers
        parts = [p for p in (text_expression(parsed) if not parsed.empty else "", filters) if p]
        return (" AND ".join(parts) if parts else ALL_TOKEN), partial

    @staticmethod
    def _date_check(query: SearchQuery) -> tuple[str, list[Any]]:
        conds, params = [], []
        if query.date_from:
            conds.append("d.date >= ?")
            params.append(query.date_from.isoformat())
        if query.date_to:
            conds.append("d.date <= ?")
            params.append(query.date_to.isoformat() + "~")
        return " AND ".join(conds), params

    def _matches(
        self,
        query: SearchQuery,
        expr: str,
        partial: bool,
        columns: str,
        limit: int | None,
        shard: int,
        after: int = 0,
    ) -> tuple[str, list[Any]]:
        """SQL selecting ``columns`` (``{t}`` stands for the shard's table) of the matches in
        one shard, in index order (newest first), from row id ``after`` on."""
        t = shard_table(shard)
        cut = f" LIMIT {int(limit)}" if limit is not None else ""
        rows = f" AND {t}.rowid > {int(after)}" if after else ""
        columns = columns.format(t=t)
        if not partial:
            return f"SELECT {columns} FROM {t} WHERE {t} MATCH ?{rows}{cut}", [expr]
        check, params = self._date_check(query)
        return (
            f"SELECT {columns} FROM {t} CROSS JOIN docs d ON d.rowid = {t}.rowid "
            f"WHERE {t} MATCH ?{rows} AND {check}{cut}",
            [expr, *params],
        )

    def _shards(self) -> int:
        conn = self._conn()
        if getattr(self._local, "shards_of", None) != self._local.inode:
            row = conn.execute("SELECT value FROM meta WHERE key = 'shards'").fetchone()
            self._local.shards = int(row[0]) if row else 1
            self._local.shards_of = self._local.inode
        return self._local.shards

    def show_query(self, query: SearchQuery) -> str:
        parsed = query.parsed()
        expr, partial = self._expression(query, parsed)
        if expr is None:
            return "-- the date range holds no dates: nothing to search"
        count, params = self._matches(query, expr, partial, "1", TOTAL_EXACT_LIMIT + 1, 0)
        if parsed.empty:
            listed, _ = self._matches(query, expr, partial, "{t}.rowid", None, 0)
            page = f"{listed} LIMIT {query.limit} OFFSET {query.offset};"
        else:
            window, _ = self._matches(
                query, expr, partial, "{t}.rowid, " + _score("{t}"), self.rank_window, 0
            )
            page = f"{window};\n-- ranked by bm25; matches past the window follow in index order"
        return (
            f"-- each shard of {SHARD_SIZE:,} documents in turn (fts_0 holds the newest), "
            f"until enough rows are found\nSELECT count(*) FROM ({count});\n{page}\n"
            f"-- parameters: {json.dumps(params, ensure_ascii=False)}"
        )

    def _execute(self, sql: str, params: list[Any]) -> list[tuple]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "fts5" in str(exc) or "MATCH" in str(exc):
                raise InvalidQuery(f"cannot search for that: {exc}") from exc
            raise BackendUnavailable(f"index error: {exc}") from exc

    def _window(
        self, query: SearchQuery, expr: str, partial: bool, size: int, scored: bool
    ) -> list[tuple[int, float]]:
        """(rowid, bm25) of the first ``size`` matches in index order, shard after shard
        (bm25 weighs terms within each shard, as Elasticsearch does per shard)."""
        columns = "{t}.rowid, " + (_score("{t}") if scored else "0.0")
        found: list[tuple[int, float]] = []
        for shard in range(self._shards()):
            if len(found) >= size:
                break
            sql, params = self._matches(query, expr, partial, columns, size - len(found), shard)
            found += self._execute(sql, params)
        return found

    def _listed(
        self, query: SearchQuery, expr: str, partial: bool, limit: int, offset: int, after: int = 0
    ) -> list[int]:
        """Row ids of matches in index order, from ``offset`` (past row id ``after``)."""
        found: list[int] = []
        skip = offset
        for shard in range(shard_of(after + 1), self._shards()):
            if len(found) >= limit:
                break
            sql, params = self._matches(query, expr, partial, "{t}.rowid", None, shard, after)
            rows = self._execute(f"{sql} LIMIT ?", [*params, skip + limit - len(found)])
            found += [r for (r,) in rows[skip:]]
            skip = max(0, skip - len(rows))
        return found[:limit]

    def _count(
        self, query: SearchQuery, expr: str, partial: bool, limit: int, after: int = 0
    ) -> int:
        """Matches with a row id above ``after``, counted up to ``limit``."""
        total = 0
        for shard in range(shard_of(after + 1), self._shards()):
            if total >= limit:
                break
            sql, params = self._matches(query, expr, partial, "1", limit - total, shard, after)
            total += self._execute(f"SELECT count(*) FROM ({sql})", params)[0][0]
        return total

    def _data(self, rowids: list[int]) -> dict[int, str]:
        if not rowids:
            return {}
        marks = ", ".join("?" * len(rowids))
        return dict(self._execute(f"SELECT rowid, data FROM docs WHERE rowid IN ({marks})", rowids))

    def _facet_strings(self, rowids: list[int]) -> list[str]:
        if not rowids:
            return []
        marks = ", ".join("?" * len(rowids))
        rows = self._execute(f"SELECT facets FROM facets WHERE rowid IN ({marks})", rowids)
        return [r[0] for r in rows]

    @staticmethod
    def _count_facets(rows: list[str]) -> Counter[tuple[str, str]]:
        """(field, value) counts over facet strings: split and counted in C, decoded once
        per distinct value."""
        out: Counter[tuple[str, str]] = Counter()
        for piece, n in Counter(SEP_PAIR.join(rows).split(SEP_PAIR)).items():
            if piece:
                out[facet_pair(piece)] = n
        return out

    def _run(
        self, query: SearchQuery, parsed: ParsedQuery, expr: str, partial: bool
    ) -> tuple[int, list[tuple[str, float, list[Any]]], list[int]]:
        """(total up to TOTAL_EXACT_LIMIT + 1, page as (data, bm25, sort key), row ids of the
        facet sample), reading the matches once in index order.

        The first pass takes the newest ``rank_window`` matches (bm25 when there is text) or
        the facet sample; counting goes on after them only if that pass was full. A text
        search ranks the window by bm25 and lists any further matches after it in index
        order; listing without text is index order throughout. A page starts at ``offset``,
        or just after the hit whose sort key is ``search_after``: ``[bm25, row id]`` for a
        ranked hit, ``[row id]`` for a listed one."""
        sample = FACET_EXACT_LIMIT if query.facets else 0
        size = self.rank_window if not parsed.empty else 0
        after = query.search_after or []
        offset = 0 if after else query.offset
        first = max(size, sample)
        window = self._window(query, expr, partial, first, not parsed.empty) if first else []
        total = len(window)
        if total == first:
            last = window[-1][0] if window else 0
            total += self._count(query, expr, partial, TOTAL_EXACT_LIMIT + 1 - total, last)
        ordered: list[tuple[int, float, list[Any]]] = []
        if len(after) == 1 or parsed.empty:  # listing only: the first pass read its start
            last = int(after[0]) if after else 0
            rows = [] if after else [r for r, _ in window[offset : offset + query.limit]]
            start = offset + len(rows)
            if len(rows) < query.limit and total > start:
                rows += self._listed(query, expr, partial, query.limit - len(rows), start, last)
            ordered = [(r, 0.0, [r]) for r in rows]
        else:
            ranked = sorted(window[:size], key=lambda r: (r[1], r[0]))
            if after:
                key = (float(after[0]), int(after[1]))
                ranked = [r for r in ranked if (r[1], r[0]) > key]
            ordered = [(r, score, [score, r]) for r, score in ranked[offset : offset + query.limit]]
            start = max(offset, min(size, total)) if not after else min(size, total)
            more = query.limit - len(ordered)
            if more > 0 and total > start:  # past the window: index order
                rows = self._listed(query, expr, partial, more, start)
                ordered += [(r, 0.0, [r]) for r in rows]
        data = self._data([r for r, _, _ in ordered])
        page = [(data[r], score, key) for r, score, key in ordered if r in data]
        return total, page, [r for r, _ in window[:sample]]

    def search(self, query: SearchQuery) -> SearchResult:
        """Rank the newest ``rank_window`` matches, facet the newest ``FACET_EXACT_LIMIT``,
        count up to ``TOTAL_EXACT_LIMIT``: each stops early on the index order."""
        parsed = query.parsed()
        expr, partial = self._expression(query, parsed)
        if expr is None:
            return SearchResult(total=0, hits=[], facets={"kind": {}} if query.facets else {})
        total, page, sample = self._run(query, parsed, expr, partial)
        total_exact = total <= TOTAL_EXACT_LIMIT
        total = min(total, TOTAL_EXACT_LIMIT)
        hits = [make_hit(orjson.loads(data), parsed, -score, key) for data, score, key in page]
        facets: dict[str, dict[str, int]] = {}
        exact = total_exact and total <= FACET_EXACT_LIMIT
        if query.facets:
            scale = 1.0 if exact else total / max(1, len(sample))
            found: dict[str, dict[str, int]] = {"kind": {}}
            counted = self._count_facets(self._facet_strings(sample))
            for (field, value), n in counted.items():
                if field in FACET_FIELDS:
                    found.setdefault(field, {})[value] = round(n * scale)
            facets = {f: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE])
                      for f, v in found.items()}
        ranked_all = parsed.empty or (total_exact and total <= self.rank_window)
        return SearchResult(
            total=total,
            total_exact=total_exact,
            hits=hits,
            facets=facets,
            facets_exact=exact,
            ranked_all=ranked_all,
        )

    def get(self, doc_id: str) -> IndexDoc | None:
        row = self._conn().execute("SELECT data FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def get_many(self, doc_ids: list[str]) -> list[IndexDoc]:
        if not doc_ids:
            return []
        marks = ", ".join("?" * len(doc_ids))
        rows = self._conn().execute(f"SELECT id, data FROM docs WHERE id IN ({marks})", doc_ids)
        found = {i: orjson.loads(d) for i, d in rows}
        return [found[i] for i in doc_ids if i in found]

    def provisions_of(self, instrument_id: str, limit: int = 10_000) -> list[IndexDoc]:
        rows = self._conn().execute(
            "SELECT data FROM docs WHERE instrument_id = ? AND kind = 'provision' "
            "ORDER BY ord, rowid LIMIT ?",
            (instrument_id, limit),
        )
        return [orjson.loads(r[0]) for r in rows]

    def more_like_this(
        self, text: str, query: SearchQuery, exclude_ids: Iterable[str] = (), max_terms: int = 25
    ) -> list[Hit]:
        """The texts sharing the most distinctive words of ``text`` (tf x idf over the
        index vocabulary, which holds Porter stems)."""
        by_stem: dict[str, str] = {}
        tf: Counter[str] = Counter()
        for word in words(text):
            if len(word) > 2 or not word.isascii():
                key = stem(word)
                by_stem.setdefault(key, word)
                tf[key] += 1
        if not tf:
            return []
        conn = self._conn()
        total = int(conn.execute("SELECT value FROM meta WHERE key='documents'").fetchone()[0])
        marks = ", ".join("?" * len(tf))
        df: Counter[str] = Counter()
        for shard in range(self._shards()):
            df.update(
                dict(
                    conn.execute(
                        f"SELECT term, doc FROM {shard_table(shard)}_vocab "
                        f"WHERE term IN ({marks})",
                        list(tf),
                    )
                )
            )
        weights = {
            t: n * math.log(1 + total / df[t])
            for t, n in tf.items()
            if df.get(t) and df[t] < total * 0.5
        }
        chosen = sorted(weights, key=lambda t: -weights[t])[:max_terms]
        if not chosen:
            return []
        parsed = ParsedQuery(clauses=[[(by_stem[t],) for t in chosen]])
        exclude = set(exclude_ids)
        probe = query.model_copy(
            update={"text": "", "offset": 0, "limit": min(MAX_MLT, query.limit + len(exclude))}
        )
        expr, partial = self._expression(probe, parsed)
        if expr is None:
            return []
        _, rows, _ = self._run(probe.model_copy(update={"facets": False}), parsed, expr, partial)
        hits = [make_hit(orjson.loads(d), parsed, -score) for d, score, _ in rows]
        return [h for h in hits if h.id not in exclude][: query.limit]

    def counts(self, field_a: str, field_b: str, query: SearchQuery) -> dict[str, dict[str, int]]:
        for field in (field_a, field_b):
            if field not in KEYWORD_FIELDS:
                raise InvalidQuery(f"cannot count by {field!r}")
        expr, partial = self._expression(query, query.parsed())
        out: dict[str, dict[str, int]] = {}
        if expr is None:
            return out
        strings: Counter[str] = Counter()
        for shard in range(self._shards()):
            sql, params = self._matches(query, expr, partial, "{t}.rowid AS rowid", None, shard)
            strings.update(
                r[0]
                for r in self._execute(
                    f"SELECT f.facets FROM ({sql}) m CROSS JOIN facets f ON f.rowid = m.rowid",
                    params,
                )
            )
        pairs: Counter[tuple[str, str]] = Counter()
        for facets, n in strings.items():
            values: dict[str, list[str]] = {}
            for field, value in facet_pairs(facets):
                if field in (field_a, field_b):
                    values.setdefault(field, []).append(value)
            for a in values.get(field_a, ()):
                for b in values.get(field_b, ()):
                    pairs[(a, b)] += n
        for (a, b), n in pairs.items():
            out.setdefault(a, {})[b] = n
        return out

    def stats(self) -> dict[str, Any]:
        conn = self._conn()
        by_kind = dict(conn.execute("SELECT kind, count(*) FROM docs GROUP BY kind").fetchall())
        by_jur: dict[str, dict[str, int]] = {}
        by_sector: Counter[str] = Counter()
        for kind, facets in conn.execute(
            "SELECT d.kind, f.facets FROM docs d CROSS JOIN facets f ON f.rowid = d.rowid "
            "WHERE d.kind IN ('instrument', 'case-note')"
        ):
            key = "instruments" if kind == "instrument" else "case_notes"
            for field, value in facet_pairs(facets):
                if field == "jurisdictions":
                    by_jur.setdefault(value, {"instruments": 0, "case_notes": 0})[key] += 1
                elif field == "sectors":
                    by_sector[value] += 1
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        return {
            "backend": self.name,
            "generation": meta.get("generation"),
            "built_at": meta.get("built_at"),
            "instruments": by_kind.get("instrument", 0),
            "provisions": by_kind.get("provision", 0),
            "case_notes": by_kind.get("case-note", 0),
            "by_jurisdiction": dict(sorted(by_jur.items())),
            "by_sector": dict(sorted(by_sector.items())),
            "index_bytes": self.path.stat().st_size,
            "health": self.health(),
        }

    def health(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"status": "empty", "detail": f"no index at {self.path}; run `kb index`"}
        if not self.exists():
            return {
                "status": "empty",
                "detail": f"the index at {self.path} is of an older layout; run `kb index`",
            }
        try:
            n = self._conn().execute("SELECT count(*) FROM docs").fetchone()[0]
        except (sqlite3.Error, BackendUnavailable) as exc:
            return {"status": "unavailable", "detail": str(exc)}
        return {"status": "ok", "detail": f"{n} documents in {self.path}"}


MAX_MLT = 200


# The writer process runs this alone (sqlite3 and marshal, nothing of regkb): framed batches of
# rows on stdin, an empty frame to finish; any error ends it with the reason on stderr.
_WRITER_PROGRAM = """
import marshal, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
inbox = sys.stdin.buffer
while size := int.from_bytes(inbox.read(8), "little"):
    for sql, rows in marshal.loads(inbox.read(size)):
        if rows is None:
            db.execute(sql)
        else:
            db.executemany(sql, rows)
db.commit()
db.close()
"""


class _WriterProcess:
    """Rows handed to a separate process over a pipe (see ``WRITER_AFTER``)."""

    def __init__(self, path: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WRITER_PROGRAM, str(path)],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:  # a pipe that holds a whole batch: fewer wake-ups on either side (Linux only)
            import fcntl

            fcntl.fcntl(self.process.stdin.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)  # type: ignore[union-attr,attr-defined]
        except (ImportError, AttributeError, OSError):
            pass

    def send(self, statements: Statements) -> None:
        frame = marshal.dumps(statements)
        try:
            self.process.stdin.write(len(frame).to_bytes(8, "little"))  # type: ignore[union-attr]
            self.process.stdin.write(frame)  # type: ignore[union-attr]
        except (BrokenPipeError, OSError):
            self._fail()

    def finish(self) -> None:
        try:
            self.process.stdin.write(bytes(8))  # type: ignore[union-attr]
            self.process.stdin.close()  # type: ignore[union-attr]
        except (BrokenPipeError, OSError):
            self._fail()
        if self.process.wait() != 0:
            self._fail()

    def _fail(self) -> None:
        self.stop()
        reason = (self.process.stderr.read() or b"").decode(errors="replace").strip()  # type: ignore[union-attr]
        last = reason.splitlines()[-1] if reason else f"exit status {self.process.returncode}"
        raise IndexBuildError(f"index writer failed, previous index kept: {last}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
