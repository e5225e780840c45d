"""ToTA treaty XML importer: structure, labels, metadata, and the 7 real treaty files."""

from __future__ import annotations

import datetime as dt

import pytest

from kb import importers
from kb.errors import ImportFailed
from kb.importers import tota


def _treaty(body: str, parties: str = "AUS NZL", meta: str = "") -> bytes:
    codes = "".join(f'<partyisocode n="{i}">{c}</partyisocode>'
                    for i, c in enumerate(parties.split(), 1))
    return (f'<?xml version="1.0" encoding="UTF-8"?><treaty><meta><name>A - B</name>'
            f"<treaty_identifier>7</treaty_identifier><status>In Force</status>"
            f"<date_signed>2003-02-17</date_signed><date_into_force/><parties>{codes}</parties>"
            f"<language>en</language>{meta}</meta><body>{body}</body></treaty>").encode()


def _chapter(number: str, name: str, *articles: tuple[str, str, str]) -> str:
    arts = "".join(f'<article number="{n}" name="{h}" article_identifier="1">{t}</article>'
                   for n, h, t in articles)
    num = f' number="{number}"' if number else ""
    return f'<chapter{num} name="{name}" chapter_identifier="1">{arts}</chapter>'


def test_labels_paths_and_eids() -> None:
    body = (_chapter("CHAPTER 14", "Electronic Commerce",
                     ("ARTICLE 14.11", "Cross-Border Transfer Of Information By Electronic Means",
                      "Text."))
            + _chapter("CHAPTER TWO", "Trade In Goods", ("ARTICLE 1", "Scope", "Text."))
            + _chapter("01", "Objectives", ("ARTICLE 1", "Objectives", "Text."))
            + _chapter("SECTION II", "Trade In Services", ("ARTICLE 8.14", "Scope", "Text."))
            + _chapter("CHAPTER 8BIS", "State Enterprises", ("ARTICLE 8BIS.1", "Scope", "T.")))
    provs = tota.parse(_treaty(body), "pta_7.xml")[0].provisions
    got = [(p.eid, p.number, p.heading, p.path) for p in provs]
    assert got == [
        ("chp_14__art_14.11", "Article 14.11",
         "Cross-Border Transfer of Information by Electronic Means",
         ["Chapter 14 Electronic Commerce"]),
        ("chp_2__art_1", "Article 1", "Scope", ["Chapter Two Trade in Goods"]),
        ("chp_1__art_1", "Article 1", "Objectives", ["Chapter 1 Objectives"]),
        ("sec_ii__art_8.14", "Article 8.14", "Scope", ["Section II Trade in Services"]),
        ("chp_8bis__art_8bis.1", "Article 8bis.1", "Scope", ["Chapter 8bis State Enterprises"]),
    ]


def test_preamble_conclusion_and_annex_kinds() -> None:
    body = ('<chapter name="Preamble" chapter_identifier="1"><article article_identifier="1">'
            "PREAMBLE\n\nThe Parties,</article></chapter>"
            + _chapter("CHAPTER 1", "General", ("ARTICLE 1.1", "Objective", "Text."))
            + _chapter("ANNEX 1", "Schedule Of Commitments", ("ARTICLE 1", "Lists", "Text."))
            + '<chapter name="Conclusion" chapter_identifier="9"><article article_identifier="9">'
            "IN WITNESS WHEREOF</article></chapter>")
    provs = tota.parse(_treaty(body), "pta_7.xml")[0].provisions
    assert [(p.eid, p.kind, p.number) for p in provs] == [
        ("preamble", "preamble", "Preamble"),
        ("chp_1__art_1.1", "article", "Article 1.1"),
        ("annex_1__art_1", "annex", "Article 1"),
        ("conclusion", "other", "Conclusion"),
    ]
    assert provs[0].text == "PREAMBLE\nThe Parties," and provs[0].path == []


def test_text_joins_hard_line_breaks_but_keeps_paragraphs_and_list_items() -> None:
    raw = ("1. Each Party shall allow the transfer \nof information. \n\n\n"
           "2. A measure shall: \n(a) \tnot be arbitrary; and \n(b) \tbe necessary.")
    body = _chapter("CHAPTER 1", "X", ("ARTICLE 1.1", "Transfer", raw))
    prov = tota.parse(_treaty(body), "pta_7.xml")[0].provisions[0]
    assert prov.text == ("1. Each Party shall allow the transfer of information.\n"
                         "2. A measure shall:\n(a) not be arbitrary; and\n(b) be necessary.")


def test_heading_cleanup() -> None:
    body = _chapter("CHAPTER 1", "X", ("ARTICLE 1.1", "Minimum Standard Of Treatment15", "T."),
                    ("ARTICLE 1.2", "Affirmation Of Tbt Agreement", "T."))
    provs = tota.parse(_treaty(body), "pta_7.xml")[0].provisions
    assert [p.heading for p in provs] == ["Minimum Standard of Treatment",
                                          "Affirmation of TBT Agreement"]


def test_duplicate_article_numbers_get_suffixes() -> None:
    body = _chapter("CHAPTER 1", "X", ("ARTICLE 1.1", "A", "T."), ("ARTICLE 1.1", "B", "T."))
    provs = tota.parse(_treaty(body), "pta_7.xml")[0].provisions
    assert [p.eid for p in provs] == ["chp_1__art_1.1", "chp_1__art_1.1_2"]


