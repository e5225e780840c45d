"""Akoma Ntoso importer: edge cases on small inline documents, and the real corpus files."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from kb import importers
from kb.errors import ImportFailed
from kb.importers import akn

NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"


def _act(body: str, meta: str = "", preface: str = "", preamble: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<akomaNtoso xmlns="{NS}">
  <act name="act">
    <meta><identification source="#x">
      <FRBRWork><FRBRthis value="/akn/ke/act/2020/3/!main"/><FRBRuri value="/akn/ke/act/2020/3"/>
        <FRBRdate date="2020-05-01" name="assent"/><FRBRauthor href="#x"/>
        <FRBRcountry value="ke"/><FRBRname value="Act 3 of 2020"/>{meta}</FRBRWork>
      <FRBRExpression><FRBRuri value="/akn/ke/act/2020/3/eng@"/>
        <FRBRlanguage language="eng"/></FRBRExpression>
    </identification></meta>
    {preface}{preamble}
    <body>{body}</body>
  </act>
</akomaNtoso>""".encode()


def _one(data: bytes):
    docs = akn.parse(data, "test.xml")
    assert len(docs) == 1
    return docs[0]


def test_sniff_is_specific() -> None:
    assert akn.sniff(_act("<section/>"), "x.xml") == 95
    assert akn.sniff(b'<?xml version="1.0"?><akomaNtoso xmlns="http://www.akomantoso.org/2.0">',
                     "x.xml") == 80
    assert akn.sniff(b"<ACT><BIB.INSTANCE/></ACT>", "x.xml") == 0
    assert akn.sniff(b'{"chapters": []}', "x.json") == 0
    assert akn.sniff(b"<html><body>akomaNtoso</body></html>", "x.html") == 0


def test_metadata_from_frbr_and_title_fallback_to_frbrname() -> None:
    doc = _one(_act('<section eId="sec_1"><num>1.</num><heading>Short title</heading>'
                    "<content><p>This Act is the Sample Act.</p></content></section>"))
    assert doc.work_id == "/akn/ke/act/2020/3"
    assert doc.jurisdiction == "ke"
    assert doc.language == "en"
    assert doc.date == dt.date(2020, 5, 1)
    assert doc.title == "Act 3 of 2020"  # no shortTitle or docTitle: FRBRname
    prov = doc.provisions[0]
    assert (prov.eid, prov.number, prov.heading, prov.kind, prov.order) == (
        "sec_1", "Section 1", "Short title", "section", 1)


def test_nested_levels_are_numbered_and_notes_left_out() -> None:
    doc = _one(_act(
        '<article eId="art_5"><num>Article 5</num><heading>Fees</heading>'
        '<paragraph eId="art_5__para_1"><num>1.</num><intro><p>Fees are payable'
        '<authorialNote marker="1"><p>A footnote.</p></authorialNote> for:</p></intro>'
        '<point eId="art_5__para_1__point_a"><num>(a)</num><content><p>licences;</p></content>'
        "</point><point><num>(b)</num><content><p>renewals.</p></content></point>"
        "</paragraph></article>"))
    prov = doc.provisions[0]
    assert prov.kind == "article"
    assert prov.text == "1. Fees are payable for:\n(a) licences;\n(b) renewals."


def test_duplicate_eids_get_suffixes_and_quoted_sections_are_not_provisions() -> None:
    doc = _one(_act(
        '<section eId="sec_2"><num>2</num><content><p>First.</p></content></section>'
        '<section eId="sec_2"><num>2</num><content><p>Amend as follows:</p>'
        '<p><mod><quotedStructure startQuote="“" endQuote="”"><section eId="q__sec_9">'
        "<num>9</num><content><p>Quoted text.</p></content></section></quotedStructure></mod>"
        "</p></content></section>"))
    assert [p.eid for p in doc.provisions] == ["sec_2", "sec_2_2"]
    assert doc.provisions[1].text == "Amend as follows:\n“9 Quoted text.”"


