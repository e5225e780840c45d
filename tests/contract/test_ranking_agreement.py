"""Both backends rank alike: the same query meaning, the same terms, the same BM25.

Every judged query of benchmarks/quality (130, English and Vietnamese, short topics and whole
questions) runs on the real corpus against the embedded index and Elasticsearch.
"""

from __future__ import annotations

import pytest

from kb.search import SearchQuery
from tests.conftest import quality_module

QUERIES = [q.text for q in quality_module().load_queries()]


def top10(kb, text: str) -> list[str]:
    return [h.id for h in kb.search(SearchQuery(text=text, limit=10, facets=False)).hits]


def test_there_are_enough_queries() -> None:
    assert len(QUERIES) >= 30


@pytest.mark.parametrize("text", QUERIES)
def test_same_first_hit_and_most_of_the_top_ten(
    corpus_embedded, corpus_elasticsearch, text: str
) -> None:
    embedded, elastic = top10(corpus_embedded, text), top10(corpus_elasticsearch, text)
    assert embedded, f"nothing found for {text!r}"
    assert embedded[0] == elastic[0]
    assert len(set(embedded) & set(elastic)) >= min(8, len(embedded))
