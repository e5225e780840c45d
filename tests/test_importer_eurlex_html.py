"""EUR-Lex HTML importer: edge cases on small pages, and the GDPR CONVEX page of the corpus."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from kb import importers
from kb.errors import ImportFailed
from kb.importers import eurlex_html, formex


def _row(label: str, text: str) -> str:
    return (f'<table><tbody><tr><td valign="top"><p class="normal">{label}</p></td>'
            f'<td valign="top"><p class="normal">{text}</p></td></tr></tbody></table>')


def _page(body: str, title: str = "L_2020050EN.01000101.xml") -> bytes:
    return (f"<html><!-- CONVEX # converter_version:6.7.1 --><head><title>{title}</title></head>"
            f"<body>{body}</body></html>").encode()


TITLE = ('<p class="doc-ti">COMMISSION REGULATION (EU) 2020/123</p>'
         '<p class="doc-ti">of 10 February 2020</p>'
         '<p class="doc-ti">on roaming (sample)</p>'
         '<p class="doc-ti">(Text with EEA relevance)</p>')
ARTICLE = ('<p class="ti-art">Article 1</p><p class="sti-art">Scope</p>'
           '<p class="normal">This Regulation applies to roaming.</p>')


def _one(data: bytes):
    docs = eurlex_html.parse(data, "page.html")
    assert len(docs) == 1
    return docs[0]


def test_sniff_is_specific() -> None:
    assert eurlex_html.sniff(_page(TITLE + ARTICLE), "x.html") == 90
    assert eurlex_html.sniff(b'<html><p class="oj-doc-ti">REGULATION</p></html>', "x") == 90
    assert eurlex_html.sniff(b"<html><body><p>Hello</p></body></html>", "x.html") == 0
    assert eurlex_html.sniff(b'<ACT><TITLE class="doc-ti"/></ACT>', "x.xml") == 0
    assert eurlex_html.sniff(b'{"class": "ti-art"}', "x.json") == 0


def test_metadata_from_title_and_page_name() -> None:
    doc = _one(_page(TITLE + ARTICLE))
    assert doc.title == ("COMMISSION REGULATION (EU) 2020/123 of 10 February 2020 "
                         "on roaming (sample)")
    assert doc.number == "2020/123"
    assert doc.work_id == "/akn/eu/act/regulation/2020/123"
    assert doc.native_ids == {"celex": "32020R0123",  # no OJ page header in this page
                              "eli": "http://data.europa.eu/eli/reg/2020/123/oj"}
    assert doc.date == dt.date(2020, 2, 10)
    assert doc.language == "en"  # from the OJ file name in <title>


def test_recitals_preamble_and_articles_are_told_apart() -> None:
    body = (TITLE + '<p class="normal">THE COMMISSION,</p><p class="normal">Whereas:</p>'
            + _row("(1)", "A reason.") + _row("(2)", "Another reason.")
            + '<p class="normal">HAS ADOPTED THIS REGULATION:</p>' + ARTICLE
            + '<p class="ti-art">Article 2</p><p class="sti-art">Definitions</p>'
            + '<p class="normal">For the purposes of this Regulation:</p>'
            + _row("(1)", "‘roaming’ means use abroad;")
            + '<div class="final"><p class="normal">Done at Brussels.</p></div>'
            + '<hr class="note"/><p class="note">(1) OJ C 1.</p>')
    doc = _one(_page(body))
    assert [(p.eid, p.kind) for p in doc.provisions] == [
        ("preamble", "preamble"), ("rec_1", "recital"), ("rec_2", "recital"),
        ("art_1", "article"), ("art_2", "article")]
    assert doc.provisions[0].text == "THE COMMISSION,\nWhereas:\nHAS ADOPTED THIS REGULATION:"
    assert doc.provisions[-1].text == ("For the purposes of this Regulation:\n"
                                       "(1) ‘roaming’ means use abroad;")


def test_footnote_calls_are_removed_and_divisions_nest() -> None:
    body = (TITLE
            + '<p class="ti-section-1">TITLE I</p><p class="ti-section-2">Scope</p>'
            + '<p class="ti-section-1">CHAPTER 1</p><p class="ti-section-2">General</p>'
            + '<p class="ti-art">Article 1</p><p class="normal">See Directive 2002/21/EC'
            + '<a id="ntc1-L_2020050EN.01000101-E0001" href="#ntr1"> (<span class="super">1'
            + "</span>)</a>.</p>"
            + '<p class="ti-section-1">CHAPTER 2</p><p class="ti-section-2">Fees</p>'
            + '<p class="ti-art">Article 2</p><p class="normal">Fees apply.</p>')
    doc = _one(_page(body))
    assert doc.provisions[0].text == "See Directive 2002/21/EC."
    assert doc.provisions[0].heading is None
    assert doc.provisions[0].path == ["TITLE I Scope", "CHAPTER 1 General"]
    assert doc.provisions[1].path == ["TITLE I Scope", "CHAPTER 2 Fees"]


def test_duplicate_article_numbers_get_suffixes() -> None:
    doc = _one(_page(TITLE + ARTICLE + ARTICLE))
    assert [p.eid for p in doc.provisions] == ["art_1", "art_1_2"]


def test_errors_a_person_can_act_on() -> None:
    with pytest.raises(ImportFailed, match="no articles"):
        eurlex_html.parse(_page('<p class="doc-ti">REGULATION</p><p>The requested document '
                                "does not exist.</p>"), "missing.html")
    with pytest.raises(ImportFailed, match="empty"):
        eurlex_html.parse(b"  ", "blank.html")
    with pytest.raises(ImportFailed, match="no document title"):
        eurlex_html.parse(_page(ARTICLE), "untitled.html")


# --- the real corpus -------------------------------------------------------------------------


def test_corpus_gdpr_convex_page(corpus: Path) -> None:
    name = "gdpr.eurlex-oj-convex.en.html"
    data = (corpus / "eu" / "gdpr" / name).read_bytes()
    assert importers.detect(data, name).FORMAT == "eurlex_html"
    doc = _one(data)
    assert Counter(p.kind for p in doc.provisions) == {"article": 99, "recital": 173,
                                                       "preamble": 1}
    assert doc.title.startswith("REGULATION (EU) 2016/679 OF THE EUROPEAN PARLIAMENT AND OF THE "
                                "COUNCIL of 27 April 2016 on the protection of natural persons")
    assert doc.number == "2016/679"
    assert doc.work_id == "/akn/eu/act/regulation/2016/679"
    assert doc.native_ids == {"celex": "32016R0679", "oj": "OJ L 119, 2016, p. 1",
                              "eli": "http://data.europa.eu/eli/reg/2016/679/oj"}
    assert doc.in_force == dt.date(2016, 5, 24)  # 20 days after the OJ of 4.5.2016
    assert (doc.language, doc.date) == ("en", dt.date(2016, 4, 27))
    by_eid = {p.eid: p for p in doc.provisions}
    art44 = by_eid["art_44"]
    assert (art44.number, art44.heading) == ("Article 44", "General principle for transfers")
    assert art44.path == ["CHAPTER V Transfers of personal data to third countries or "
                          "international organisations"]
    assert by_eid["art_12"].path == ["CHAPTER III Rights of the data subject",
                                     "Section 1 Transparency and modalities"]
    assert by_eid["rec_3"].text.endswith("the free flow of personal data between Member States.")
    assert "Council seeks to harmonise" in by_eid["rec_3"].text  # footnote call removed
    assert by_eid["art_99"].text.endswith("2. It shall apply from 25 May 2018.")


def test_corpus_gdpr_page_matches_the_formex_original(corpus: Path) -> None:
    html = _one((corpus / "eu" / "gdpr" / "gdpr.eurlex-oj-convex.en.html").read_bytes())
    fmx = formex.parse((corpus / "eu" / "gdpr" / "gdpr.formex.oj-L119-2016.en.xml").read_bytes(),
                       "gdpr.xml")[0]
    assert [p.model_dump() for p in html.provisions] == [p.model_dump() for p in fmx.provisions]
