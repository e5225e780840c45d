"""Each source module against saved or hand-made responses served by a local HTTP server."""

from __future__ import annotations

import hashlib

import pytest
from werkzeug import Request, Response

from crawlers.runner import get_source
from crawlers.us_ecfr import parse_ecfr
from kb import importers
from tests.crawlers.conftest import (
    PACKAGE_FIXTURES,
    TEST_FIXTURES,
    etag_handler,
    requests_to,
    serve_robots,
)


def base_of(server) -> str:
    return f"http://127.0.0.1:{server.port}"


def local_source(source_id: str, server, **changes):
    """The configured source, pointed at the local server, without delays."""
    return get_source(source_id, base_url=base_of(server), allowed_hosts=["127.0.0.1"],
                      min_delay=0.0, **changes)


def package_fixture(source_id: str, name: str) -> bytes:
    return (PACKAGE_FIXTURES / source_id / name).read_bytes()


def sample(source_id: str, name: str, server=None) -> bytes:
    data = (TEST_FIXTURES / source_id / name).read_bytes()
    return data.replace(b"{base}", base_of(server).encode()) if server else data


# -- legislation.gov.uk --------------------------------------------------------------------------


def test_uk_legislation_parses_into_a_record(server, fetcher):
    serve_robots(server)
    body = package_fixture("uk_legislation", "ukpga-2018-12.data.akn.xml")
    server.expect_request("/ukpga/2018/12/data.akn").respond_with_handler(etag_handler(body))
    src = local_source("uk_legislation", server)
    outcome = src.crawl_target(src.target("ukpga/2018/12"), fetcher)
    assert outcome.ok, outcome.error
    [record] = outcome.records
    assert record.id == "/akn/gb/act/2018/12"
    assert record.title == "Data Protection Act 2018"
    assert record.origin == "crawled"
    assert record.source_url == "https://www.legislation.gov.uk/ukpga/2018/12"
    assert [p.number for p in record.provisions] == ["Section 1", "Section 2"]
    assert "processing of personal data" in record.provisions[0].text
    prov = record.provenance
    assert prov.url == server.url_for("/ukpga/2018/12/data.akn")
    assert prov.sha256 == hashlib.sha256(body).hexdigest()
    assert prov.etag and prov.last_modified and prov.content_type.startswith("application/xml")
    assert prov.agent == "crawler/uk_legislation 1"
    assert prov.licence.startswith("Open Government Licence")


def test_uk_legislation_wrong_page_is_refused(server, fetcher):
    serve_robots(server)
    body = package_fixture("uk_legislation", "ukpga-2018-12.data.akn.xml")
    server.expect_request("/ukpga/2003/21/data.akn").respond_with_data(body)
    src = local_source("uk_legislation", server)
    outcome = src.crawl_target(src.target("ukpga/2003/21"), fetcher)
    assert not outcome.ok and outcome.records == []
    assert "Communications Act 2003" in outcome.error and "wrong page" in outcome.error


def test_uk_legislation_http_error_is_a_failure(server, fetcher):
    serve_robots(server)
    server.expect_request("/ukpga/2023/50/data.akn").respond_with_data("Not found", status=404)
    src = local_source("uk_legislation", server)
    outcome = src.crawl_target(src.target("ukpga/2023/50"), fetcher)
    assert "HTTP 404" in outcome.error
    assert outcome.url == server.url_for("/ukpga/2023/50/data.akn")


# -- EUR-Lex -------------------------------------------------------------------------------------

needs_eurlex_html = pytest.mark.skipif(
    "eurlex_html" not in importers.importers(), reason="the eurlex_html importer is not installed")


@needs_eurlex_html
def test_eurlex_html_by_celex(server, fetcher):
    serve_robots(server)
    server.expect_request("/legal-content/EN/TXT/HTML/",
                          query_string={"uri": "CELEX:32016R0679"}).respond_with_data(
        package_fixture("eu_eurlex", "CELEX_32016R0679.en.html"), content_type="text/html")
    src = local_source("eu_eurlex", server)
    outcome = src.crawl_target(src.target("32016R0679"), fetcher)
    assert outcome.ok, outcome.error
    [record] = outcome.records
    assert record.id == "/akn/eu/act/regulation/2016/679"
    assert record.native_ids["celex"] == "32016R0679"
    assert any(p.number == "Article 1" for p in record.provisions)
    assert record.provenance.licence.startswith("(c) European Union")


