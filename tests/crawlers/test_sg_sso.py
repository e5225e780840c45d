"""Singapore Statutes Online: an Act page and its lazily loaded Parts, from a local server."""

from __future__ import annotations

import hashlib

import pytest

from crawlers.runner import get_source
from crawlers.sg_sso import fragment_urls, parse_sso
from kb.errors import ImportFailed
from tests.crawlers.conftest import PACKAGE_FIXTURES, etag_handler, requests_to, serve_robots

FIXTURES = PACKAGE_FIXTURES / "sg_sso"
PAGE = (FIXTURES / "PDPA2012.html").read_bytes()
PART6 = (FIXTURES / "PDPA2012.part6.html").read_bytes()
LAZY = "/Details/GetLazyLoadContent"


def local_source(server):
    return get_source("sg_sso", base_url=f"http://127.0.0.1:{server.port}",
                      allowed_hosts=["127.0.0.1"], min_delay=0.0)


def serve_act(server, page: bytes = PAGE, part: bytes | None = PART6) -> None:
    serve_robots(server)
    server.expect_request("/Act/PDPA2012").respond_with_handler(
        etag_handler(page, "text/html; charset=utf-8"))
    if part is not None:
        server.expect_request(LAZY).respond_with_handler(etag_handler(part, "text/html"))


def test_act_with_its_lazy_parts_becomes_one_record(server, fetcher):
    serve_act(server)
    src = local_source(server)
    outcome = src.crawl_target(src.target("PDPA2012"), fetcher)
    assert outcome.ok, outcome.error
    [record] = outcome.records
    assert record.id == "/akn/sg/act/2012/26"
    assert record.title == "Personal Data Protection Act 2012"
    assert record.native_ids["sso"] == "PDPA2012"
    assert record.native_ids["number"] == "Act 26 of 2012"  # not the amending Act 40 of 2020
    assert record.version == "2025-12-05"
    assert record.source_url == "https://sso.agc.gov.sg/Act/PDPA2012"
    assert [p.eid for p in record.provisions] == ["sec_1", "sec_3", "sec_24", "sec_26"]
    s26 = record.provisions[-1]
    assert s26.number == "Section 26"
    assert s26.heading == "Transfer of personal data outside Singapore"
    assert s26.path == ["Part 6 CARE OF PERSONAL DATA"]
    assert s26.text.startswith("26.—(1) An organisation must not transfer")
    assert "\n(2) The Commission may" in s26.text
    s24 = record.provisions[2].text.split("\n")
    assert s24[1].startswith("(a) unauthorised access") and s24[2].startswith("(b) the loss")
    [(lazy, _)] = requests_to(server, LAZY)
    assert lazy.args["TocSysId"] == "5c6d7e8f-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
    assert lazy.args["SeriesId"] == "8a3c2b1e-5d6f-4a7b-9c8d-0e1f2a3b4c5d"
    assert lazy.args["FragSysId"] == "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
    assert lazy.args["_"] == "20251205000000"
    prov = record.provenance
    assert prov.agent == "crawler/sg_sso 1" and prov.licence.startswith("Singapore Statutes")
    assert prov.url == server.url_for("/Act/PDPA2012")
    assert prov.sha256 != hashlib.sha256(PAGE).hexdigest()  # the page and its Parts together


def test_second_crawl_is_served_by_conditional_get(server, fetcher):
    serve_act(server)
    src = local_source(server)
    src.crawl_target(src.target("PDPA2012"), fetcher)
    again = src.crawl_target(src.target("PDPA2012"), fetcher)
    assert again.ok and all(f.not_modified for f in again.fetches)
    assert len(again.records[0].provisions) == 4


def test_a_part_that_cannot_be_fetched_fails_the_act(server, fetcher):
    serve_robots(server)
    server.expect_request("/Act/PDPA2012").respond_with_data(PAGE, content_type="text/html")
    server.expect_request(LAZY).respond_with_data("gone", status=404)
    src = local_source(server)
    outcome = src.crawl_target(src.target("PDPA2012"), fetcher)
    assert not outcome.ok and outcome.records == [] and "HTTP 404" in outcome.error


def test_wrong_act_is_refused(server, fetcher):
    serve_robots(server)
    server.expect_request("/Act/TA1999").respond_with_data(PAGE, content_type="text/html")
    server.expect_request(LAZY).respond_with_data(PART6, content_type="text/html")
    src = local_source(server)
    outcome = src.crawl_target(src.target("TA1999"), fetcher)
    assert not outcome.ok and "Telecommunications Act 1999" in outcome.error


def test_page_without_sections_is_loud():
    page = b"<html><head><title>Search - Singapore Statutes Online</title></head></html>"
    with pytest.raises(ImportFailed, match="no sections"):
        parse_sso(page, "search.html")
    assert fragment_urls(page, "https://sso.agc.gov.sg") == []
