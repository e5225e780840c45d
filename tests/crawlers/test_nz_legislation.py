"""New Zealand Legislation: the PCO XML of an Act's latest reprint, from a local server."""

from __future__ import annotations

import pytest

from crawlers.nz_legislation import parse_pco
from crawlers.runner import get_source
from kb.errors import ImportFailed
from tests.crawlers.conftest import PACKAGE_FIXTURES, etag_handler, serve_robots

ACT = (PACKAGE_FIXTURES / "nz_legislation" / "act-public-2020-0031.whole.xml").read_bytes()
PATH = "/act/public/2020/0031/latest/whole.xml"


def local_source(server):
    return get_source("nz_legislation", base_url=f"http://127.0.0.1:{server.port}",
                      allowed_hosts=["127.0.0.1"], min_delay=0.0)


def test_act_from_its_xml(server, fetcher):
    serve_robots(server)
    server.expect_request(PATH).respond_with_handler(etag_handler(ACT, "application/xml"))
    src = local_source(server)
    outcome = src.crawl_target(src.target("2020/0031"), fetcher)
    assert outcome.ok, outcome.error
    [record] = outcome.records
    assert record.id == "/akn/nz/act/2020/31"
    assert record.title == "Privacy Act 2020"
    assert record.version == "2025-03-01"  # the reprint's as-at date
    assert record.dates.adopted.isoformat() == "2020-06-30"
    assert record.status == "in-force"
    assert record.native_ids["pco"] == "2020/0031"
    assert record.native_ids["number"] == "2020 No 31"
    assert record.source_url == ("https://www.legislation.govt.nz/act/public/2020/0031/latest/"
                                 "whole.html")
    assert [p.eid for p in record.provisions] == ["sec_1", "sec_3", "sec_22"]
    s3, s22 = record.provisions[1], record.provisions[2]
    assert s3.text.split("\n")[1].startswith("(a) providing a framework")
    assert "amended" not in s3.text and "1 May 2025" not in s3.text  # history notes left out
    assert s22.path == ["Part 3 Information privacy principles and codes of practice",
                        "Subpart 1 Information privacy principles"]
    assert s22.text.startswith("(1) The information privacy principles")
    assert "Compare" not in s22.text
    assert record.provenance.licence.startswith("NZ Acts are not subject to Crown copyright")


def test_bot_protection_page_is_refused(server, fetcher):
    serve_robots(server)
    server.expect_request(PATH.replace("2020/0031", "2001/0103")).respond_with_data(
        "<html><body>Please wait while we check your browser</body></html>", status=202,
        content_type="text/html")
    src = local_source(server)
    outcome = src.crawl_target(src.target("2001/0103"), fetcher)
    assert not outcome.ok and outcome.records == []
    assert "not PCO legislation XML" in outcome.error


def test_wrong_act_is_refused(server, fetcher):
    serve_robots(server)
    server.expect_request(PATH.replace("2020/0031", "2007/0007")).respond_with_data(ACT)
    src = local_source(server)
    outcome = src.crawl_target(src.target("2007/0007"), fetcher)
    assert not outcome.ok and "Unsolicited Electronic Messages Act 2007" in outcome.error


def test_undeclared_entities_do_not_lose_the_document():
    xml = ACT.replace(b"This Act is the Privacy Act 2020.", b"This Act&nbsp;is &unknown; 2020.")
    [doc] = parse_pco(xml, "x.xml")
    assert doc.provisions[0].text.startswith("This Act")


def test_act_without_sections_is_loud():
    with pytest.raises(ImportFailed, match="no sections"):
        parse_pco(b"<act year='2020' act.no='1'><cover><title>X Act</title></cover>"
                  b"<body/></act>", "x.xml")
