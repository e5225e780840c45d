"""The bilingual glossary: its size and shape, its provenance, and lookups with and without
Vietnamese diacritics. A wrong or duplicated pair misleads every query that expands through it."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

from kb.glossary import (
    CORPUS_SOURCES,
    DOMAINS,
    GlossaryError,
    english_stop_collisions,
    glossary,
    is_valid_source,
    longest_matches,
    parse,
    translations,
    vietnamese_words,
)
from kb.taxonomy import Taxonomy
from kb.text import words


def phrase(text: str) -> tuple[str, ...]:
    return tuple(words(text))


def pairs() -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return [(en, vi) for e in glossary() for en in e.en_words for vi in e.vi_words]


def test_at_least_2000_pairs_and_entries():
    assert len(glossary()) >= 2000  # concepts, each one pair or more
    assert len(pairs()) >= 2000


def test_no_duplicate_pairs():
    counts = Counter(pairs())
    assert [p for p, n in counts.items() if n > 1] == []


def test_every_entry_is_well_formed():
    for e in glossary():
        assert e.en and e.vi, e.line
        assert e.domain in DOMAINS, e.line
        assert is_valid_source(e.source), e.line
        assert all(e.en_words) and all(e.vi_words), e.line


def test_every_domain_is_covered():
    counts = Counter(e.domain for e in glossary())
    assert all(counts[d] >= 50 for d in DOMAINS), counts


def test_every_taxonomy_label_is_a_pair():
    have = set(pairs())
    missing = [
        t.id
        for t in Taxonomy.load().topics.values()
        if (phrase(t.label), phrase(t.label_vi)) not in have
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("en", "vi"),
    [
        ("universal service", "dịch vụ viễn thông công ích"),
        ("subscriber registration", "đăng ký thông tin thuê bao"),
        ("number portability", "chuyển mạng giữ nguyên số"),
        ("frequency allocation", "phân bổ tần số"),
        ("frequency assignment", "ấn định tần số"),
        ("spectrum auction", "đấu giá quyền sử dụng tần số vô tuyến điện"),
        ("spectrum licence", "giấy phép sử dụng tần số"),
        ("controller", "bên kiểm soát dữ liệu cá nhân"),
        ("processor", "bên xử lý dữ liệu cá nhân"),
        ("data subject", "chủ thể dữ liệu"),
        ("consent", "sự đồng ý"),
        ("cross-border transfer of personal data", "chuyển dữ liệu cá nhân ra nước ngoài"),
        ("information system critical to national security",
         "hệ thống thông tin quan trọng về an ninh quốc gia"),
        ("electronic signature", "chữ ký điện tử"),
        ("digital signature", "chữ ký số"),
        ("Party", "Bên"),
        ("non-conforming measure", "biện pháp không tương thích"),
        ("national treatment", "đối xử quốc gia"),
        ("most-favoured-nation treatment", "đối xử tối huệ quốc"),
        ("legitimate public policy objective", "mục tiêu chính sách công chính đáng"),
        ("source code", "mã nguồn"),
        ("shall endeavour", "sẽ nỗ lực"),
        ("data", "dữ liệu"),
        ("frequency", "tần số"),
        ("subscriber", "thuê bao"),
    ],
)
def test_key_terms(en: str, vi: str):
    assert phrase(vi) in translations(phrase(en))
    assert phrase(en) in translations(phrase(vi))


def test_universal_service_is_not_rendered_as_pho_cap():
    assert phrase("dịch vụ phổ cập") not in translations(phrase("universal service"))


@pytest.mark.parametrize("typed", ["dữ liệu cá nhân", "du lieu ca nhan", "DỮ LIỆU CÁ NHÂN"])
def test_translations_ignore_case_and_diacritics(typed: str):
    assert translations(phrase(typed))[0] == phrase("personal data")


def test_translations_never_return_the_phrase_itself():
    for e in glossary()[:300]:
        for key in e.en_words:
            assert key not in translations(key)


def test_unknown_phrase_has_no_translation():
    assert translations(phrase("zebra crossing")) == []


@pytest.mark.parametrize(
    "query",
    [
        "bên kiểm soát dữ liệu cá nhân chuyển dữ liệu ra nước ngoài",
        "ben kiem soat du lieu ca nhan chuyen du lieu ra nuoc ngoai",
    ],
)
def test_longest_matches_prefers_the_longest_phrase(query: str):
    found = longest_matches(words(query))
    spans = sorted({(s, e) for s, e, _ in found})
    assert spans[0] == (0, 7)  # the whole "bên kiểm soát dữ liệu cá nhân", not "dữ liệu cá nhân"
    assert any("controller" in entry.en for s, _, entry in found if s == 0)
    # no two chosen spans overlap
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start


def test_longest_matches_in_english():
    query = words("cross-border data flows and the location of computing facilities")
    found = {(s, e): entry for s, e, entry in longest_matches(query)}
    assert (0, 4) in found
    assert phrase("vị trí đặt cơ sở điện toán") in found[(6, 10)].vi_words


def test_longest_matches_of_nothing():
    assert longest_matches([]) == []
    assert longest_matches(["zzz", "qqq"]) == []


def test_vietnamese_words_for_segmentation():
    vw = vietnamese_words()
    assert phrase("dữ liệu") in vw and phrase("tần số") in vw and phrase("viễn thông") in vw
    assert phrase("doanh nghiệp") in vw and phrase("an ninh mạng") in vw
    assert all(len(w) > 1 for w in vw)


def test_no_vietnamese_syllable_folds_onto_an_english_function_word():
    assert english_stop_collisions() == []


BAD = """\
- en: [personal data]
  vi: [dữ liệu cá nhân]
  domain: data-protection
  source: editorial
