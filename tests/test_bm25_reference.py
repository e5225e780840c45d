"""The quality yardstick (benchmarks/bm25_reference.py) is plain BM25: any word, one field."""

from __future__ import annotations

from benchmarks.bm25_reference import PlainBM25, query_stems
from kb.search import SearchQuery
from kb.text import index_text


def doc(doc_id: str, title: str, body: str) -> dict[str, str]:
    return {"id": doc_id, "a_title": index_text(title), "a_body": index_text(body)}


def test_any_word_matches_and_more_of_them_rank_first() -> None:
    ranker = PlainBM25([
        doc("both", "Article 5", "The spectrum auction assigns licences."),
        doc("one", "Article 6", "A spectrum plan is published every year."),
        doc("none", "Article 7", "Subscribers register their SIM cards."),
    ])
    try:
        found = ranker.search(SearchQuery(text="the spectrum auctions", limit=10))
        assert [h.id for h in found.hits] == ["both", "one"]
        assert found.total == 2
        assert ranker.search(SearchQuery(text="the of and", limit=10)).hits == []
    finally:
        ranker.close()


def test_function_words_are_left_out_as_regkb_leaves_them_out() -> None:
    assert query_stems("the transfer of personal data") == ["transfer", "person", "data"]
    assert query_stems("chuyển dữ liệu của doanh nghiệp") == ["chuyen", "du", "lieu", "doanh",
                                                             "nghiep"]