@needs_eurlex_html
def test_eurlex_challenge_page_fails_loudly(server, fetcher):
    serve_robots(server)
    server.expect_request("/legal-content/EN/TXT/HTML/").respond_with_data(
        sample("eu_eurlex", "challenge.html"), content_type="text/html")
    src = local_source("eu_eurlex", server)
    outcome = src.crawl_target(src.target("32024R1689"), fetcher)
    assert not outcome.ok and outcome.records == []
    assert "32024R1689" in outcome.error or "2024/1689" in outcome.error


@needs_eurlex_html
def test_eurlex_via_cellar_content_negotiation(server, fetcher):
    serve_robots(server)
    seen = {}

    def negotiate(request: Request) -> Response:
        seen.update(request.headers)
        return Response(status=303, headers={
            "Location": "/resource/cellar/3e485e15-11bd-11e6-ba9a-01aa75ed71a1.0006.03/DOC_1"})

    server.expect_request("/resource/celex/32016R0679").respond_with_handler(negotiate)
    server.expect_request(
        "/resource/cellar/3e485e15-11bd-11e6-ba9a-01aa75ed71a1.0006.03/DOC_1").respond_with_data(
        package_fixture("eu_eurlex", "CELEX_32016R0679.en.html"),
        content_type="application/xhtml+xml")
    src = local_source("eu_eurlex", server, options={
        "via": "cellar", "cellar_base_url": base_of(server), "language": "EN"})
    outcome = src.crawl_target(src.target("32016R0679"), fetcher)
    assert outcome.ok, outcome.error
    assert "application/xhtml+xml" in seen["Accept"] and seen["Accept-Language"] == "eng"
    assert outcome.records[0].provenance.url.endswith("/DOC_1")


# -- Federal Register ----------------------------------------------------------------------------


def serve_fr_pages(server) -> None:
    serve_robots(server)
    server.expect_request("/api/v1/documents.json").respond_with_data(
        sample("us_federal_register", "page1.json", server),
        content_type="application/json")
    server.expect_request("/api/v1/documents").respond_with_data(
        sample("us_federal_register", "page2.json", server),
        content_type="application/json")


def test_federal_register_search_follows_pages(server, fetcher):
    serve_fr_pages(server)
    src = local_source("us_federal_register", server)
    outcome = src.crawl_target(src.target("fcc-spectrum-auction"), fetcher)
    assert outcome.ok, outcome.error
    assert [r.native_ids["fr_doc"] for r in outcome.records] == [
        "2024-91001", "2024-91002", "2024-91003"]
    first = outcome.records[0]
    assert first.id == "/akn/us/decision/2024/2024-91001"
    assert first.source_url.startswith("https://www.federalregister.gov/documents/2024/07/01/")
    assert first.issuing_body == "Federal Communications Commission"
    [(request, _)] = requests_to(server, "/api/v1/documents.json")
    assert request.args.getlist("conditions[agencies][]") == ["federal-communications-commission"]
    assert request.args["conditions[term]"] == "spectrum auction"
    assert request.args.getlist("conditions[type][]") == ["RULE", "PRORULE"]
    assert request.args["order"] == "newest"
    [(page2, _)] = requests_to(server, "/api/v1/documents")
    assert page2.args["page"] == "2"


def test_federal_register_page_limit(server, fetcher):
    serve_fr_pages(server)
    src = local_source("us_federal_register", server, options={"per_page": 2, "max_pages": 1})
    outcome = src.crawl_target(src.target("fcc-spectrum-auction"), fetcher)
    assert outcome.ok and len(outcome.records) == 2
    assert requests_to(server, "/api/v1/documents") == []