def test_recitals_and_preamble_are_kept_apart_from_articles() -> None:
    preamble = ("<preamble><formula><p>THE COUNCIL,</p></formula><recitals>"
                "<intro><p>Whereas:</p></intro>"
                '<recital eId="recs_1__rec_1"><num>(1)</num><p>A reason.</p></recital>'
                '<recital eId="recs_1__rec_2"><num>(2)</num><p>Another reason.</p></recital>'
                "</recitals></preamble>")
    doc = _one(_act('<article eId="art_1"><num>Article 1</num><content><p>Rule.</p></content>'
                    "</article>", preamble=preamble))
    kinds = [(p.eid, p.kind) for p in doc.provisions]
    assert kinds == [("preamble", "preamble"), ("rec_1", "recital"), ("rec_2", "recital"),
                     ("art_1", "article")]
    assert doc.provisions[0].text == "THE COUNCIL,\nWhereas:"
    assert doc.provisions[1].number == "(1)"


def test_path_from_containers() -> None:
    doc = _one(_act(
        '<part eId="part_1"><num>PART I</num><heading>Licensing</heading>'
        '<chapter eId="part_1__chp_2"><num>Chapter 2</num><heading>Spectrum</heading>'
        '<section eId="sec_7"><num>7.</num><heading>Licences</heading>'
        "<content><p>No person may transmit without a licence.</p></content></section>"
        "</chapter></part>"))
    assert doc.provisions[0].path == ["PART I Licensing", "Chapter 2 Spectrum"]


def test_errors_a_person_can_act_on() -> None:
    with pytest.raises(ImportFailed, match="no sections, articles or recitals"):
        akn.parse(_act("<p>Nothing here.</p>"), "empty.xml")
    with pytest.raises(ImportFailed, match="not an Akoma Ntoso document"):
        akn.parse(b"<error><message>Not found</message></error>", "error.xml")
    with pytest.raises(ImportFailed, match="not well-formed XML"):
        akn.parse(b"<akomaNtoso><act>", "broken.xml")
    with pytest.raises(ImportFailed, match="empty"):
        akn.parse(b"", "nothing.xml")
    with pytest.raises(ImportFailed, match="no bill or act"):
        akn.parse(f'<akomaNtoso xmlns="{NS}"><documentCollection><meta/></documentCollection>'
                  "</akomaNtoso>".encode(), "collection.xml")


def test_legislation_gov_uk_uri_is_normalised() -> None:
    work_id, native = akn._work_id("http://www.legislation.gov.uk/id/ukpga/1998/29", "gb", None)
    assert work_id == "/akn/gb/act/1998/29"
    assert native == {"legislation_gov_uk": "ukpga/1998/29"}
    assert akn._work_id("/akn/uk/act/2000-07-28/chapter23/main", None, None)[0] == (
        "/akn/gb/act/2000-07-28/chapter23")
    assert akn._country("GB-UKM") == "gb"
    assert akn._country("uk") == "gb"


# --- the real corpus -------------------------------------------------------------------------


def _corpus_doc(corpus: Path, name: str):
    data = (corpus / "akn" / name).read_bytes()
    assert importers.detect(data, name).FORMAT == "akn"
    return _one(data), data


def _sections_in_body(data: bytes) -> int:
    root = etree.fromstring(data)
    body = next(root.iter(f"{{{NS}}}body"))
    return sum(1 for s in body.iter(f"{{{NS}}}section")
               if not any(etree.QName(a).localname == "quotedStructure"
                          for a in s.iterancestors()))


