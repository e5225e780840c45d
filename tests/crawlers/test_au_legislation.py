"""Federal Register of Legislation: the API's latest compilation, then its EPUB volumes."""

from __future__ import annotations

import pytest

from crawlers.au_legislation import parse_frl
from crawlers.runner import get_source
from kb.errors import ImportFailed
from tests.crawlers.conftest import PACKAGE_FIXTURES, requests_to, serve_robots

FIXTURES = PACKAGE_FIXTURES / "au_legislation"
VERSION = (FIXTURES / "C2004A03712.version.json").read_bytes()
NCX = (FIXTURES / "document.ncx").read_bytes()
VOL1 = (FIXTURES / "C2004A03712.document_1.html").read_bytes()
VOL2 = (FIXTURES / "C2004A03712.document_2.html").read_bytes()
FIND = "/v1/versions/find(titleId='C2004A03712',asAtSpecification='Latest')"
OEBPS = "/C2004A03712/2024-12-11/2024-12-11/text/latest/epub/OEBPS"


def local_source(server):
    base = f"http://127.0.0.1:{server.port}"
    return get_source("au_legislation", base_url=base, allowed_hosts=["127.0.0.1"],
                      min_delay=0.0, options={"api_base_url": f"{base}/v1"})


def serve_compilation(server, version: bytes | None = VERSION) -> None:
    serve_robots(server)
    if version is None:
        server.expect_request(FIND).respond_with_data("unavailable", status=404)
    else:
        server.expect_request(FIND).respond_with_data(version, content_type="application/json")
    for base in (OEBPS, "/C2004A03712/latest/latest/text/latest/epub/OEBPS"):
        server.expect_request(f"{base}/document.ncx").respond_with_data(
            NCX, content_type="application/x-dtbncx+xml")
        server.expect_request(f"{base}/document_1/document_1.html").respond_with_data(
            VOL1, content_type="application/xhtml+xml")
        server.expect_request(f"{base}/document_2/document_2.html").respond_with_data(
            VOL2, content_type="application/xhtml+xml")


def test_latest_compilation_with_every_volume(server, fetcher):
    serve_compilation(server)
    src = local_source(server)
    outcome = src.crawl_target(src.target("C2004A03712"), fetcher)
    assert outcome.ok, outcome.error
    [record] = outcome.records
    assert record.id == "/akn/au/act/1988/119"
    assert record.title == "Privacy Act 1988"
    assert record.version == "2024-12-11" and record.status == "in-force"
    assert record.native_ids["frl"] == "C2004A03712"
    assert record.native_ids["frl_register_id"] == "C2024C00871"
    assert record.native_ids["number"] == "No. 119, 1988"
    assert record.source_url == "https://www.legislation.gov.au/C2004A03712/latest/text"
    assert [p.eid for p in record.provisions] == ["sec_1", "sec_6", "sch_1__cl_8"]
    s6, app8 = record.provisions[1], record.provisions[2]
    assert s6.path == ["Part I—Preliminary", "Division 1—Interpretation"]
    assert "personal information means information" in s6.text
    assert "editorial note" not in s6.text  # notes are not the law's text
    assert app8.number == "Schedule 1, clause 8"
    assert app8.text.startswith("8.1 Before an APP entity discloses")
    assert "Privacy Legislation Amendment Act 2024" not in app8.text  # endnotes left out
    [(api, _)] = requests_to(server, FIND)
    assert api.headers["Accept"] == "application/json"
    assert requests_to(server, f"{OEBPS}/document_2/document_2.html")
    assert record.provenance.url.endswith(f"{OEBPS}/document_1/document_1.html")
    assert record.provenance.licence.startswith("CC BY 4.0")


def test_without_the_api_the_latest_text_is_read_and_said(server, fetcher):
    serve_compilation(server, version=None)
    src = local_source(server)
    outcome = src.crawl_target(src.target("C2004A03712"), fetcher)
    assert outcome.ok, outcome.error
    assert any("cannot read the latest compilation" in n for n in outcome.notes)
    assert outcome.records[0].version == "2024-12-11"  # the compilation date in the text
    assert outcome.url.endswith("/latest/latest/text/latest/epub/OEBPS/document_2/document_2.html")


def test_a_title_id_serving_another_act_is_refused(server, fetcher):
    serve_robots(server)
    find = FIND.replace("C2004A03712", "C2004A05145")
    server.expect_request(find).respond_with_data(VERSION, content_type="application/json")
    base = OEBPS.replace("C2004A03712", "C2004A05145")
    server.expect_request(f"{base}/document.ncx").respond_with_data("no", status=404)
    server.expect_request(f"{base}/document_1/document_1.html").respond_with_data(VOL1)
    src = local_source(server)
    outcome = src.crawl_target(src.target("C2004A05145"), fetcher)
    assert not outcome.ok and "Telecommunications Act 1997" in outcome.error
    assert any("volume 1 only" in n for n in outcome.notes)


def test_text_without_sections_is_loud():
    with pytest.raises(ImportFailed, match="no sections"):
        parse_frl(b"<html><body><p class='ShortT'>Privacy Act 1988</p></body></html>", "x")