def test_federal_register_api_error(server, fetcher):
    serve_robots(server)
    server.expect_request("/api/v1/documents.json").respond_with_data(
        sample("us_federal_register", "error-400.json"), status=400,
        content_type="application/json")
    src = local_source("us_federal_register", server)
    outcome = src.crawl_target(src.target("ntia-spectrum"), fetcher)
    assert "HTTP 400" in outcome.error and "not a valid agency" in outcome.error


def test_federal_register_empty_search_is_loud(server, fetcher):
    serve_robots(server)
    server.expect_request("/api/v1/documents.json").respond_with_data(
        sample("us_federal_register", "empty.json"), content_type="application/json")
    src = local_source("us_federal_register", server)
    outcome = src.crawl_target(src.target("ntia-spectrum"), fetcher)
    assert not outcome.ok and "no results" in outcome.error


# -- eCFR ----------------------------------------------------------------------------------------


def serve_titles(server) -> None:
    server.expect_request("/api/versioner/v1/titles.json").respond_with_data(
        sample("us_ecfr", "titles.json"), content_type="application/json")


def test_ecfr_part_from_the_versioner(server, fetcher):
    serve_robots(server)
    serve_titles(server)
    server.expect_request("/api/versioner/v1/full/2024-06-10/title-47.xml",
                          query_string={"part": "27"}).respond_with_data(
        package_fixture("us_ecfr", "title-47-part-27.xml"), content_type="application/xml")
    src = local_source("us_ecfr", server)
    outcome = src.crawl_target(src.target("part-27"), fetcher)
    assert outcome.ok, outcome.error
    [record] = outcome.records
    assert record.id == "/akn/us/regulation/1997/47-cfr-27"
    assert record.title == "47 CFR Part 27 - Miscellaneous Wireless Communications Services"
    assert record.version == "2024-06-10"
    assert record.issuing_body == "Federal Communications Commission"
    assert [p.number for p in record.provisions] == ["§ 27.1", "§ 27.11"]  # 27.3 is reserved
    assert record.provisions[1].path == ["Subpart B—Applications and Licenses"]
    assert record.provisions[1].text.endswith("65 FR 3146, Jan. 20, 2000]")
    assert len(outcome.fetches) == 2  # titles.json, then the part


def test_ecfr_subpart(server, fetcher):
    serve_robots(server)
    serve_titles(server)
    server.expect_request("/api/versioner/v1/full/2024-06-10/title-47.xml",
                          query_string={"part": "1", "subpart": "Q"}).respond_with_data(
        package_fixture("us_ecfr", "title-47-part-1-subpart-q.xml"))
    src = local_source("us_ecfr", server)
    outcome = src.crawl_target(src.target("part-1-subpart-q"), fetcher)
    assert outcome.ok, outcome.error
    [record] = outcome.records
    assert record.id == "/akn/us/regulation/1994/47-cfr-1-subpart-q"
    assert record.provisions[0].path == ["General Procedures"]
    assert record.native_ids["cfr"] == "47 CFR Part 1, Subpart Q"


def test_ecfr_falls_back_to_bulk_xml_when_robots_disallow(server, fetcher):
    serve_robots(server, "User-agent: *\nDisallow: /api/versioner/v1/full/\n")
    serve_titles(server)
    bulk = "/bulkdata/ECFR/title-47/ECFR-title47.xml"
    server.expect_request(bulk).respond_with_handler(
        etag_handler(sample("us_ecfr", "bulk-title-47.xml")))
    src = local_source("us_ecfr", server, options={
        "title": 47, "bulk_base_url": base_of(server),
        "issuing_body": "Federal Communications Commission"})
    first = src.crawl_target(src.target("part-1-subpart-q"), fetcher)
    second = src.crawl_target(src.target("part-27"), fetcher)
    assert first.ok and second.ok, (first.error, second.error)
    assert [p.number for p in first.records[0].provisions] == ["§ 1.2101", "§ 1.2102"]
    assert first.records[0].version == "2024-06-06"  # the bulk file's AMDDATE
    assert first.records[0].provenance.url == server.url_for(bulk)
    assert any("robots.txt" in note for note in first.notes)
    assert "2305-2320 MHz" in second.records[0].provisions[0].text
    assert second.fetches[-1].not_modified  # the title file is not downloaded twice
    assert not any(r.path.startswith("/api/versioner/v1/full/") for r, _ in server.log)


