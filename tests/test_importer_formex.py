"""Formex importer: edge cases on small inline documents, and the GDPR files of the corpus."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from kb import importers
from kb.errors import ImportFailed
from kb.importers import formex

SCHEMA = ('xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
          'xsi:noNamespaceSchemaLocation="http://formex.publications.europa.eu/schema/'
          'formex-05.56-20160701.xd"')


def _act(enacting: str, title: str = "Regulation (EU) 2020/123 of the Council",
         preamble: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ACT {SCHEMA}><BIB.INSTANCE><DOCUMENT.REF FILE="L_2020050EN.01000101.doc.xml"><COLL>L</COLL>
<NO.OJ>50</NO.OJ><YEAR>2020</YEAR><LG.OJ>EN</LG.OJ><PAGE.FIRST>1</PAGE.FIRST></DOCUMENT.REF>
<DATE ISO="20200210">20200210</DATE><LG.DOC>EN</LG.DOC>
<NO.DOC FORMAT="YN" TYPE="OJ"><NO.CURRENT>123</NO.CURRENT><YEAR>2020</YEAR></NO.DOC>
</BIB.INSTANCE><TITLE><TI><P>{title}</P><P>(Text with EEA relevance)</P></TI></TITLE>
{preamble}<ENACTING.TERMS>{enacting}</ENACTING.TERMS></ACT>""".encode()


def _one(data: bytes):
    docs = formex.parse(data, "test.xml")
    assert len(docs) == 1
    return docs[0]


ARTICLE = ('<ARTICLE IDENTIFIER="001"><TI.ART>Article 1</TI.ART><STI.ART>Scope</STI.ART>'
           "<ALINEA>This Regulation applies to roaming.</ALINEA></ARTICLE>")


def test_sniff_is_specific() -> None:
    assert formex.sniff(_act(ARTICLE), "x.xml") == 92
    assert formex.sniff(f"<CONS.ACT {SCHEMA}><INFO.CONSLEG/></CONS.ACT>".encode(), "x") == 92
    assert formex.sniff(f"<ANNEX {SCHEMA}><BIB.INSTANCE/></ANNEX>".encode(), "x") == 50
    assert formex.sniff(b"<ACT><TITLE/></ACT>", "x.xml") == 0  # no Formex marker
    assert formex.sniff(b'<akomaNtoso xmlns="http://docs.oasis-open.org/">', "x.xml") == 0
    assert formex.sniff(b"<Law Era='Heisei'><LawNum/></Law>", "x.xml") == 0


def test_metadata_of_a_regulation() -> None:
    doc = _one(_act(ARTICLE))
    assert doc.title == "Regulation (EU) 2020/123 of the Council"  # EEA line dropped
    assert doc.number == "2020/123"
    assert doc.work_id == "/akn/eu/act/regulation/2020/123"
    assert doc.native_ids == {"oj": "OJ L 50, 2020, p. 1", "celex": "32020R0123",
                              "eli": "http://data.europa.eu/eli/reg/2020/123/oj"}
    assert (doc.doc_type, doc.jurisdiction, doc.language) == ("regulation", "eu", "en")
    assert doc.date == dt.date(2020, 2, 10)


def test_a_directive_gets_its_celex_and_eli() -> None:
    doc = _one(_act(ARTICLE, title="Commission Directive (EU) 2020/123"))
    assert doc.work_id == "/akn/eu/act/directive/2020/123"
    assert doc.native_ids["celex"] == "32020L0123"  # L: directives, unambiguous by number
    assert doc.native_ids["eli"] == "http://data.europa.eu/eli/dir/2020/123/oj"
    assert doc.doc_type == "act"


def test_no_celex_when_title_and_no_doc_disagree() -> None:
    doc = _one(_act(ARTICLE, title="Regulation (EU) 2020/124 of the Council"))
    assert "celex" not in doc.native_ids and "eli" not in doc.native_ids
    assert doc.number == "2020/124"
    assert "differ" in doc.notes[0]