def test_metadata() -> None:
    meta = ('<wto_rta_id>60</wto_rta_id>'
            '<source lang="en" type="full text">http://example.org/FTA text.pdf\'</source>')
    body = _chapter("CHAPTER 1", "X", ("ARTICLE 1.1", "A", "T."))
    doc = tota.parse(_treaty(body, "SGP AUS XXX", meta), "pta_7.xml")[0]
    assert doc.parties == ["sg", "au"]
    assert doc.notes == ["party XXX is not an ISO 3166-1 alpha-3 code"]
    assert doc.native_ids == {"tota": "pta_7", "wto_rta": "60"}
    assert (doc.jurisdiction, doc.doc_type, doc.language) == ("int", "treaty", "en")
    assert (doc.date, doc.in_force, doc.status) == (dt.date(2003, 2, 17), None, "in-force")
    assert doc.source_url == "http://example.org/FTA%20text.pdf"


def test_errors() -> None:
    with pytest.raises(ImportFailed, match="no articles"):
        tota.parse(_treaty(""), "pta_7.xml")
    with pytest.raises(ImportFailed, match="not a ToTA"):
        tota.parse(b"<akomaNtoso/>", "x.xml")
    with pytest.raises(ImportFailed, match="not well-formed"):
        tota.parse(b"<treaty>", "x.xml")


def test_detection() -> None:
    data = _treaty(_chapter("CHAPTER 1", "X", ("ARTICLE 1.1", "A", "T.")))
    assert tota.sniff(data, "x.xml") >= 90
    assert importers.detect(data, "x.xml").FORMAT == "tota"
    assert tota.sniff(b"<Law Era='Heisei'><LawNum/></Law>", "x.xml") == 0
    assert tota.sniff(b"<akomaNtoso><act/></akomaNtoso>", "x.xml") == 0


CORPUS = {  # file -> (articles + preamble + conclusion, parties)
    "pta_159.korus-fta.en.xml": (272, ["kr", "us"]),
    "pta_327.aanzfta.en.xml": (214, ["au", "bn", "id", "kh", "la", "mm", "my", "nz", "ph", "sg",
                                     "th", "vn"]),
    "pta_37.us-australia-fta.en.xml": (248, ["au", "us"]),
    "pta_401.korea-vietnam-fta.en.xml": (199, ["kr", "vn"]),
    "pta_447.eaeu-vietnam-fta.en.xml": (217, ["am", "by", "kz", "kg", "ru", "vn"]),
    "pta_449.tpp-2016.en.xml": (508, ["au", "bn", "ca", "cl", "jp", "mx", "my", "nz", "pe", "sg",
                                      "us", "vn"]),
    "pta_54.singapore-australia-fta.en.xml": (198, ["au", "sg"]),
}


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_files_parse(corpus, name: str) -> None:
    path = corpus / "treaties/tota" / name
    data = path.read_bytes()
    assert importers.detect(data, path.name).FORMAT == "tota"
    doc = tota.parse(data, path.name)[0]
    count, parties = CORPUS[name]
    assert len(doc.provisions) == count
    assert len({p.eid for p in doc.provisions}) == count
    assert doc.parties == parties
    assert doc.native_ids["tota"] == name.split(".")[0]
    assert doc.provisions[0].kind == "preamble"
    assert doc.date is not None and doc.doc_type == "treaty"


def _chapter_articles(corpus, name: str, chapter: str) -> list:
    path = corpus / "treaties/tota" / name
    doc = tota.parse(path.read_bytes(), path.name)[0]
    return [p for p in doc.provisions if p.path == [chapter]]


@pytest.mark.corpus
def test_corpus_tpp_chapter_14(corpus) -> None:
    arts = _chapter_articles(corpus, "pta_449.tpp-2016.en.xml", "Chapter 14 Electronic Commerce")
    assert [p.number for p in arts] == [f"Article 14.{i}" for i in range(1, 19)]
    by_number = {p.number: p for p in arts}
    art = by_number["Article 14.11"]
    assert art.heading == "Cross-Border Transfer of Information by Electronic Means"
    assert art.eid == "chp_14__art_14.11"
    assert art.text.startswith("1. The Parties recognise that each Party may have its own "
                               "regulatory requirements concerning the transfer of information")
    assert "2. Each Party shall allow the cross-border transfer of information" in art.text
    assert by_number["Article 14.13"].heading == "Location of Computing Facilities"


@pytest.mark.corpus
def test_corpus_tpp_metadata(corpus) -> None:
    path = corpus / "treaties/tota/pta_449.tpp-2016.en.xml"
    doc = tota.parse(path.read_bytes(), path.name)[0]
    assert doc.title == "Trans-Pacific Partnership"
    assert (doc.date, doc.in_force) == (dt.date(2016, 2, 3), None)
    assert doc.status == "signed-not-in-force"


@pytest.mark.corpus
def test_corpus_korus_chapter_15(corpus) -> None:
    arts = _chapter_articles(corpus, "pta_159.korus-fta.en.xml",
                             "Chapter Fifteen Electronic Commerce")
    assert [p.number for p in arts] == [f"Article 15.{i}" for i in range(1, 10)]
    assert arts[0].eid == "chp_15__art_15.1"


@pytest.mark.corpus
def test_corpus_aanzfta_chapter_10(corpus) -> None:
    arts = _chapter_articles(corpus, "pta_327.aanzfta.en.xml", "Chapter 10 Electronic Commerce")
    assert [p.number for p in arts] == [f"Article {i}" for i in range(1, 11)]
    assert [p.eid for p in arts][:2] == ["chp_10__art_1", "chp_10__art_2"]
    assert arts[0].heading == "Objectives"
