"""Text analysis: folding must be the same character for character on every path."""

from __future__ import annotations

import pytest

from kb.text import _FOLD_RANGES, _fold_char, fold, index_text, iter_tokens, words


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đấu giá quyền sử dụng tần số", "dau gia quyen su dung tan so"),
        ("Luật An ninh mạng", "luat an ninh mang"),
        ("Größe Œuvre Łódź", "grose ouvre lodz"),
        ("“Quoted” — dash", "“quoted” — dash"),
        ("電気通信事業法", "電気通信事業法"),
        ("ＡＢＣ", "ａｂｃ"),
    ],
)
def test_fold_lowercases_and_strips_marks_keeping_offsets(text: str, folded: str) -> None:
    assert fold(text) == folded
    assert len(fold(text)) == len(text)


def test_fold_agrees_with_the_per_character_rule_over_the_whole_basic_plane() -> None:
    """The table is indexed by code point: an off-by-one or a missing range would fold some
    character differently in a long text than on its own."""
    inside = {cp for lo, hi in _FOLD_RANGES for cp in range(lo, hi)}
    chars = [chr(cp) for cp in range(0x80, 0x10000) if not 0xD800 <= cp < 0xE000]
    expected = "".join(_fold_char(c) if ord(c) in inside else c for c in chars)
    assert fold("".join(chars)) == expected
    assert fold("\U0001f449 Đ") == "\U0001f449 d"  # past the table's end: kept as is


def test_index_text_cuts_cjk_runs_into_bigrams_and_words_folds_queries() -> None:
    assert index_text("電気通信") == "電気 気通 通信"
    assert words("Dữ liệu cá nhân") == ["du", "lieu", "ca", "nhan"]


@pytest.mark.parametrize(
    "text",
    ["電気通信事業法 Article 2 (Definitions) の規定", "Điều 5 行政手続法 dữ liệu", "字 a 字字 b"],
)
def test_cjk_words_are_the_words_of_the_tokens_highlights_use(text: str) -> None:
    """What is indexed (and asked) must be what ``iter_tokens`` marks in a hit's text."""
    folded = fold(text)
    expected = [folded[s:e] for _, s, e in iter_tokens(text)]
    assert words(text) == expected
    assert index_text(text) == " ".join(expected)


def test_pairs_follow_the_words_so_words_keep_their_positions() -> None:
    from kb.text import pair_term, stemmed, with_pairs

    assert with_pairs("person data protect") == (
        "person data protect _person_data _data_protect")
    assert with_pairs("data") == "data"
    assert with_pairs("") == ""
    assert pair_term("du", "lieu") == "_du_lieu"
    # the words are split on the joiner, so no word of a text can contain it
    assert "_" not in stemmed(index_text("personal_data snake_case Đấu_giá"))


@pytest.mark.parametrize("text", [
    "Personal data (as defined in s. 2) shall not be transferred -- see Art. 45(1)!",
    "Điều 20. Chuyển dữ liệu cá nhân ra nước ngoài; doanh nghiệp viễn thông",
    "個人情報の保護に関する法律 第二十四条",
    "data", "", "  ,; ", "snake_case_words and 2G/3G switch-off",
])
def test_the_indexed_terms_of_a_text_are_its_stems_then_its_pairs(text: str) -> None:
    """``indexed_terms``, the one pass a build makes, indexes what the query side asks for."""
    from kb.text import indexed_terms, stemmed, with_pairs

    folded = index_text(text)
    assert indexed_terms(folded) == with_pairs(stemmed(folded))


def test_a_phrase_is_its_pair_terms_on_both_backends() -> None:
    from kb.backends.elastic import build_phrase_query
    from kb.backends.embedded import phrase_terms

    assert phrase_terms(("data",)) == ["data"]
    assert phrase_terms(("person", "data")) == ["_person_data"]
    assert phrase_terms(("a", "b", "a", "b")) == ["_a_b", "_b_a"]
    assert build_phrase_query("a_body", ("person", "data"), 2.0) == {
        "term": {"a_body": {"value": "_person_data", "boost": 2.0}}}
    three = build_phrase_query("a_body", ("cross", "border", "transfer"), 1.0)
    assert [q["term"]["a_body"]["value"] for q in three["bool"]["must"]] == [
        "_cross_border", "_border_transfer"]
    # words near each other (a slop) are still a phrase over positions
    assert "match_phrase" in build_phrase_query("a_body", ("a", "b"), 1.0, slop=3)


SPAN_TEXTS = [
    "The licensee shall conduct spectrum auctions; auctioned spectrum is re-auctioned.",
    "Possibility, responsibility and nobility: reasonably sensitive relational organizations.",
    "Đấu giá quyền sử dụng tần số vô tuyến điện — đấu giá, Đấu Giá!",
    "Toys, skies, ties, ponies, hopping, hoped, agreed, generalization, dying, lying.",
    "電気通信事業法 telecom第2条 business事業者 and 個人情報 data",
    "e-commerce, e_commerce, cross-border data flows (CBDF) 2G/3G switch-off 5G.",
]


@pytest.mark.parametrize("text", SPAN_TEXTS)
def test_term_spans_finds_what_iter_tokens_finds_for_every_term_set(text: str) -> None:
    """The fast path skips stemming words that cannot match; it must never skip one that
    does: every term of the text, alone and in pairs, gives the spans iter_tokens gives."""
    from kb.text import term_spans

    terms = sorted({term for term, _, _ in iter_tokens(text)})
    for i, term in enumerate(terms):
        for chosen in ({term}, {term, terms[(i + 1) % len(terms)]}):
            expected = [(s, e) for t, s, e in iter_tokens(text) if t in chosen]
            assert term_spans(text, chosen) == expected, chosen
    assert term_spans(text, {"zzzz"}) == []