def test_quotes_notes_dashes_and_numbers() -> None:
    enacting = (
        '<ARTICLE IDENTIFIER="002a"><TI.ART>Article 2a</TI.ART><STI.ART>Caps</STI.ART>'
        '<PARAG IDENTIFIER="002a.001"><NO.PARAG>1.</NO.PARAG><ALINEA><P>The '
        '<QUOT.START CODE="2018" ID="QS1" REF.END="QE1"/>cap<QUOT.END CODE="2019" ID="QE1" '
        'REF.START="QS1"/> is EUR <FT TYPE="NUMBER">1000000</FT><NOTE NOTE.ID="E1"><P>OJ C 1.'
        '</P></NOTE>, for:</P><LIST TYPE="DASH"><ITEM><P>calls;</P></ITEM>'
        "<ITEM><P>SMS.</P></ITEM></LIST></ALINEA></PARAG></ARTICLE>")
    prov = _one(_act(enacting)).provisions[0]
    assert (prov.eid, prov.number, prov.heading) == ("art_2a", "Article 2a", "Caps")
    assert prov.text == "1. The ‘cap’ is EUR 1 000 000, for:\n— calls;\n— SMS."


def test_recitals_are_recitals_and_division_titles_are_paths() -> None:
    preamble = ("<PREAMBLE><PREAMBLE.INIT>THE COUNCIL,</PREAMBLE.INIT><GR.CONSID>"
                "<GR.CONSID.INIT>Whereas:</GR.CONSID.INIT>"
                "<CONSID><NP><NO.P>(1)</NO.P><TXT>A reason.</TXT></NP></CONSID>"
                "<CONSID><NP><NO.P>(2)</NO.P><TXT>Another.</TXT></NP></CONSID></GR.CONSID>"
                "<PREAMBLE.FINAL>HAS ADOPTED THIS REGULATION:</PREAMBLE.FINAL></PREAMBLE>")
    enacting = ("<DIVISION><TITLE><TI><P>TITLE I</P></TI><STI><P>Scope</P></STI></TITLE>"
                f"<DIVISION><TITLE><TI><P>CHAPTER 1</P></TI></TITLE>{ARTICLE}</DIVISION>"
                "</DIVISION>")
    doc = _one(_act(enacting, preamble=preamble))
    assert [(p.eid, p.kind, p.number) for p in doc.provisions] == [
        ("preamble", "preamble", "Preamble"), ("rec_1", "recital", "(1)"),
        ("rec_2", "recital", "(2)"), ("art_1", "article", "Article 1")]
    assert doc.provisions[0].text == "THE COUNCIL,\nWhereas:\nHAS ADOPTED THIS REGULATION:"
    assert doc.provisions[-1].path == ["TITLE I Scope", "CHAPTER 1"]


def test_duplicate_identifiers_get_suffixes() -> None:
    doc = _one(_act(ARTICLE + ARTICLE))
    assert [p.eid for p in doc.provisions] == ["art_1", "art_1_2"]
    assert [p.order for p in doc.provisions] == [1, 2]


def test_errors_a_person_can_act_on() -> None:
    with pytest.raises(ImportFailed, match="no ARTICLE"):
        formex.parse(_act("<DIVISION/>"), "empty.xml")
    with pytest.raises(ImportFailed, match="unsupported Formex document <ANNEX>"):
        formex.parse(f"<ANNEX {SCHEMA}><BIB.INSTANCE/></ANNEX>".encode(), "annex.xml")
    with pytest.raises(ImportFailed, match="not well-formed"):
        formex.parse(b"<ACT><TITLE>", "broken.xml")
    with pytest.raises(ImportFailed, match="no CORRECTION"):
        formex.parse(b"<CORR><TITLE><TI><P>Corrigendum</P></TI></TITLE>"
                     b"<CONTENTS.CORR/></CORR>", "corr.xml")


# --- the real corpus -------------------------------------------------------------------------


def _corpus_doc(corpus: Path, name: str):
    data = (corpus / "eu" / "gdpr" / name).read_bytes()
    assert importers.detect(data, name).FORMAT == "formex"
    return _one(data)


