"""US Code Markdown chunks: the headings give jurisdiction, Act, title, chapter and section."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import importers
from kb.errors import ImportFailed
from kb.importers import us_code

CHUNK = ("\n# Title 47— TELECOMMUNICATIONS\n### CHAPTER 5— WIRE OR RADIO COMMUNICATION\n"
         "#### §\u202f230. Protection for private blocking\n##### (b) Policy\n\n"
         "It is the policy of the United States\n\n(1) to promote the Internet;\n")


def test_a_chunk_is_one_part_of_its_section_work() -> None:
    doc = us_code.parse(CHUNK.encode(), "chunk.md")[0]
    assert (doc.jurisdiction, doc.doc_type, doc.number) == ("us", "act", "47 U.S.C. § 230")
    assert doc.work_id == "/akn/us/act/1934/47-usc-230"
    assert doc.native_ids == {"usc": "47 U.S.C. § 230", "usc_title": "47", "usc_section": "230",
                              "usc_chapter": "5", "act": "Communications Act of 1934"}
    assert doc.partial
    prov = doc.provisions[0]
    assert (prov.eid, prov.number, prov.heading) == ("sec_230__subsec_b", "§ 230(b)", "Policy")
    assert prov.text == "It is the policy of the United States\n(1) to promote the Internet;"
    assert prov.path == ["Title 47 — Telecommunications",
                         "Chapter 5 — Wire or Radio Communication",
                         "§ 230. Protection for private blocking"]


def test_detected_before_the_generic_markdown_importer() -> None:
    assert importers.detect(CHUNK.encode(), "chunk.md").FORMAT == "us_code"
    assert us_code.sniff(b"# Title 47 notes\n\nSome text about section 230.", "x.md") == 0


def test_not_a_us_code_chunk() -> None:
    with pytest.raises(ImportFailed, match="no '#### § N.' section heading"):
        us_code.parse(b"# Title 47\xe2\x80\x94 TELECOMMUNICATIONS\n\nText.", "x.md")


def test_corpus_chunks_of_one_section_make_one_work(corpus: Path) -> None:
    files = sorted((corpus / "us" / "usc-title47").glob("47usc-s230.*.md"))
    assert len(files) == 6
    docs = [d for f in files for d in us_code.parse(f.read_bytes(), f.name)]
    assert {d.work_id for d in docs} == {"/akn/us/act/1934/47-usc-230"}
    eids = [p.eid for d in docs for p in d.provisions]
    assert eids == [f"sec_230__subsec_{x}" for x in "abcdef"]
    for f in (corpus / "us" / "usc-title47").glob("*.md"):
        assert importers.detect(f.read_bytes(), f.name).FORMAT == "us_code"


def test_corpus_section_without_subsections_is_one_provision(corpus: Path) -> None:
    """§ 151 as published, read from ../shared (never copied into the project)."""
    path = corpus / "us" / "usc-title47" / "47usc-s151.chunck-29.en.md"
    [doc] = us_code.parse(path.read_bytes(), path.name)
    assert doc.work_id == "/akn/us/act/1934/47-usc-151"
    assert doc.title.startswith("47 U.S.C. § 151 - Purposes of chapter")
    [prov] = doc.provisions
    assert (prov.eid, prov.number) == ("sec_151", "§ 151")
    assert prov.heading == "Purposes of chapter; Federal Communications Commission created"
    assert prov.text.startswith("For the purpose of regulating interstate and foreign commerce")


def test_corpus_subsection_chunk_keeps_its_heading_and_path(corpus: Path) -> None:
    path = corpus / "us" / "usc-title47" / "47usc-s230.chunck-216.en.md"
    docs = us_code.parse(path.read_bytes(), path.name)
    prov = docs[0].provisions[0]
    assert prov.eid.startswith("sec_230__subsec_") and prov.number.startswith("§ 230(")
    assert prov.path[:2] == ["Title 47 — Telecommunications",
                             "Chapter 5 — Wire or Radio Communication"]
    assert docs[0].partial
