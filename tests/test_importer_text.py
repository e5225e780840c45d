"""The generic text/Markdown/HTML/PDF importer: headings in several scripts, and the corpus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb import importers
from kb.errors import ImportFailed
from kb.importers import text

EXAMPLES = Path(__file__).parent / "examples" / "text"


def parse_one(data: str | bytes, name: str = "doc.md"):
    raw = data.encode() if isinstance(data, str) else data
    docs = text.parse(raw, name)
    assert len(docs) == 1
    return docs[0]


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal PDF with one Helvetica text line per entry, one list per page."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    pages_id = len(objects) + 2 * len(pages) + 1
    page_ids = []
    for lines in pages:
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 770 Td"]
        for line in lines:
            esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({esc}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        page_ids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                            % (pages_id, font, content)))
    kids = " ".join(f"{p} 0 R" for p in page_ids).encode()
    add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)))
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, catalog, xref)
    return bytes(out)


# --- detection ---------------------------------------------------------------------------------

def test_sniff_scores_stay_low_so_specific_importers_win() -> None:
    assert text.sniff(b"%PDF-1.7\n...", "x.pdf") == 30
    assert text.sniff(b"# Law\n\nArticle 1\n", "law.md") == 20
    assert text.sniff(b"<!-- METADATA: Title: X -->\n# X\n", "law.md") == 20
    assert text.sniff(b"<!DOCTYPE html><html><body>Article 1</body></html>", "page") == 15
    assert text.sniff(b"Article 1\nScope\n", "law") == 10


@pytest.mark.parametrize("data,name", [
    (b'{"error": "not found"}', "response.json"),
    (b'<?xml version="1.0"?><Law/>', "law.xml"),
    (b"<Law><Article/></Law>", "law"),
    (b"\x00\x01\x02binary", "blob.bin"),
])
def test_sniff_refuses_other_formats(data: bytes, name: str) -> None:
    assert text.sniff(data, name) == 0


def test_markdown_is_detected_as_text() -> None:
    data = (EXAMPLES / "en-agreement.md").read_bytes()
    assert importers.detect(data, "en-agreement.md").FORMAT == "text"


# --- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"   \n\n  "])
def test_empty_file_fails(data: bytes) -> None:
    with pytest.raises(ImportFailed, match="empty"):
        text.parse(data, "empty.txt")


def test_html_page_without_articles_fails() -> None:
    page = b"<html><head><title>404 Not Found</title></head><body><p>Not found</p></body></html>"
    with pytest.raises(ImportFailed, match="no article"):
        text.parse(page, "error.html")


def test_damaged_pdf_fails_with_a_reason() -> None:
    with pytest.raises(ImportFailed, match="PDF could not be read"):
        text.parse(b"%PDF-1.4\nthis is not a pdf", "broken.pdf")


def test_text_without_headings_is_one_provision_with_a_note() -> None:
    doc = parse_one("Guidelines on numbering\n\nOperators should publish their tariffs.\n",
                    "guide.txt")
    assert doc.title == "Guidelines on numbering"
    [prov] = doc.provisions
    assert (prov.eid, prov.kind, prov.text) == ("text", "other",
                                               "Operators should publish their tariffs.")
    assert doc.notes


# --- headings ----------------------------------------------------------------------------------

def test_english_heading_styles() -> None:
    doc = parse_one(
        "# Demo Act\n\nArticle 14.11: Cross-border transfer\nText one.\n\n"
        "Art. 5 - Scope\nText two.\n\nARTICLE 6\nDefinitions\nText three.\n\n"
        "## Article 44: Transfers\nText four.\n", "demo.md")
    got = [(p.number, p.heading, p.eid) for p in doc.provisions]
    assert got == [("Article 14.11", "Cross-border transfer", "art_14.11"),
                   ("Art. 5", "Scope", "art_5"), ("ARTICLE 6", "Definitions", "art_6"),
                   ("Article 44", "Transfers", "art_44")]


def test_running_text_starting_with_article_is_not_a_heading() -> None:
    doc = parse_one("Regulation\n\nArticle 1\nScope\n1. This applies where\n"
                    "Article 57 applies only in part, and to measures under\nArticle 78.\n"
                    "Article 6(1) shall not apply; see also\nArticle 32; and\n", "reg.txt")
    [prov] = doc.provisions
    assert prov.number == "Article 1"
    assert "Article 57 applies" in prov.text and "Article 32; and" in prov.text


def test_section_sign_with_narrow_and_no_break_spaces() -> None:
    doc = parse_one("# Title 47\n#### §\u202f230. Protection\nText.\n#### §\u00a0231. Other\n"
                    "More.\n\n§ 232.\nPlain.\n", "usc.md")
    assert [(p.number, p.eid, p.kind) for p in doc.provisions] == [
        ("§ 230", "sec_230", "section"), ("§ 231", "sec_231", "section"),
        ("§ 232", "sec_232", "section")]
    assert doc.provisions[0].heading == "Protection"


def test_sections_are_groupings_when_the_document_has_articles() -> None:
    doc = parse_one("Act\n\nCHAPTER III\nOBLIGATIONS\nSection 1\nGeneral\nArticle 6\nScope\n"
                    "Text.\nSECTION 2\nArticle 7\nText seven.\n", "act.txt")
    assert [(p.number, p.path) for p in doc.provisions] == [
        ("Article 6", ["CHAPTER III OBLIGATIONS", "Section 1 General"]),
        ("Article 7", ["CHAPTER III OBLIGATIONS", "SECTION 2"])]


def test_recitals_are_kept_apart_from_articles_and_footnotes_dropped() -> None:
    doc = (EXAMPLES / "en-regulation.txt").read_bytes()
    parsed = parse_one(doc, "en-regulation.txt")
    kinds = [(p.eid, p.kind) for p in parsed.provisions]
    assert kinds[:4] == [("preamble", "preamble"), ("rec_1", "recital"), ("rec_2", "recital"),
                         ("rec_3", "recital")]
    assert parsed.provisions[0].text.endswith("HAS ADOPTED THIS REGULATION:")
    assert [e for e, k in kinds if k == "article"] == ["art_1", "art_2", "art_3", "art_4"]
    assert all("OJ C 12" not in (p.text or "") for p in parsed.provisions)
    assert all("Official Journal" not in (p.text or "") for p in parsed.provisions)


def test_duplicate_numbers_get_suffixed_eids() -> None:
    doc = parse_one((EXAMPLES / "en-agreement.md").read_bytes(), "en-agreement.md")
    eids = [p.eid for p in doc.provisions]
    assert eids.count("art_3") == 1 and "art_3_2" in eids
    assert len(set(eids)) == len(eids)


def test_japanese_branch_articles_captions_and_references() -> None:
    doc = parse_one("法\n\n第一章　総則\n\n（目的）\n第一条　目的を定める。\n"
                    "第四条の規定により届け出る。\n第二条の二　枝番号の条。\n"
                    "第4条　算用数字の条。\n", "ja.txt")
    got = [(p.number, p.heading, p.eid) for p in doc.provisions]
    assert got == [("第一条", "目的", "art_1"), ("第二条の二", None, "art_2-2"),
                   ("第4条", None, "art_4")]
    assert "第四条の規定により" in doc.provisions[0].text


def test_korean_articles_and_references() -> None:
    doc = parse_one("법\n\n제1장 총칙\n제1조(목적) 이 법은 목적을 정한다.\n"
                    "제4조에 따른 신고를 한다.\n제4조의2(특례) 특례를 둔다.\n", "ko.txt")
    assert [(p.number, p.heading, p.eid, p.path) for p in doc.provisions] == [
        ("제1조", "목적", "art_1", ["제1장 총칙"]), ("제4조의2", "특례", "art_4-2", ["제1장 총칙"])]
    assert doc.provisions[0].text == "이 법은 목적을 정한다. 제4조에 따른 신고를 한다."


def test_vietnamese_heading_variants() -> None:
    doc = parse_one("LUẬT\n\nChương I\nQUY ĐỊNH CHUNG\nĐiều 1. Phạm vi\nNội dung.\n"
                    "Điều 2 Đối tượng áp dụng\nNội dung hai, theo\nĐiều 1 của Luật này.\n"
                    "Điều 3.Giải thích từ ngữ\nBa.\n", "vi.txt")
    assert [(p.number, p.heading, p.eid) for p in doc.provisions] == [
        ("Điều 1", "Phạm vi", "art_1"), ("Điều 2", "Đối tượng áp dụng", "art_2"),
        ("Điều 3", "Giải thích từ ngữ", "art_3")]
    assert doc.provisions[1].text == "Nội dung hai, theo Điều 1 của Luật này."


def test_pdf_page_furniture_is_stripped() -> None:
    header = "L 119/12 EN Official Journal of the European Union 4.5.2016"
    pdf = make_pdf([
        ["DECISION ON TESTING", "Article 1", "Scope", "This Decision applies to testing", "1"],
        [header, "of radio equipment.", "Article 2", "Addressees", "It is addressed to all.",
         "2"],
        ["Article 3", "Entry into force", "It enters into force today.", "3"],
    ])
    doc = parse_one(pdf, "decision.pdf")
    assert doc.title == "DECISION ON TESTING"
    assert [p.text for p in doc.provisions] == [
        "This Decision applies to testing of radio equipment.", "It is addressed to all.",
        "It enters into force today."]


def test_pdf_running_headers_repeated_on_most_pages_are_stripped() -> None:
    pdf = make_pdf([["Gazette of Demo - page 1", "ACT", "Article 1", "Scope", "One."],
                    ["Gazette of Demo - page 2", "Article 2", "Purpose", "Two."],
                    ["Gazette of Demo - page 3", "Article 3", "Effect", "Three."]])
    doc = parse_one(pdf, "act.pdf")
    assert doc.title == "ACT"
    assert all("Gazette" not in (p.text or "") for p in doc.provisions)


def test_html_chrome_and_scripts_are_ignored() -> None:
    doc = parse_one((EXAMPLES / "en-page.html").read_bytes(), "en-page.html")
    assert doc.title == "Spectrum Sharing Demonstration Act 2024"
    assert [p.number for p in doc.provisions] == ["Article 1", "Article 2", "Article 3"]
    assert all("Article 9" not in (p.text or "") for p in doc.provisions)


# --- Commonwealth headings, preambles, annexes, footnotes, gazettes, signatures ---------------

def _html(body: str) -> bytes:
    return f"<html><head><title>Demo Act 2031</title></head><body>{body}</body></html>".encode()


@pytest.mark.parametrize("block,number,heading,text", [
    ("<div><b>1 </b><b>Short title</b></div><p>This Act is the Demo Act.</p>", "Section 1",
     "Short title", "This Act is the Demo Act."),
    ("<p><b>2.</b> Interpretation</p><p>In this Act, words mean things.</p>", "Section 2",
     "Interpretation", "In this Act, words mean things."),
    ("<p><strong>3 Purpose</strong></p><p>To demonstrate.</p>", "Section 3", "Purpose",
     "To demonstrate."),
    ('<p class="ActHead5"><a name="_Toc4"><span class="CharSectno">4A</span>  Object</a></p>'
     "<p>The object.</p>", "Section 4A", "Object", "The object."),
    ("<h5>5 Application</h5><p>It applies.</p>", "Section 5", "Application", "It applies."),
    ("<p><b>6.</b> <b>Definitions.—</b>In this Act, words mean things.</p>", "Section 6",
     "Definitions", "In this Act, words mean things."),
])
def test_commonwealth_bold_number_headings(block: str, number: str, heading: str,
                                           text: str) -> None:
    doc = parse_one(_html(block), "act.html")
    [prov] = doc.provisions
    assert (prov.number, prov.heading, prov.kind, prov.text) == (number, heading, "section", text)
    assert prov.eid == "sec_" + number.split()[1].lower()


def test_bold_numbers_that_are_not_section_headings() -> None:
    doc = parse_one(_html(
        '<p><a href="#s1"><b>1 </b>Short title</a></p>'  # a table of contents entry
        "<div><b>1 </b><b>Short title</b></div><p>Text.</p>"
        "<p><b>2.</b> In this Act, unless the context otherwise requires, a word means it.</p>"
        "<p><b>(3)</b> Subsection text.</p>"), "act.html")
    [prov] = doc.provisions
    assert prov.number == "Section 1"
    assert prov.text == ("Text.\n2. In this Act, unless the context otherwise requires, a word "
                         "means it.\n(3) Subsection text.")


def test_bold_numbers_stay_text_in_documents_with_articles() -> None:
    doc = parse_one(_html("<p>Article 1 Scope</p><p><b>1.</b> Applicability</p>"),
                    "treaty.html")
    [prov] = doc.provisions
    assert (prov.number, prov.heading, prov.text) == ("Article 1", "Scope", "1. Applicability")


@pytest.mark.parametrize("opening", [
    "WHEREAS it is expedient to regulate spectrum;",
    "BE IT ENACTED by the Parliament as follows:",
    "Be it enacted by the Senate and House of Representatives in Congress assembled,",
    "The Parties to this Agreement, recognising the importance of digital trade;",
    "Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;",
])
def test_unnumbered_preamble_is_a_preamble_portion(opening: str) -> None:
    doc = parse_one(f"Demo Law\n\n{opening}\nSecond line of it.\n\nArticle 1\nScope\n"
                    "It applies.\n", "law.txt")
    assert [(p.eid, p.kind) for p in doc.provisions] == [("preamble", "preamble"),
                                                         ("art_1", "article")]
    assert doc.provisions[0].text.startswith(opening)
    assert doc.provisions[1].text == "It applies."


def test_a_text_without_articles_opening_with_considering_stays_one_text() -> None:
    doc = parse_one("Guidance note\n\nConsidering the growth of traffic, operators should "
                    "publish their tariffs.\n", "note.txt")
    [prov] = doc.provisions
    assert (prov.eid, prov.kind) == ("text", "other")


@pytest.mark.parametrize("heading,number,eid", [
    ("Schedule 1—Australian Privacy Principles", "Schedule 1", "sch_1"),
    ("FIRST SCHEDULE", "FIRST SCHEDULE", "sch_1"),
    ("THE SCHEDULE", "THE SCHEDULE", "sch"),
    ("Correlation table", "Correlation table", "correlation_table"),
    ("PHỤ LỤC II", "PHỤ LỤC II", "annex_ii"),
])
def test_schedules_and_correlation_tables_start_an_annex(heading: str, number: str,
                                                        eid: str) -> None:
    doc = parse_one(f"Demo Act\n\nArticle 1\nScope\nIt applies.\n{heading}\nItem one.\n",
                    "act.txt")
    assert [(p.number, p.eid, p.kind) for p in doc.provisions] == [
        ("Article 1", "art_1", "article"), (number, eid, "annex")]
    assert doc.provisions[0].text == "It applies."


def test_correlation_table_under_an_annex_number_is_its_caption() -> None:
    doc = parse_one("Reg\n\nArticle 1\nScope\nText.\nANNEX III\nCorrelation table\n"
                    "Article 1 Article 1\n", "reg.txt")
    assert [(p.number, p.heading) for p in doc.provisions][-1] == ("ANNEX III",
                                                                   "Correlation table")


def test_footnotes_between_articles_stay_and_trailing_ones_become_notes() -> None:
    doc = parse_one("# Agreement\n\n## Article 1: Scope\nIt applies.[^1]\n\n"
                    "[^1]: For greater certainty, it applies to services.\n\n"
                    "## Article 2: Review\nThe Parties shall review it.[^2]\n\n"
                    "[^2]: Within five years.\n", "agreement.md")
    first, second = doc.provisions
    assert first.text.endswith("[1] For greater certainty, it applies to services.")
    assert second.text == "The Parties shall review it.[2]"
    assert doc.notes == ["footnote after the last provision: [2] Within five years."]


def test_footnote_resumed_by_article_text_is_kept() -> None:
    doc = parse_one("Act\n\nArticle 1\nScope\nFirst part.\n[1] A footnote.\n\n"
                    "Second part of the article.\n", "act.txt")
    [prov] = doc.provisions
    assert prov.text == "First part.\n[1] A footnote.\nSecond part of the article."
    assert not doc.notes


def test_signature_block_is_left_out_with_a_note() -> None:
    doc = parse_one("Regulation\n\nArticle 1\nEntry into force\nIt enters into force today.\n"
                    "Done at Brussels, 13 June 2031.\nFor the European Parliament\n"
                    "The President\nANNEX\nList\nItem.\n", "reg.txt")
    assert [p.text for p in doc.provisions] == ["It enters into force today.", "Item."]
    assert doc.notes == ["signature block left out: Done at Brussels, 13 June 2031."]


@pytest.mark.parametrize("data,title", [
    ("LUẬT\nVIỄN THÔNG THỬ NGHIỆM\n\nĐiều 1. Phạm vi\nNội dung.\n\n# CHỦ TỊCH QUỐC HỘI\n"
     "Nguyễn Văn A\n", "LUẬT"),
    ("**Demo Act 2031**\n\nSection 1. Short title\nText.\n\n"
     "# By the President: A Proclamation\n", "Demo Act 2031"),
    ("# For the European Parliament\n\nREGULATION ON TESTING\n\nArticle 1\nScope\nText.\n",
     "REGULATION ON TESTING"),
])
def test_title_is_never_taken_from_a_signature_block(data: str, title: str) -> None:
    assert parse_one(data, "doc.md").title == title


def test_title_skips_a_gazette_masthead_and_prefers_the_instrument_name() -> None:
    doc = parse_one("Official Journal EN\nof the European Union L series\n2031/9 12.7.2031\n"
                    "DEPARTMENT OF DEMONSTRATIONS\nTESTING REGULATION (EU) 2031/9\n\n"
                    "Article 1\nScope\nText.\n", "reg.txt")
    assert doc.title == "TESTING REGULATION (EU) 2031/9"


def test_text_extracted_page_by_page_loses_its_running_header() -> None:
    page = "GOVERNMENT GAZETTE, 12 MAY 2031\nNo. 48571 {n}\n{body}\n{n}/3\n"
    doc = parse_one("\f".join([
        page.format(n=3, body="DEMO REGULATIONS, 2031\nArticle 1\nScope\nThese apply to"),
        page.format(n=4, body="all licensees.\nArticle 2\nAssignment of spectrum to the"),
        page.format(n=5, body="Square Kilometre Array\nThe Authority may assign it."),
    ]), "gazette.txt")
    assert doc.title == "DEMO REGULATIONS, 2031"
    assert [(p.heading, p.text) for p in doc.provisions] == [
        ("Scope", "These apply to all licensees."),
        ("Assignment of spectrum to the Square Kilometre Array", "The Authority may assign it.")]


def test_pdf_with_two_pages_loses_its_running_header() -> None:
    pdf = make_pdf([["GOVERNMENT GAZETTE, 12 MAY 2031", "DEMO REGULATIONS", "Article 1", "Scope",
                     "It applies to"],
                    ["GOVERNMENT GAZETTE, 12 MAY 2031", "all operators.", "Article 2",
                     "Effect", "Today."]])
    doc = parse_one(pdf, "gazette.pdf")
    assert doc.title == "DEMO REGULATIONS"
    assert doc.provisions[0].text == "It applies to all operators."


def test_page_footnote_inside_an_article_is_dropped() -> None:
    doc = parse_one((EXAMPLES / "eu-regulation-oj-extract.md").read_bytes(),
                    "eu-regulation-oj-extract.md")
    by = {p.eid: p for p in doc.provisions}
    assert "OJ L 153" not in by["art_2"].text
    assert by["art_2"].text.endswith("3. Member States shall lay down penalties for "
                                     "infringements of paragraph 1.")


# --- corpus ------------------------------------------------------------------------------------

@pytest.mark.corpus
def test_corpus_wto_ecommerce_agreement(corpus: Path) -> None:
    path = corpus / "treaties" / "wto-jsi-agreement-on-electronic-commerce.INF-ECOM-87.en.md"
    doc = parse_one(path.read_bytes(), path.name)
    articles = [p for p in doc.provisions if p.kind == "article"]
    assert [p.number for p in articles] == [f"Article {n}" for n in range(1, 39)]
    assert [p.kind for p in doc.provisions].count("annex") == 1
    assert doc.native_ids["wto_symbol"] == "INF/ECOM/87"
    by = {p.eid: p for p in doc.provisions}
    assert by["art_5"].heading == "Electronic Authentication and Electronic Signatures"
    assert by["art_23"].heading == "Security Exception"
    assert by["art_28"].heading == "Committee on Trade-Related Aspects of Electronic Commerce"
    assert by["art_21"].path == ["SECTION F TELECOMMUNICATIONS"]
    assert by["art_1"].text.startswith("1.1 This Agreement shall apply to measures")
    assert "(c) except for Article 8" in by["art_1"].text


@pytest.mark.corpus
def test_corpus_ai_act(corpus: Path) -> None:
    path = next((corpus / "eu" / "ai-act").glob("*.md"))
    doc = parse_one(path.read_bytes(), path.name)
    articles = [p for p in doc.provisions if p.kind == "article"]
    recitals = [p for p in doc.provisions if p.kind == "recital"]
    assert [p.eid for p in articles] == [f"art_{n}" for n in range(1, 114)]
    assert [p.eid for p in recitals] == [f"rec_{n}" for n in range(1, 181)]
    assert doc.provisions.index(recitals[-1]) < doc.provisions.index(articles[0])
    assert [p.number for p in doc.provisions if p.kind == "annex"][-1] == "ANNEX XIII"
    by = {p.eid: p for p in doc.provisions}
    assert by["art_1"].heading == "Subject matter"
    assert by["art_5"].heading == "Prohibited AI practices"
    assert by["art_6"].path == ["CHAPTER III HIGH-RISK AI SYSTEMS",
                                "SECTION 1 Classification of AI systems as high-risk"]
    assert by["art_113"].heading == "Entry into force and application"
    assert "ELI:" not in by["art_1"].text and "OJ L," not in by["art_2"].text
    assert (doc.number, doc.doc_type, doc.jurisdiction) == ("2024/1689", "regulation", "eu")
    assert doc.native_ids == {"celex": "32024R1689",
                              "eli": "http://data.europa.eu/eli/reg/2024/1689/oj"}


@pytest.mark.corpus
def test_corpus_cyber_resilience_act(corpus: Path) -> None:
    path = next((corpus / "eu" / "cra").glob("*.md"))
    doc = parse_one(path.read_bytes(), path.name)
    articles = [p for p in doc.provisions if p.kind == "article"]
    assert [p.eid for p in articles] == [f"art_{n}" for n in range(1, 72)]
    assert sum(p.kind == "recital" for p in doc.provisions) == 130
    by = {p.eid: p for p in doc.provisions}
    assert by["art_13"].heading == "Obligations of manufacturers"
    assert by["art_71"].heading == "Entry into force and application"
    assert doc.native_ids["celex"] == "32024R2847"


@pytest.mark.corpus
def test_corpus_us_code_chunks(corpus: Path) -> None:
    paths = sorted((corpus / "us" / "usc-title47").glob("*.md"))
    assert paths
    for path in paths:
        section = re.search(r"-s(\d+)\.", path.name).group(1)
        doc = parse_one(path.read_bytes(), path.name)
        [prov] = doc.provisions
        assert (prov.number, prov.eid, prov.kind) == (f"§ {section}", f"sec_{section}",
                                                      "section")
        assert prov.path == ["CHAPTER 5 WIRE OR RADIO COMMUNICATION"]
        assert prov.text and doc.title == "Title 47— TELECOMMUNICATIONS"
    doc = parse_one((corpus / "us/usc-title47/47usc-s230.chunck-216.en.md").read_bytes())
    assert doc.provisions[0].heading == (
        "Protection for private blocking and screening of offensive material")
    assert doc.provisions[0].text.startswith("(a) Findings\nThe Congress finds the following:")