def test_corpus_gdpr_oj_english(corpus: Path) -> None:
    doc = _corpus_doc(corpus, "gdpr.formex.oj-L119-2016.en.xml")
    assert Counter(p.kind for p in doc.provisions) == {"article": 99, "recital": 173,
                                                       "preamble": 1}
    assert doc.title.startswith("Regulation (EU) 2016/679 of the European Parliament and of "
                                "the Council of 27 April 2016 on the protection of natural")
    assert doc.title.endswith("(General Data Protection Regulation)")
    assert doc.number == "2016/679"
    assert doc.work_id == "/akn/eu/act/regulation/2016/679"
    assert doc.native_ids == {"oj": "OJ L 119, 2016, p. 1", "celex": "32016R0679",
                              "eli": "http://data.europa.eu/eli/reg/2016/679/oj"}
    assert doc.date == dt.date(2016, 4, 27)
    by_eid = {p.eid: p for p in doc.provisions}
    art44 = by_eid["art_44"]
    assert (art44.number, art44.heading) == ("Article 44", "General principle for transfers")
    assert art44.path == ["CHAPTER V Transfers of personal data to third countries or "
                          "international organisations"]
    assert art44.text.startswith("Any transfer of personal data which are undergoing processing")
    assert by_eid["art_24"].path == ["CHAPTER IV Controller and processor",
                                     "Section 1 General obligations"]
    assert by_eid["art_4"].text.splitlines()[1].startswith("(1) ‘personal data’ means any")
    assert by_eid["art_83"].text.count("10 000 000 EUR") == 1
    assert by_eid["rec_173"].number == "(173)"
    assert by_eid["art_99"].text == ("1. This Regulation shall enter into force on the twentieth "
                                     "day following that of its publication in the Official "
                                     "Journal of the European Union.\n2. It shall apply from "
                                     "25 May 2018.")


def test_corpus_gdpr_oj_french(corpus: Path) -> None:
    doc = _corpus_doc(corpus, "gdpr.formex.oj-L119-2016.fr.xml")
    arts = [p for p in doc.provisions if p.kind == "article"]
    assert len(arts) == 99
    assert sum(p.kind == "recital" for p in doc.provisions) == 173
    assert doc.language == "fr"
    assert doc.work_id == "/akn/eu/act/regulation/2016/679"
    assert (arts[0].eid, arts[0].number, arts[0].heading) == ("art_1", "Article premier",
                                                              "Objet et objectifs")
    assert arts[1].number == "Article 2"
    assert arts[0].path == ["CHAPITRE I Dispositions générales"]


def test_corpus_gdpr_consolidated(corpus: Path) -> None:
    doc = _corpus_doc(corpus, "gdpr.formex.consolidated-20180523.en.xml")
    assert Counter(p.kind for p in doc.provisions) == {"article": 99}  # CONSLEG: no recitals
    assert doc.version_date == dt.date(2018, 5, 23)
    assert doc.native_ids["celex"] == "32016R0679"
    assert doc.work_id == "/akn/eu/act/regulation/2016/679"
    by_eid = {p.eid: p for p in doc.provisions}
    # the corrigendum of OJ L 127, 23.5.2018 is integrated
    assert "pursuant to Article 9 or personal data relating to criminal" in by_eid["art_37"].text
    original = _corpus_doc(corpus, "gdpr.formex.oj-L119-2016.en.xml")
    changed = sorted(p.eid for p in original.provisions
                     if p.eid in by_eid and by_eid[p.eid].text != p.text)
    assert changed == ["art_37", "art_41", "art_42", "art_43", "art_57", "art_64", "art_65",
                       "art_69", "art_70"]


def test_corpus_gdpr_corrigendum(corpus: Path) -> None:
    doc = _corpus_doc(corpus, "gdpr.formex.corrigendum-oj-L127-2018.en.xml")
    assert len(doc.provisions) == 15
    assert {p.kind for p in doc.provisions} == {"other"}
    assert doc.title.startswith("Corrigendum to Regulation (EU) 2016/679")
    assert doc.native_ids == {"oj": "OJ L 127, 2018, p. 2"}
    assert doc.work_id is None  # a corrigendum is not the act; it names the act it corrects
    assert doc.corrigendum and doc.corrects == {
        "celex": "32016R0679", "eli": "http://data.europa.eu/eli/reg/2016/679/oj",
        "work_id": "/akn/eu/act/regulation/2016/679", "oj": "OJ L 119, 2016"}
    first = doc.provisions[0]
    assert first.heading == "On page 14, recital 71, fifth and sixth sentences"
    assert first.text.startswith("for:\n‘(71) … Such measure should not concern a child.")
    assert "\nread:\n‘(71)" in first.text


def test_corpus_gdpr_doc_metadata_file(corpus: Path) -> None:
    doc = _corpus_doc(corpus, "gdpr.formex.oj-L119-2016.en.doc.xml")
    assert doc.provisions == []
    assert doc.work_id == "/akn/eu/act/regulation/2016/679"
    assert doc.native_ids == {"oj": "OJ L 119, 2016, p. 1", "celex": "32016R0679",
                              "eli": "http://data.europa.eu/eli/reg/2016/679/oj"}
    assert doc.date == dt.date(2016, 4, 27)
    assert doc.title.endswith("(General Data Protection Regulation)")
    assert "L_2016119EN.01000101.xml" in doc.notes[0]
