"""The embedded default backend: one SQLite file with an FTS5 index, no server needed.

Builds go to a new file that replaces the old one with an atomic rename, so a failed or
interrupted build leaves the previous index in service. Text columns hold the terms computed by
``kb.text`` (folded, stemmed, CJK bigrams), so FTS5 only has to split on spaces; ranking is bm25
with a title worth more than a heading, and a heading more than body text.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kb.backends.base import Backend, BuildReport, Progress
from kb.documents import FACET_FIELDS, IndexDoc
from kb.errors import BackendUnavailable, IndexBuildError, InvalidQuery
from kb.search import (
    FACET_EXACT_LIMIT,
    Hit,
    ParsedQuery,
    Phrase,
    SearchQuery,
    SearchResult,
    make_hit,
)
from kb.text import analyze

SINGLE_FIELDS = (
    "kind",
    "doc_type",
    "status",
    "language",
    "strength",
    "agreement",
    "provision_kind",
    "origin",
    "text_source",
)
MULTI_FIELDS = ("jurisdictions", "groups", "sectors", "topics", "parties")
# single-valued fields also kept as terms, so one index scan yields every facet
FACET_SINGLES = ("kind", "doc_type", "status", "language", "strength")
FTS_COLUMNS = ("a_title", "a_heading", "a_body", "a_tags")
BM25_WEIGHTS = (8.0, 4.0, 1.0, 2.0)
FACET_SIZE = 60
BATCH = 2000

_SCHEMA = f"""
CREATE TABLE docs (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    instrument_id TEXT,
    ord INTEGER,
    date TEXT,
    {", ".join(f"{f} TEXT" for f in SINGLE_FIELDS)},
    data TEXT NOT NULL
);
CREATE TABLE terms (
    doc INTEGER NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (doc, field, value)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts USING fts5(
    {", ".join(FTS_COLUMNS)}, content='', tokenize="unicode61 remove_diacritics 0"
);
CREATE VIRTUAL TABLE fts_vocab USING fts5vocab(fts, 'row');
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
"""
_INDEXES = """
CREATE INDEX terms_fv ON terms (field, value, doc);
CREATE INDEX docs_instrument ON docs (instrument_id, ord);
"""


def _fts_phrase(phrase: Phrase) -> str:
    # terms come from kb.text.analyze: letters and digits only, never quotes or operators
    return '"' + " ".join(phrase) + '"'


def match_expression(parsed: ParsedQuery) -> str:
    """The FTS5 MATCH string for a parsed query (see ``kb.search`` for the user syntax)."""
    clauses = []
    for alternatives in parsed.clauses:
        parts = [_fts_phrase(p) for p in alternatives]
        clauses.append(parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")")
    expr = " AND ".join(clauses)
    if parsed.excluded:
        expr = f"({expr}) NOT (" + " OR ".join(_fts_phrase(p) for p in parsed.excluded) + ")"
    return expr


def _doc_data(doc: IndexDoc) -> str:
    return json.dumps({k: v for k, v in doc.items() if not k.startswith("a_")}, ensure_ascii=False)


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
        return self.path.exists()

    # -- build -------------------------------------------------------------------------
    def rebuild(self, docs: Iterable[IndexDoc], progress: Progress | None = None) -> BuildReport:
        started = time.monotonic()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.building-{os.getpid()}")
        tmp.unlink(missing_ok=True)
        generation = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
        db = sqlite3.connect(tmp)
        count = 0
        try:
            db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
            weights = ", ".join(str(w) for w in BM25_WEIGHTS)
            db.execute("INSERT INTO fts(fts, rank) VALUES ('rank', ?)", (f"bm25({weights})",))
            seen: set[str] = set()
            batch: list[IndexDoc] = []
            for doc in docs:
                if doc["id"] in seen:
                    raise IndexBuildError(f"duplicate document id {doc['id']!r}")
                seen.add(doc["id"])
                batch.append(doc)
                if len(batch) >= BATCH:
                    self._insert(db, batch, count)
                    count += len(batch)
                    batch = []
                    if progress:
                        progress(count)
            self._insert(db, batch, count)
            count += len(batch)
            if progress:
                progress(count)
            db.executescript(_INDEXES)
            db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
            stored = db.execute("SELECT count(*) FROM docs").fetchone()[0]
            if stored != count:
                raise IndexBuildError(f"index has {stored} documents, expected {count}")
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("generation", generation),
                    ("documents", str(count)),
                    ("built_at", time.strftime("%Y-%m-%dT%H:%M:%S")),
                ],
            )
            db.commit()
            db.execute("ANALYZE")
            db.close()
            os.replace(tmp, self.path)
        except BaseException as exc:
            db.close()
            tmp.unlink(missing_ok=True)
            if isinstance(exc, IndexBuildError | KeyboardInterrupt | SystemExit):
                raise
            raise IndexBuildError(f"index build failed, previous index kept: {exc}") from exc
        return BuildReport(count, generation, time.monotonic() - started)

    @staticmethod
    def _insert(db: sqlite3.Connection, batch: list[IndexDoc], offset: int) -> None:
        doc_rows, fts_rows, term_rows = [], [], []
        for i, doc in enumerate(batch, start=offset + 1):
            doc_rows.append(
                (
                    i,
                    doc["id"],
                    doc.get("instrument_id"),
                    doc.get("order") or 0,
                    doc.get("date"),
                    *(doc.get(f) for f in SINGLE_FIELDS),
                    _doc_data(doc),
                )
            )
            fts_rows.append((i, *(doc.get(c) or "" for c in FTS_COLUMNS)))
            for f in MULTI_FIELDS:
                term_rows.extend((i, f, v) for v in set(doc.get(f) or ()))
            for f in FACET_SINGLES:
                if doc.get(f) is not None:
                    term_rows.append((i, f, doc[f]))
        marks = ", ".join("?" * (5 + len(SINGLE_FIELDS) + 1))
        db.executemany(f"INSERT INTO docs VALUES ({marks})", doc_rows)
        db.executemany(
            f"INSERT INTO fts(rowid, {', '.join(FTS_COLUMNS)}) VALUES (?, ?, ?, ?, ?)", fts_rows
        )
        db.executemany("INSERT INTO terms VALUES (?, ?, ?)", term_rows)

    # -- queries -----------------------------------------------------------------------
    @staticmethod
    def _conditions(query: SearchQuery) -> tuple[list[str], list[Any]]:
        conds: list[str] = []
        params: list[Any] = []
        for name, values in query.filters().items():
            marks = ", ".join("?" * len(values))
            if name in MULTI_FIELDS:
                conds.append(
                    f"d.rowid IN (SELECT doc FROM terms WHERE field = ? AND value IN ({marks}))"
                )
                params.extend([name, *values])
            else:
                conds.append(f"d.{name} IN ({marks})")
                params.extend(values)
        if query.date_from:
            conds.append("d.date >= ?")
            params.append(query.date_from.isoformat())
        if query.date_to:
            conds.append("d.date <= ?")
            params.append(query.date_to.isoformat() + "~")
        return conds, params

    def _matched_cte(self, query: SearchQuery, parsed: ParsedQuery) -> tuple[str, list[Any]]:
        """SQL yielding (rowid, score) of every match; lower score = better (bm25)."""
        conds, params = self._conditions(query)
        where = (" AND " + " AND ".join(conds)) if conds else ""
        if parsed.empty:
            sql = ("SELECT d.rowid AS rowid, 0.0 AS score, d.date AS date FROM docs d "
                   f"WHERE 1{where}")
            return sql, params
        if not conds:
            return ("SELECT rowid, rank AS score, NULL AS date FROM fts WHERE fts MATCH ?",
                    [match_expression(parsed)])
        sql = (
            "SELECT fts.rowid AS rowid, fts.rank AS score, d.date AS date FROM fts "
            f"CROSS JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ?{where}"
        )
        return sql, [match_expression(parsed), *params]

    def show_query(self, query: SearchQuery) -> str:
        sql, params = self._matched_cte(query, query.parsed())
        order = "score, date DESC" if query.text else "date DESC"
        return (
            f"WITH m AS MATERIALIZED ({sql})\nSELECT d.data, m.score FROM m JOIN docs d "
            f"ON d.rowid = m.rowid ORDER BY {order} LIMIT {query.limit} OFFSET {query.offset};\n"
            f"-- parameters: {json.dumps(params, ensure_ascii=False)}"
        )

    def _execute(self, sql: str, params: list[Any]) -> list[tuple]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "fts5" in str(exc) or "MATCH" in str(exc):
                raise InvalidQuery(f"cannot search for that: {exc}") from exc
            raise BackendUnavailable(f"index error: {exc}") from exc

    def search(self, query: SearchQuery) -> SearchResult:
        """One statement, so the full-text match is evaluated once for the count, the page
        of hits (bm25, or newest first when there is no text) and the facets."""
        parsed = query.parsed()
        cte, params = self._matched_cte(query, parsed)
        order = "date DESC, rowid" if parsed.empty else "score, rowid"
        facet_fields = ", ".join(f"'{f}'" for f in FACET_FIELDS)
        facets_sql = (
            " UNION ALL SELECT 2, t.field, t.value, count(*) FROM "
            f"(SELECT rowid FROM m LIMIT {FACET_EXACT_LIMIT}) s CROSS JOIN terms t "
            f"ON t.doc = s.rowid WHERE t.field IN ({facet_fields}) GROUP BY t.field, t.value"
            if query.facets else ""
        )
        rows = self._execute(
            f"WITH m AS MATERIALIZED ({cte}), "
            f"page AS (SELECT rowid, score, date FROM m ORDER BY {order} LIMIT ? OFFSET ?) "
            "SELECT 0, NULL, NULL, count(*) FROM m "
            "UNION ALL SELECT 1, d.data, p.score, p.rowid FROM page p "
            f"CROSS JOIN docs d ON d.rowid = p.rowid{facets_sql}",
            [*params, query.limit, query.offset],
        )
        total = next(r[3] for r in rows if r[0] == 0)
        page = [r for r in rows if r[0] == 1]
        if parsed.empty:
            page.sort(key=lambda r: r[3])
            page.sort(key=lambda r: json.loads(r[1]).get("date") or "", reverse=True)
        else:
            page.sort(key=lambda r: (r[2], r[3]))
        hits = [make_hit(json.loads(r[1]), parsed, -r[2]) for r in page]
        facets: dict[str, dict[str, int]] = {}
        exact = total <= FACET_EXACT_LIMIT
        if query.facets:
            scale = 1.0 if exact else total / FACET_EXACT_LIMIT
            found: dict[str, dict[str, int]] = {"kind": {}}
            for _, field, value, count in (r for r in rows if r[0] == 2):
                found.setdefault(field, {})[value] = round(count * scale)
            facets = {f: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE])
                      for f, v in found.items()}
        return SearchResult(total=total, hits=hits, facets=facets, facets_exact=exact)

    def get(self, doc_id: str) -> IndexDoc | None:
        row = self._conn().execute("SELECT data FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def get_many(self, doc_ids: list[str]) -> list[IndexDoc]:
        if not doc_ids:
            return []
        marks = ", ".join("?" * len(doc_ids))
        rows = self._conn().execute(f"SELECT id, data FROM docs WHERE id IN ({marks})", doc_ids)
        found = {i: json.loads(d) for i, d in rows}
        return [found[i] for i in doc_ids if i in found]

    def provisions_of(self, instrument_id: str, limit: int = 10_000) -> list[IndexDoc]:
        rows = self._conn().execute(
            "SELECT data FROM docs WHERE instrument_id = ? AND kind = 'provision' "
            "ORDER BY ord, rowid LIMIT ?",
            (instrument_id, limit),
        )
        return [json.loads(r[0]) for r in rows]

    def more_like_this(
        self, text: str, query: SearchQuery, exclude_ids: Iterable[str] = (), max_terms: int = 25
    ) -> list[Hit]:
        terms = Counter(t for t in analyze(text) if len(t) > 2 or not t.isascii())
        if not terms:
            return []
        conn = self._conn()
        total = int(conn.execute("SELECT value FROM meta WHERE key='documents'").fetchone()[0])
        marks = ", ".join("?" * len(terms))
        df = dict(
            conn.execute(
                f"SELECT term, doc FROM fts_vocab WHERE term IN ({marks})", list(terms)
            ).fetchall()
        )
        weights = {
            t: tf * math.log(1 + total / df[t])
            for t, tf in terms.items()
            if df.get(t) and df[t] < total * 0.5
        }
        chosen = sorted(weights, key=lambda t: -weights[t])[:max_terms]
        if not chosen:
            return []
        parsed = ParsedQuery(clauses=[[(t,) for t in chosen]])
        exclude = set(exclude_ids)
        probe = query.model_copy(
            update={
                "text": "",
                "offset": 0,
                "facets": False,
                "limit": min(MAX_MLT, query.limit + len(exclude)),
            }
        )
        cte, params = self._matched_cte(probe, parsed)
        rows = self._execute(
            f"WITH m AS MATERIALIZED ({cte}) SELECT d.data, m.score FROM m "
            f"JOIN docs d ON d.rowid = m.rowid ORDER BY m.score LIMIT ?",
            [*params, probe.limit],
        )
        hits = [make_hit(json.loads(d), parsed, -s) for d, s in rows]
        return [h for h in hits if h.id not in exclude][: query.limit]

    def counts(self, field_a: str, field_b: str, query: SearchQuery) -> dict[str, dict[str, int]]:
        known = (*MULTI_FIELDS, *FACET_SINGLES)
        for field in (field_a, field_b):
            if field not in known:
                raise InvalidQuery(f"cannot count by {field!r}")
        cte, params = self._matched_cte(query, query.parsed())
        rows = self._execute(
            f"WITH m AS MATERIALIZED ({cte}) SELECT a.value, b.value, count(*) FROM m "
            "CROSS JOIN terms a ON a.doc = m.rowid AND a.field = ? "
            "CROSS JOIN terms b ON b.doc = m.rowid AND b.field = ? GROUP BY 1, 2",
            [*params, field_a, field_b],
        )
        out: dict[str, dict[str, int]] = {}
        for a, b, n in rows:
            out.setdefault(a, {})[b] = n
        return out

    def stats(self) -> dict[str, Any]:
        conn = self._conn()
        by_kind = dict(conn.execute("SELECT kind, count(*) FROM docs GROUP BY kind").fetchall())
        by_jur: dict[str, dict[str, int]] = {}
        for code, kind, n in conn.execute(
            "SELECT t.value, d.kind, count(*) FROM terms t JOIN docs d ON d.rowid = t.doc "
            "WHERE t.field = 'jurisdictions' AND d.kind IN ('instrument', 'case-note') "
            "GROUP BY 1, 2"
        ):
            key = "instruments" if kind == "instrument" else "case_notes"
            by_jur.setdefault(code, {"instruments": 0, "case_notes": 0})[key] = n
        by_sector = dict(
            conn.execute(
                "SELECT t.value, count(*) FROM terms t JOIN docs d ON d.rowid = t.doc "
                "WHERE t.field = 'sectors' AND d.kind IN ('instrument', 'case-note') GROUP BY 1"
            ).fetchall()
        )
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
        try:
            n = self._conn().execute("SELECT count(*) FROM docs").fetchone()[0]
        except (sqlite3.Error, BackendUnavailable) as exc:
            return {"status": "unavailable", "detail": str(exc)}
        return {"status": "ok", "detail": f"{n} documents in {self.path}"}


MAX_MLT = 200
