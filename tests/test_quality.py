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


@pytest.mark.parametrize("backend", sorted(FLOORS))
def test_ndcg_stays_above_its_floor(request: pytest.FixtureRequest, backend: str) -> None:
    slices = quality_module().evaluate(corpus_kb(request, backend))["slices"]
    below = {
        name: (round(slices[name]["ndcg@10"], 3), floor)
        for name, floor in FLOORS[backend].items()
        if slices[name]["ndcg@10"] < floor
    }
    assert not below, f"nDCG@10 below its floor (measured, floor): {below}"
