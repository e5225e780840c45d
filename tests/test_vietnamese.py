"""Vietnamese queries are read word by word, not syllable by syllable."""

from __future__ import annotations

from kb.search import parse_query
from kb.vietnamese import dictionary, join_words


def phrases(text: str) -> list[tuple[tuple[str, ...], ...]]:
    return [c.phrases for c in parse_query(text, expand=False).plan().clauses]


def test_the_dictionary_holds_the_common_legal_words() -> None:
    words = dictionary()
    for word in ("du lieu", "vien thong", "tan so", "an ninh", "doanh nghiep", "viet nam"):
        assert tuple(word.split()) in words


def test_syllables_are_joined_longest_first() -> None:
    syllables = "co quan quan ly nha nuoc ve tan so vo tuyen dien".split()
    words = [" ".join(syllables[a:b]) for a, b in join_words(syllables)]
    assert words == ["co quan", "quan ly nha nuoc", "ve", "tan so", "vo tuyen dien"]


def test_a_question_becomes_words_and_function_words_go() -> None:
    found = phrases("Doanh nghiệp viễn thông có phải lưu trữ dữ liệu người dùng tại Việt Nam?")
    assert (("doanh", "nghiep"),) in found and (("du", "lieu"),) in found
    assert (("viet", "nam"),) in found
    assert (("co",),) not in found and (("tai",),) not in found  # có, tại: function words


def test_a_query_without_marks_is_joined_like_the_same_query_with_them() -> None:
    assert phrases("đấu giá quyền sử dụng tần số") == phrases("dau gia quyen su dung tan so")
    assert phrases("an ninh mạng") == phrases("an ninh mang")


def test_a_word_counts_once_towards_the_minimum() -> None:
    plan = parse_query("lưu trữ dữ liệu người dùng", expand=False).plan()
    assert len(plan.clauses) == 3 and plan.minimum_should_match == 2


def test_english_queries_are_not_joined() -> None:
    assert phrases("data localisation rules") == [(("data",),), (("localis",),), (("rule",),)]