def test_corpus_uk_data_protection_act_1998(corpus: Path) -> None:
    doc, data = _corpus_doc(
        corpus, "uk-ukpga-1998-29.data-protection-act-1998.legislation-gov-uk.akn.xml")
    kinds = Counter(p.kind for p in doc.provisions)
    assert kinds == {"section": 95, "annex": 16, "preamble": 1}
    assert kinds["section"] == _sections_in_body(data)  # 97 in the file, 2 inside quotes
    assert doc.title == "Data Protection Act 1998"
    assert doc.number == "1998 c. 29"
    assert doc.work_id == "/akn/gb/act/1998/29"
    assert doc.native_ids == {"legislation_gov_uk": "ukpga/1998/29"}
    assert doc.jurisdiction == "gb"
    assert doc.date == dt.date(1998, 7, 16)
    assert doc.version_date == dt.date(2017, 10, 31)
    assert doc.source_url == "http://www.legislation.gov.uk/ukpga/1998/29"
    by_eid = {p.eid: p for p in doc.provisions}
    sec7 = by_eid["sec_7"]
    assert (sec7.number, sec7.heading) == ("Section 7", "Right of access to personal data.")
    assert sec7.path == ["Part II Rights of data subjects and others"]
    assert sec7.text.startswith("(1) Subject to the following provisions of this section and "
                                "to sections 8, 9 and 9A, an individual is entitled—\n(a) to be")
    assert by_eid["sec_51"].path == ["Part VI Miscellaneous and General",
                                     "Functions of Commissioner"]
    assert by_eid["sec_9a"].number == "Section 9A"
    assert by_eid["sch_1"].heading == "The data protection principles"
    assert by_eid["sch_1"].number == "SCHEDULE 1"
    assert [p.eid for p in doc.provisions][-1] == "sch_16"


def test_corpus_uk_dripa_2014(corpus: Path) -> None:
    doc, data = _corpus_doc(corpus, "uk-ukpga-2014-27.enacted.akn.xml")
    sections = [p for p in doc.provisions if p.kind == "section"]
    assert len(sections) == 8 == _sections_in_body(data)
    assert doc.title == "Data Retention and Investigatory Powers Act 2014"
    assert doc.work_id == "/akn/gb/act/2014/27"
    assert doc.native_ids["legislation_gov_uk"] == "ukpga/2014/27"
    assert sections[0].heading == ("Powers for retention of relevant communications data "
                                   "subject to safeguards")
    assert sections[0].path == ["Retention of relevant communications data"]
    sec5 = sections[4]
    assert sec5.heading == "Meaning of “telecommunications service”"
    assert "insert—\n“(8A) For the purposes of the definition" in sec5.text
    assert sec5.text.endswith("by means of such a system.”")


def test_corpus_eu_com_proposal_collection(corpus: Path) -> None:
    doc, _ = _corpus_doc(corpus, "eu-COM-2013-619.akn4eu-proposal.akn.xml")
    kinds = Counter(p.kind for p in doc.provisions)
    assert kinds == {"article": 24, "recital": 36, "preamble": 1}
    assert doc.title == ("Proposal for a REGULATION OF THE EUROPEAN PARLIAMENT AND OF THE "
                         "COUNCIL on new psychoactive substances")
    assert doc.native_ids == {"com": "COM(2013) 619", "celex": "52013PC0619",
                              "akn": "/akn/eu/documentCollection/COMproposal/ec/2013/619"}
    assert doc.number == "COM(2013) 619"
    assert doc.work_id == "/akn/eu/bill/com/2013/619"
    assert (doc.doc_type, doc.status, doc.jurisdiction) == ("bill", "draft", "eu")
    arts = [p for p in doc.provisions if p.kind == "article"]
    assert [p.number for p in arts] == [f"Article {n}" for n in range(1, 25)]
    assert arts[-1].heading == "Entry into force"
    assert arts[9].heading == ("Determination of the level of health, social and safety risks "
                               "following the risk assessment")
    assert arts[0].path == ["CHAPTER I Subject matter - Scope - Definitions"]
    recitals = [p for p in doc.provisions if p.kind == "recital"]
    assert recitals[0].eid == "rec_1" and recitals[-1].eid == "rec_36"