- en: [frequency]
  vi: [tần số]
  domain: radio
  source: editorial
- en: [subscriber]
  vi: [thuê bao]
  domain: telecom
  source: my memory
- en: [licence]
  domain: telecom
  source: editorial
- en: [Personal Data]
  vi: [du lieu ca nhan]
  domain: data-protection
  source: editorial
"""


def test_bad_entries_name_file_line_and_field(tmp_path: Path):
    path = tmp_path / "glossary.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(GlossaryError) as err:
        glossary(path)
    messages = [str(p) for p in err.value.problems]
    assert f"{path}:7: domain: 'radio' is not one of" in "\n".join(messages)
    assert any(m.startswith(f"{path}:12: source: unknown source 'my memory'") for m in messages)
    assert f"{path}:13: vi: required field is missing" in messages
    assert any(m.startswith(f"{path}:17: en: the pair") for m in messages)  # folds alike
    assert len(messages) == 4


def test_bad_yaml_and_bad_shapes(tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("- en: [a\n  vi: b\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"broken\.yaml:\d+: invalid YAML"):
        glossary(broken)
    shapes = tmp_path / "shapes.yaml"
    shapes.write_text(
        "- en: data\n  vi: [dữ liệu]\n  domain: ai\n  source: editorial\n  note: x\n",
        encoding="utf-8",
    )
    with pytest.raises(GlossaryError) as err:
        glossary(shapes)
    text = str(err.value)
    assert f"{shapes}:1: en: expected a list of terms" in text
    assert f"{shapes}:5: note: unknown field" in text


GOOD = """\
# a comment before the list
- en: [personal data]
  vi: [dữ liệu cá nhân]
  domain: data-protection
  source: editorial
- &tel
  en: [subscriber]
  vi: [thuê bao]
  domain: telecom
  source: editorial
"""

LOADERS = [yaml.SafeLoader, *([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])]


@pytest.mark.parametrize("loader", LOADERS, ids=lambda loader: loader.__name__)
def test_entries_are_read_one_at_a_time_as_a_whole_document_would_read_them(loader: type):
    entries, problems = parse(GOOD, "g.yaml", loader=loader)
    assert problems == []
    assert [(e.en, e.vi, e.line) for e in entries] == [
        (("personal data",), ("dữ liệu cá nhân",), 2), (("subscriber",), ("thuê bao",), 6)]
    bad, problems = parse(BAD, "g.yaml", loader=loader)
    assert [e.line for e in bad] == [1]
    assert [(p.line, p.field) for p in problems] == [(7, "domain"), (12, "source"), (13, "vi"),
                                                     (17, "en")]


@pytest.mark.parametrize("loader", LOADERS, ids=lambda loader: loader.__name__)
@pytest.mark.parametrize(("text", "expected"), [
    ("", []),
    ("# only a comment\n", []),
    ("en: [a]\nvi: [b]\n", ["g.yaml:1: the glossary must be a list of entries"]),
    ("\n\n- just text\n", ["g.yaml:3: an entry must be a mapping"]),
    ("- en: [a]\n  vi: [b]\n  domain: ai\n  source: editorial\n---\n- x\n",
     ["g.yaml:5: invalid YAML: but found another document"]),
    ("&top\n- just text\n- *top\n", ["g.yaml:3: invalid YAML: found undefined alias 'top'"]),
])
def test_a_document_of_another_shape_is_one_problem(loader: type, text: str,
                                                    expected: list[str]):
    entries, problems = parse(text, "g.yaml", loader=loader)
    assert entries == []
    assert [str(p) for p in problems] == expected


def test_a_corpus_path_is_a_valid_source():
    assert is_valid_source("corpus-more/vn/laws/some-law.en.md")
    assert not is_valid_source("../etc/passwd")
    assert not is_valid_source("wikipedia")


_NEW_TONE = {"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa", "oè": "òe", "oé": "óe",
             "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe", "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy",
             "uỵ": "ụy"}


def _normal(text: str) -> str:
    """Lower case, one space, and one tone-mark placement ("hoá" and "hóa" alike)."""
    text = unicodedata.normalize("NFC", text).lower()
    for old, new in _NEW_TONE.items():
        text = re.sub(old + r"(?!\w)", new, text)
    return " " + re.sub(r"\s+", " ", text) + " "


def _plain_text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8-sig", errors="replace")
    if path.suffix == ".html":
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(raw, "lxml")
        for tag in soup(["script", "style"]):
            tag.decompose()
        raw = soup.get_text(" ")
    return _normal(raw)


@pytest.mark.corpus
def test_cited_vietnamese_wording_occurs_in_the_cited_text(corpus: Path):
    """A pair tagged with a Vietnamese text promises its preferred term is written there."""
    root = corpus.parent
    texts: dict[str, str] = {}
    for sid, rel in CORPUS_SOURCES.items():
        if (root / rel).is_file():
            texts[sid] = _plain_text(root / rel)
    if not texts:
        pytest.skip("none of the cited Vietnamese texts is present")
    missing = []
    for e in glossary():
        if e.source in texts:
            term = _normal(e.vi[0]).strip()
            if not re.search(r"(?<!\w)" + re.escape(term) + r"(?!\w)", texts[e.source]):
                missing.append((e.line, e.vi[0], e.source))
    assert missing == []
