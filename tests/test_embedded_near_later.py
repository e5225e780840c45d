"""The embedded backend's proximity check on the best texts only gives the very page the
whole query gives (``TantivyBackend._ranked_near_later`` against ``_ranked``).

At the corpus's size no word is common enough for the check to be put off, so the thresholds
are lowered here: every query with a proximity bonus takes the short path, and with a first
check of two texts most pages need the check extended, or give up and run the whole query.
"""

from __future__ import annotations

import pytest

from kb.backends import embedded
from kb.search import SearchQuery
from tests.conftest import quality_module

QUERIES = [q.text for q in quality_module().load_queries()]


def page(result: list) -> list[tuple[str, float]]:
    return [(doc["id"], score) for doc, score, _ in result]


@pytest.fixture
def near_later(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Put the check off for any words, check two texts first; count how each page ended."""
    monkeypatch.setattr(embedded, "NEAR_LATER_TEXTS", 0)
    monkeypatch.setattr(embedded, "NEAR_LATER_FIRST", 2)
    monkeypatch.setattr(embedded, "NEAR_LATER_FETCH", 40)
    outcomes = {"short": 0, "whole": 0, "checks": 0}
    short_path = embedded.TantivyBackend._ranked_near_later
    near_query = embedded.near_query

    def checking(schema, words, within=None):
        outcomes["checks"] += within is not None
        return near_query(schema, words, within)

    def counted(self, *args, **kwargs):
        found = short_path(self, *args, **kwargs)
        outcomes["whole" if found is None else "short"] += 1
        return found

    monkeypatch.setattr(embedded.TantivyBackend, "_ranked_near_later", counted)
    monkeypatch.setattr(embedded, "near_query", checking)
    return outcomes


def test_the_short_path_gives_the_whole_query_s_page(corpus_embedded, near_later) -> None:
    backend = corpus_embedded.backend
    reader = backend._open()
    compared = 0
    for text in QUERIES:
        for offset, limit, facets in ((0, 10, True), (0, 1, False), (10, 10, False)):
            query = SearchQuery(text=text, offset=offset, limit=limit, facets=facets)
            parsed = query.parsed()
            plan = parsed.plan()
            if not plan.proximity:
                continue
            keep = embedded.FACET_EXACT_LIMIT if facets else 0
            whole = backend._ranked(reader, embedded.full_query(reader.schema, query, plan),
                                    query, keep, embedded.score_shift(plan))
            short = backend._ranked_near_later(reader, query, plan, keep)
            if short is None:
                continue
            compared += 1
            assert short[1] == whole[1], text  # the same number of matches
            got, want = page(short[0]), page(whole[0])
            assert [i for i, _ in got] == [i for i, _ in want], (text, offset, limit)
            assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-5)
            found = backend._search_generation(reader, query, parsed)
            assert [h.id for h in found.hits] == [i for i, _ in want]
    # every way through the short path was taken: pages settled by the first check, pages
    # that needed it extended, pages handed back to the whole query
    assert compared >= 100
    assert near_later["short"] >= 100 and near_later["whole"] >= 1, near_later
    assert near_later["checks"] > near_later["short"] + near_later["whole"], near_later


def test_a_text_the_first_check_missed_is_found_by_extending_it(tmp_path, near_later) -> None:
    """The best texts by their words alone hold them far apart; a longer text, lower by its
    words, holds them close and is lifted above them all by the bonus. The first check (the
    best three) misses it; extending the check to every text within the bonus finds it."""
    from kb.documents import record_docs
    from tests.contract.records import records

    rec = records()[0].model_copy(deep=True)
    template = rec.provisions[0]
    apart = [template.model_copy(update={
        "eid": f"art_{i}", "heading": None,
        "text": f"spectrum rules {i} are set each year and then a licence is due"})
        for i in range(1, 6)]
    close = template.model_copy(update={
        "eid": "art_9", "heading": None,
        "text": "spectrum and licence terms are set each year for every operator who holds "
                "one, and the rules are reviewed by the regulator after a public hearing"})
    rec.provisions = [*apart, close]
    backend = embedded.TantivyBackend(tmp_path / "index")
    backend.rebuild(record_docs([rec]))
    query = SearchQuery(text="spectrum licence", kinds=["provision"], limit=1, facets=False)
    hits = backend.search(query).hits
    assert hits[0].id.endswith("~art_9")
    assert near_later["short"] == 1 and near_later["checks"] == 2, near_later
    backend.close()