def test_corpus_us_public_law_112_61(corpus: Path) -> None:
    doc, data = _corpus_doc(corpus, "us-publaw-112-61.oasis-example.akn.xml")
    sections = [p for p in doc.provisions if p.kind == "section"]
    assert len(sections) == 6 == _sections_in_body(data) - 1  # one editorial page marker
    assert [p.eid for p in sections] == [f"sec_{n}" for n in range(1, 7)]
    assert doc.title == "America's Cup Act of 2011"
    assert doc.work_id == "/akn/us/act/2011-11-29/112-61"
    assert doc.number == "112-61"
    assert doc.date == dt.date(2011, 11, 29)
    assert sections[0].heading == "SHORT TITLE."  # side note left out
    assert sections[2].number == "SEC. 3."
    assert sections[1].text.splitlines()[:2] == [
        "In this Act:", "(1) 34th america's cup.--The term ``34th America's Cup''--"]


def test_statutory_instrument_regulations_in_hcontainers_are_provisions() -> None:
    doc = _one(_act(
        '<hcontainer name="regulation" eId="regulation-4"><heading>Fees</heading><num>4.</num>'
        '<paragraph eId="regulation-4-1"><num>1</num><content><p>A fee is payable.</p>'
        "</content></paragraph></hcontainer>"))
    prov = doc.provisions[0]
    assert (prov.eid, prov.number, prov.heading, prov.text) == (
        "reg_4", "Regulation 4", "Fees", "(1) A fee is payable.")


def test_a_section_holding_articles_is_a_grouping() -> None:
    doc = _one(_act(
        '<section eId="hauptteil-1_abschnitt-1"><num>Abschnitt 1</num><heading>Allgemeines'
        '</heading><article eId="hauptteil-1_abschnitt-1_para-1"><num>§ 1</num>'
        "<heading>Zweck</heading><content><p>Text.</p></content></article></section>"))
    assert [(p.eid, p.number, p.kind, p.path) for p in doc.provisions] == [
        ("art_1", "§ 1", "article", ["Abschnitt 1 Allgemeines"])]


def test_title_from_alias_never_from_a_signature_and_none_when_absent() -> None:
    body = '<section eId="sec_1"><num>1.</num><content><p>Text.</p></content></section>'
    signed = _act(body).replace(
        b"</body>", b"</body><conclusions><p><signature><person>A. B.</person> under the "
        b"<shortTitle>Constitution</shortTitle></signature></p></conclusions>")
    assert _one(signed).title == "Act 3 of 2020"
    aliased = _act(body, meta='<FRBRalias value="Sample Act, 2020" name="title"/>')
    assert _one(aliased.replace(b'<FRBRname value="Act 3 of 2020"/>', b"")).title == (
        "Sample Act, 2020")
    untitled = _one(_act(body).replace(b'<FRBRname value="Act 3 of 2020"/>', b""))
    assert untitled.title is None and "--meta" in untitled.notes[-1]


def test_eli_and_celex_aliases_are_native_ids() -> None:
    doc = _one(_act('<article eId="art_1"><num>Article 1</num><content><p>T.</p></content>'
                    "</article>",
                    meta='<FRBRalias name="ELI" value="http://data.europa.eu/eli/reg/2024/1/oj"/>'
                         '<FRBRalias name="CELEX" value="32024R0001"/>'))
    assert doc.native_ids == {"akn": "/akn/ke/act/2020/3", "celex": "32024R0001",
                              "eli": "http://data.europa.eu/eli/reg/2024/1/oj"}


def test_a_label_no_record_can_hold_is_refused_with_its_field(tmp_path: Path) -> None:
    """A <num> of a page's length makes no valid provision: the import is refused, naming the
    field, and nothing is stored (it raised a ValidationError through the CLI before)."""
    from kb.ingest import ImportMeta, import_paths
    from kb.store import RecordStore

    path = tmp_path / "long-label.xml"
    path.write_bytes(_act(f'<section eId="sec_1"><num>{"Section 1 " * 40}</num>'
                          "<content><p>Licences are required.</p></content></section>"))
    store = RecordStore(tmp_path / "store")
    report = import_paths([path], store,
                          meta=ImportMeta(source_url="https://example.org/act-3-2020"))
    assert report.imported == []
    [failure] = report.failed
    assert failure["error"].startswith("long-label.xml: the document does not make a valid "
                                       "record: Provision.number: a label such as")
    assert "\n" not in failure["error"]
    assert store.ids() == []
