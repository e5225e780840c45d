"""vbpl.vn: a document's attributes page, then its full text, from a local server."""

from __future__ import annotations

from crawlers.runner import get_source
from tests.crawlers.conftest import PACKAGE_FIXTURES, requests_to, serve_robots

FIXTURES = PACKAGE_FIXTURES / "vn_vbpl"
TEXT = (FIXTURES / "vbpq-toanvan-132957.html").read_bytes()
ATTRS = (FIXTURES / "vbpq-thuoctinh-132957.html").read_bytes()


def local_source(server):
    return get_source("vn_vbpl", base_url=f"http://127.0.0.1:{server.port}",
                      allowed_hosts=["127.0.0.1"], min_delay=0.0)


def serve(server, item: str = "132957", site: str = "TW", attrs: bytes | None = ATTRS,
          text: bytes = TEXT) -> None:
    serve_robots(server)
    if attrs is None:
        server.expect_request(f"/{site}/Pages/vbpq-thuoctinh.aspx").respond_with_data(
            "error", status=500)
    else:
        server.expect_request(f"/{site}/Pages/vbpq-thuoctinh.aspx",
                              query_string={"ItemID": item}).respond_with_data(
            attrs, content_type="text/html; charset=utf-8")
    server.expect_request(f"/{site}/Pages/vbpq-toanvan.aspx",
                          query_string={"ItemID": item}).respond_with_data(
        text, content_type="text/html; charset=utf-8")


def test_text_with_its_attributes(server, fetcher):
    serve(server)
    src = local_source(server)
    outcome = src.crawl_target(src.target("132957"), fetcher)
    assert outcome.ok, outcome.error
    [record] = outcome.records
    assert record.id == "/akn/vn/act/2018/24-2018-qh14"
    assert record.title == "Luật An ninh mạng" and record.language == "vi"
    assert record.native_ids["vbpl"] == "132957"
    assert record.native_ids["number"] == "24/2018/QH14"
    assert record.dates.adopted.isoformat() == "2018-06-12"
    assert record.dates.in_force.isoformat() == "2019-01-01"
    assert record.status == "in-force"  # "Hết hiệu lực một phần": partly repealed, in force
    assert record.source_url == "https://vbpl.vn/TW/Pages/vbpq-toanvan.aspx?ItemID=132957"
    assert [p.number for p in record.provisions] == ["Điều 1", "Điều 26", "Điều 43"]
    art26 = record.provisions[1]
    assert art26.path == ["Chương III PHÒNG NGỪA, XỬ LÝ HÀNH VI XÂM PHẠM AN NINH MẠNG"]
    assert "phải lưu trữ dữ liệu này tại Việt Nam" in art26.text
    assert "thông qua ngày 12 tháng 6 năm 2018" not in record.provisions[-1].text
    assert [len(requests_to(server, f"/TW/Pages/vbpq-{p}.aspx"))
            for p in ("thuoctinh", "toanvan")] == [1, 1]
    assert record.provenance.url.endswith("/TW/Pages/vbpq-toanvan.aspx?ItemID=132957")


def test_repealed_document_says_so(server, fetcher):
    serve(server, attrs=ATTRS.replace("Hết hiệu lực một phần".encode(),
                                      "Hết hiệu lực toàn bộ".encode()))
    src = local_source(server)
    outcome = src.crawl_target(src.target("132957"), fetcher)
    assert outcome.ok and outcome.records[0].status == "repealed"


def test_without_attributes_the_text_is_enough(server, fetcher):
    serve(server, attrs=None)
    src = local_source(server)
    outcome = src.crawl_target(src.target("132957"), fetcher)
    assert outcome.ok, outcome.error
    assert any("attributes page not read" in n for n in outcome.notes)
    assert outcome.records[0].status == "unknown"
    assert outcome.records[0].dates.adopted.isoformat() == "2018-06-12"  # from the text


def test_portal_serving_another_document_is_refused(server, fetcher):
    serve(server, item="161106")
    src = local_source(server)
    outcome = src.crawl_target(src.target("161106"), fetcher)
    assert not outcome.ok and outcome.records == []
    assert "13/2023/NĐ-CP" in outcome.error and "wrong page" in outcome.error


def test_ministry_site_is_asked_on_its_own_path(server, fetcher):
    text = TEXT.replace(b"24/2018/QH14", b"91/2025/QH15")
    serve(server, item="179252", site="bocongan", attrs=None, text=text)
    src = local_source(server)
    outcome = src.crawl_target(src.target("179252"), fetcher)
    assert outcome.ok, outcome.error
    assert outcome.records[0].id == "/akn/vn/act/2025/91-2025-qh15"
