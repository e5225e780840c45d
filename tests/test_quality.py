"""Search quality may not fall: nDCG@10 of the judged queries (benchmarks/quality) on the real
corpus, per backend and slice, against floors set 0.02 under the last measured figures
(benchmarks/QUALITY.md). Raise a floor when a change measurably improves its figure."""

from __future__ import annotations

import pytest

from tests.conftest import corpus_kb, quality_module

FLOORS = {
    "embedded": {"all": 0.666, "en": 0.669, "vi": 0.662, "question": 0.640,
                 "cross-language": 0.670},
    "elasticsearch": {"all": 0.666, "en": 0.669, "vi": 0.662, "question": 0.640,
                      "cross-language": 0.670},
}

BM25_MARGIN = 0.05  # over plain BM25 of the same texts, in every slice


@pytest.mark.parametrize("backend", sorted(FLOORS))
def test_ndcg_stays_above_its_floor(request: pytest.FixtureRequest, backend: str) -> None:
    slices = quality_module().evaluate(corpus_kb(request, backend))["slices"]
    below = {
        name: (round(slices[name]["ndcg@10"], 3), floor)
        for name, floor in FLOORS[backend].items()
        if slices[name]["ndcg@10"] < floor
    }
    assert not below, f"nDCG@10 below its floor (measured, floor): {below}"


def test_search_ranks_above_plain_bm25_of_the_same_texts(request: pytest.FixtureRequest) -> None:
    """The yardstick the targets were set against: plain BM25 over the same documents (one
    field, any word, no bonus). regkb's ranking must beat it in every slice, by a margin."""
    from benchmarks.bm25_reference import PlainBM25
    from kb.documents import record_docs

    quality = quality_module()
    kb = corpus_kb(request, "embedded")
    reference = PlainBM25(record_docs(kb.records(kb.load_entries())))
    try:
        theirs = quality.evaluate(reference)["slices"]
    finally:
        reference.close()
    ours = quality.evaluate(kb)["slices"]
    short = {
        name: (round(ours[name]["ndcg@10"], 3), round(theirs[name]["ndcg@10"], 3))
        for name in FLOORS["embedded"]
        if ours[name]["ndcg@10"] < theirs[name]["ndcg@10"] + BM25_MARGIN
    }
    assert not short, f"nDCG@10 not {BM25_MARGIN} above plain BM25's (ours, BM25): {short}"
