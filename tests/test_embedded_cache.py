"""What the embedded index keeps between searches (parses, built queries, results of a
generation) must never change an answer: the same answers with and without the caches, a new
generation never answered from the old one's, and a caller may reorder what it is handed."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kb.backends.embedded import TantivyBackend
from kb.config import Settings
from kb.core import KnowledgeBase
from kb.documents import record_docs
from kb.search import SearchQuery
from tests.contract.records import records

QUERIES = [
    "personal data", "transfer of personal data outside", '"personal data"', "spectrum auction",
    "dữ liệu cá nhân", "+breach notify", "data -transfer", "spectrun auctoin", "",
]


def answers(backend: TantivyBackend, query: SearchQuery) -> tuple:
    result = backend.search(query)
    return (result.total, result.total_exact, result.facets,
            [(h.id, h.score, h.excerpt, h.highlights) for h in result.hits])


@pytest.fixture()
def pair(tmp_path: Path) -> tuple[TantivyBackend, TantivyBackend]:
    cached = TantivyBackend(tmp_path / "index", result_cache=64)
    cached.rebuild(record_docs(records()))
    plain = TantivyBackend(tmp_path / "index", result_cache=0)  # the same generation
    return cached, plain


@pytest.mark.parametrize("text", QUERIES)
def test_cached_answers_are_the_answers(pair, text: str) -> None:
    cached, plain = pair
    for params in ({}, {"jurisdiction": ["sg"]}, {"kind": ["provision"], "offset": 1}):
        query = SearchQuery.from_params(text, **params)
        first = answers(cached, query)
        assert answers(cached, SearchQuery.from_params(text, **params)) == first  # from cache
        assert answers(plain, query) == first


def test_a_caller_may_reorder_what_it_is_handed(pair) -> None:
    cached, _ = pair
    query = SearchQuery.from_params("personal data")
    first = cached.search(query)
    ids, total = [h.id for h in first.hits], first.total
    assert len(ids) >= 2
    first.hits.reverse()
    first.hits.pop()
    first.total = 0
    again = cached.search(query)
    assert [h.id for h in again.hits] == ids and again.total == total


def test_a_new_generation_is_never_answered_from_the_old_ones_cache(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path / "index", result_cache=64)
    every = records()
    backend.rebuild(record_docs(every))
    query = SearchQuery.from_params("personal data")
    before = {h.id for h in backend.search(query).hits}
    assert any(i.startswith("/akn/sg/act/2012/26") for i in before)
    others = [r for r in every if not r.id.startswith("/akn/sg/")]
    backend.rebuild(record_docs(others))  # a reindex while serving
    after = {h.id for h in backend.search(query).hits}
    assert not any(i.startswith("/akn/sg/") for i in after)
    assert answers(backend, query) == answers(TantivyBackend(tmp_path / "index"), query)


def test_the_cache_is_bounded(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path / "index", result_cache=3)
    backend.rebuild(record_docs(records()))
    for text in QUERIES:
        backend.search(SearchQuery.from_params(text))
    assert len(backend._open().results._results) == 3


def test_entries_are_read_once_however_many_threads_ask(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A server's first requests all need the entries at once: one reads them, the others
    wait for that reading instead of each doing it again."""
    import kb.core

    calls: list[int] = []
    real = kb.core.load_entries

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(kb.core, "load_entries", counted)
    base = KnowledgeBase(Settings(home=tmp_path))
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(base.load_entries()))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(got) == 8 and all(g is got[0] for g in got)
    base.load_entries(refresh=True)
    assert len(calls) == 2