def test_ecfr_missing_part_is_a_failure(server, fetcher):
    serve_robots(server, "User-agent: *\nDisallow: /api/versioner/v1/full/\n")
    serve_titles(server)
    server.expect_request("/bulkdata/ECFR/title-47/ECFR-title47.xml").respond_with_data(
        sample("us_ecfr", "bulk-title-47.xml"))
    src = local_source("us_ecfr", server, options={"bulk_base_url": base_of(server)})
    outcome = src.crawl_target(src.target("part-64"), fetcher)
    assert not outcome.ok and "no 47 CFR Part 64" in outcome.error


def test_parse_ecfr_tables_and_history():
    [doc] = parse_ecfr(sample("us_ecfr", "bulk-title-47.xml"), "bulk.xml", part="27")
    [section] = doc.provisions
    assert "Band | Frequencies" in section.text and "WCS | 2305-2320 MHz" in section.text
    assert doc.date.isoformat() == "1997-03-03"
    assert doc.work_id == "/akn/us/regulation/1997/47-cfr-27"


# -- e-Gov ---------------------------------------------------------------------------------------


def test_egov_law_by_id(server, fetcher):
    serve_robots(server)
    server.expect_request("/api/1/lawdata/359AC0000000086").respond_with_data(
        package_fixture("jp_egov", "359AC0000000086.xml"), content_type="application/xml")
    src = local_source("jp_egov", server)
    outcome = src.crawl_target(src.target("359AC0000000086"), fetcher)
    assert outcome.ok, outcome.error
    [record] = outcome.records
    assert record.id == "/akn/jp/act/1984/86"
    assert record.title == "電気通信事業法" and record.language == "ja"
    assert record.native_ids["egov"] == "359AC0000000086"
    assert [p.number for p in record.provisions] == ["第一条", "第三条", "第四条"]
    assert record.source_url == "https://laws.e-gov.go.jp/law/359AC0000000086"


def test_egov_api_error_answer(server, fetcher):
    serve_robots(server)
    server.expect_request("/api/1/lawdata/415AC0000000057").respond_with_data(
        sample("jp_egov", "error-code-1.xml"), content_type="application/xml")
    src = local_source("jp_egov", server)
    outcome = src.crawl_target(src.target("415AC0000000057"), fetcher)
    assert not outcome.ok and "code 1" in outcome.error


def test_egov_wrong_law_is_refused(server, fetcher):
    serve_robots(server)
    server.expect_request("/api/1/lawdata/325AC0000000131").respond_with_data(
        package_fixture("jp_egov", "359AC0000000086.xml"))
    src = local_source("jp_egov", server)
    outcome = src.crawl_target(src.target("325AC0000000131"), fetcher)
    assert not outcome.ok and "電波法" in outcome.error


# -- ToTA ----------------------------------------------------------------------------------------


def test_tota_treaty(server, fetcher):
    serve_robots(server)
    server.expect_request("/xml/pta_449.xml").respond_with_data(
        package_fixture("tota", "pta_449.xml"), content_type="text/plain")
    src = local_source("tota", server)
    outcome = src.crawl_target(src.target("pta_449"), fetcher)
    assert outcome.ok, outcome.error
    [record] = outcome.records
    assert record.id == "/akn/int/treaty/2016/tpp"
    assert record.agreement == "tpp" and record.doc_type == "treaty"
    assert "vn" in record.parties and len(record.parties) == 12
    assert "Article 14.11" in [p.number for p in record.provisions]
    assert record.provenance.licence.startswith("ToTA corpus CC BY-NC 4.0")


def test_tota_missing_file(server, fetcher):
    serve_robots(server)
    server.expect_request("/xml/pta_159.xml").respond_with_data("404: Not Found", status=404)
    src = local_source("tota", server)
    outcome = src.crawl_target(src.target("pta_159"), fetcher)
    assert not outcome.ok and "HTTP 404" in outcome.error
