"""The embedded backend's own machinery: filter terms, the writer process, the rank window."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from pathlib import Path

import pytest

from kb.backends import sqlite as embedded
from kb.backends.sqlite import SQLiteBackend, date_range_tokens, filter_token
from kb.documents import record_docs
from kb.errors import IndexBuildError
from kb.search import SearchQuery
from tests.contract.records import records


def ids(backend: SQLiteBackend, **params) -> list[str]:
    params.setdefault("limit", 50)
    return [h.id for h in backend.search(SearchQuery(**params)).hits]


def test_filter_tokens_are_single_unstemmable_terms() -> None:
    token = filter_token("topics", "digital-economy/cross-border-data")
    assert token.isalnum() and token.islower() and token.endswith("0")
    assert filter_token("status", "in-force") != filter_token("status", "inforce")
    assert filter_token("status", "x") != filter_token("status", "x78x")
    assert filter_token("kind", "act") != filter_token("doc_type", "act")


def test_date_range_tokens_use_years_then_months() -> None:
    tokens, partial = date_range_tokens(dt.date(2010, 11, 1), dt.date(2012, 2, 29))
    assert tokens == ["ym201011", "ym201012", "yr2011", "ym201201", "ym201202"]
    assert not partial
    tokens, partial = date_range_tokens(dt.date(2014, 7, 2), dt.date(2014, 7, 2))
    assert tokens == ["ym201407"] and partial
    tokens, partial = date_range_tokens(None, dt.date(1800, 12, 31))
    assert tokens == ["yr1800"] and not partial


def test_writer_process_builds_the_same_index(tmp_path: Path) -> None:
    in_process = SQLiteBackend(tmp_path / "a.sqlite")
    in_process.rebuild(record_docs(records()))
    handed_over = SQLiteBackend(tmp_path / "b.sqlite")
    report = handed_over.rebuild(record_docs(records()), writer_after=0)
    assert report.documents == in_process.stats()["instruments"] + 10
    for params in ({"text": "personal data"}, {"text": "dau gia"}, {"jurisdictions": ["sg"]}):
        assert ids(handed_over, **params) == ids(in_process, **params)
    assert handed_over.stats()["by_jurisdiction"] == in_process.stats()["by_jurisdiction"]


def test_interrupted_build_with_writer_keeps_previous_index(tmp_path: Path) -> None:
    backend = SQLiteBackend(tmp_path / "index.sqlite")
    backend.rebuild(record_docs(records()))
    before = ids(backend, text="personal data")

    def broken():
        for i, doc in enumerate(record_docs(records())):
            if i == 12:
                raise RuntimeError("source died halfway")
            yield doc

    monkey_batch = embedded.BATCH
    embedded.BATCH = 4  # hand rows to the writer before the source dies
    try:
        with pytest.raises(IndexBuildError, match="source died halfway"):
            backend.rebuild(broken(), writer_after=0)
    finally:
        embedded.BATCH = monkey_batch
    assert ids(backend, text="personal data") == before
    assert [p.name for p in tmp_path.iterdir()] == ["index.sqlite"]


def test_replaced_index_is_deleted_after_the_switch(tmp_path: Path) -> None:
    backend = SQLiteBackend(tmp_path / "index.sqlite")
    backend.rebuild(record_docs(records()))
    old_inode = (tmp_path / "index.sqlite").stat().st_ino
    (tmp_path / "index.sqlite.retired-1-2").write_bytes(b"left by a killed build")
    backend.rebuild(record_docs(records()))
    for thread in threading.enumerate():
        if thread.name == "regkb-retire-index":
            thread.join()
    assert (tmp_path / "index.sqlite").stat().st_ino != old_inode
    assert [p.name for p in tmp_path.iterdir()] == ["index.sqlite"]
    assert ids(backend, text="personal data")


def test_writer_failure_is_reported_with_its_reason(tmp_path: Path) -> None:
    writer = embedded._WriterProcess(tmp_path / "missing" / "index.sqlite")
    with pytest.raises(IndexBuildError, match="unable to open database"):
        writer.send(([], [], []))
        writer.finish()


def test_shards_answer_as_one_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = SQLiteBackend(tmp_path / "whole.sqlite")
    whole.rebuild(record_docs(records()))
    monkeypatch.setattr(embedded, "SHARD_SIZE", 3)
    sharded = SQLiteBackend(tmp_path / "sharded.sqlite")
    sharded.rebuild(record_docs(records()), writer_after=0)
    assert sharded._shards() == 5 and whole._shards() == 1
    assert ids(sharded, limit=100) == ids(whole, limit=100)
    assert ids(sharded, limit=4, offset=5) == ids(whole, limit=4, offset=5)
    for params in ({"text": "personal data"}, {"text": "data", "jurisdictions": ["sg"]},
                   {"text": "tần số"}, {"text": "data", "date_from": "2014-07-02"}):
        a, b = (x.search(SearchQuery(**params, limit=50)) for x in (sharded, whole))
        assert a.total == b.total and a.facets == b.facets
        assert {h.id for h in a.hits} == {h.id for h in b.hits}
    query = SearchQuery(text="data")
    assert sharded.counts("jurisdictions", "sectors", query) == whole.counts(
        "jurisdictions", "sectors", query
    )
    monkeypatch.setattr(embedded, "TOTAL_EXACT_LIMIT", 4)
    capped = sharded.search(SearchQuery(text="", limit=1))
    assert capped.total == 4 and not capped.total_exact
    text = whole.get("/akn/sg/act/2012/26/~sec_26")["text"]
    # the same counterparts (bm25 weighs terms per shard, so their order may differ)
    assert {h.id for h in sharded.more_like_this(text, SearchQuery(limit=50))} == {
        h.id for h in whole.more_like_this(text, SearchQuery(limit=50))
    }


def test_facets_beyond_the_sample_are_estimated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = SQLiteBackend(tmp_path / "index.sqlite")
    backend.rebuild(record_docs(records()))
    exact = backend.search(SearchQuery(text=""))
    monkeypatch.setattr(embedded, "FACET_EXACT_LIMIT", 5)
    estimated = backend.search(SearchQuery(text=""))
    assert exact.facets_exact and not estimated.facets_exact
    # counted over the newest five documents, scaled to the total
    newest = [backend.get(i) for i in ids(backend, limit=5, facets=False)]
    kinds = Counter(d["kind"] for d in newest)
    scale = exact.total / 5
    assert estimated.facets["kind"] == {k: round(n * scale) for k, n in kinds.most_common()}


def test_an_index_of_an_older_layout_is_not_taken_as_built(tmp_path: Path) -> None:
    import sqlite3

    backend = SQLiteBackend(tmp_path / "index.sqlite")
    backend.rebuild(record_docs(records()))
    assert backend.exists() and backend.health()["status"] == "ok"
    db = sqlite3.connect(tmp_path / "index.sqlite")
    db.execute("UPDATE meta SET value = '1' WHERE key = 'layout'")
    db.commit()
    db.close()
    stale = SQLiteBackend(tmp_path / "index.sqlite")
    assert not stale.exists()
    assert "older layout" in stale.health()["detail"]
    stale.rebuild(record_docs(records()))
    assert stale.exists()
