"""Bộ pháp điển: the đề mục page, its fileVersion, then the codified text from the handler.

The real đề mục pages of ../shared/corpus are served as the handler's answer; those tests skip
when the corpus is absent (unless KB_REQUIRE_CORPUS=1).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawlers.runner import get_source
from crawlers.vn_phapdien import unwrap
from kb.errors import ImportFailed
from tests.crawlers.conftest import PACKAGE_FIXTURES, requests_to, serve_robots

FIXTURES = PACKAGE_FIXTURES / "vn_phapdien"
VIEW = (FIXTURES / "ViewBoPD-3.5.html").read_bytes()
ANSWER = (FIXTURES / "ActionHandler-3.5.json").read_bytes()
GUID = "29b3d08e-82e7-404c-8607-26db1a607f84"
VERSION = "6f1d2c3b-7a8e-4f90-b1c2-d3e4f5a6b7c8"
HANDLER = "/TraCuuPhapDien/ActionHandler.aspx"


def local_source(server):
    return get_source("vn_phapdien", base_url=f"http://127.0.0.1:{server.port}",
                      allowed_hosts=["127.0.0.1"], min_delay=0.0)


def serve(server, answer: bytes, guid: str = GUID, view: bytes = VIEW,
          content_type: str = "application/json") -> None:
    serve_robots(server)
    server.expect_request("/TraCuuPhapDien/ViewBoPD.aspx",
                          query_string={"obj": "", "demucid": guid, "mapc": "1"}
                          ).respond_with_data(view.replace(GUID.encode(), guid.encode()),
                                              content_type="text/html; charset=utf-8")
    server.expect_request(HANDLER).respond_with_data(answer, content_type=content_type)


def test_de_muc_through_the_handler(server, fetcher):
    serve(server, ANSWER)
    src = local_source(server)
    outcome = src.crawl_target(src.target("3.5"), fetcher)
    assert outcome.ok, outcome.error
    [record] = outcome.records
    assert record.id == "/akn/vn/doc/2021/phapdien-3-5"
    assert record.title == "Tần số vô tuyến điện" and record.language == "vi"
    assert record.native_ids["phapdien"] == "3.5" and record.native_ids["phapdien_id"] == GUID
    assert record.version == "2023-07-01"  # the latest entry into force its notes cite
    assert [p.eid for p in record.provisions] == ["art_3.5.lq.1", "art_3.5.lq.16"]
    assert record.provisions[1].text.endswith("có hiệu lực thi hành kể từ ngày 01/07/2023)")
    assert "nội dung liên quan" not in record.provisions[1].text  # cross-reference left out
    [(call, _)] = requests_to(server, HANDLER)
    assert call.args["deMucID"] == GUID and call.args["fileVersion"] == VERSION
    assert call.args["do"] == "html"
    assert call.headers["X-Requested-With"] == "XMLHttpRequest"
    assert record.source_url.startswith("https://phapdien.moj.gov.vn/TraCuuPhapDien/ViewBoPD")


def test_handler_error_is_a_failure(server, fetcher):
    serve(server, json.dumps({"Erros": True, "Message": "Không tìm thấy"}).encode())
    src = local_source(server)
    outcome = src.crawl_target(src.target("3.5"), fetcher)
    assert not outcome.ok and "Không tìm thấy" in outcome.error


def test_page_without_file_version_is_loud(server, fetcher):
    serve(server, ANSWER, view="<html><body>Trang chủ</body></html>".encode())
    src = local_source(server)
    outcome = src.crawl_target(src.target("3.5"), fetcher)
    assert not outcome.ok and "fileVersion" in outcome.error
    assert requests_to(server, HANDLER) == []


def test_body_without_heading_gets_it_from_sources_yaml():
    data = json.loads(ANSWER)["Data"]
    body = data[data.index("<div class='_content'>"):]
    out = unwrap(json.dumps({"Erros": False, "Data": body}).encode(), "3.5",
                 "Tần số vô tuyến điện").decode()
    assert out.startswith("<h3>Đề mục 3.5<br />Tần số vô tuyến điện</h3>")
    with pytest.raises(ImportFailed, match="empty Data"):
        unwrap(b'{"Erros": false, "Data": ""}')


# -- the real corpus -------------------------------------------------------------------------


def corpus_page(corpus: Path, pattern: str, more: bool = False) -> bytes:
    folder = (corpus.parent / "corpus-more" if more else corpus) / "vn" / "phapdien"
    found = sorted(folder.glob(pattern))
    if not found:
        pytest.skip(f"no {pattern} in {folder}")
    return found[0].read_bytes()


def test_real_de_muc_3_5(server, fetcher, corpus):
    page = corpus_page(corpus, "demuc-3.5-*.html")
    serve(server, json.dumps({"Erros": False, "Data": page.decode("utf-8-sig")}).encode())
    src = local_source(server)
    outcome = src.crawl_target(src.target("3.5"), fetcher)
    assert outcome.ok, outcome.error
    [record] = outcome.records
    assert record.id == "/akn/vn/doc/2021/phapdien-3-5"
    assert len(record.provisions) == 260
    assert record.provisions[0].number == "Điều 3.5.LQ.1"
    assert "42/2009/QH12" in record.provisions[0].text


def test_real_empty_de_muc_is_refused(server, fetcher, corpus):
    stub = corpus_page(corpus, "demuc-3.6-*EMPTY-STUB*.html")
    guid = "a20d4a54-701d-4ef7-9593-75068883d1d9"
    serve(server, stub, guid=guid, content_type="text/html; charset=utf-8")
    src = local_source(server)
    outcome = src.crawl_target(src.target("3.6"), fetcher)
    assert not outcome.ok and outcome.records == []
    assert "has no provisions" in outcome.error


def test_real_de_muc_3_6_recodified(server, fetcher, corpus):
    page = corpus_page(corpus, "demuc-3.6-*.html", more=True)
    guid = "a20d4a54-701d-4ef7-9593-75068883d1d9"
    serve(server, page, guid=guid, content_type="text/html; charset=utf-8")
    src = local_source(server)
    outcome = src.crawl_target(src.target("3.6"), fetcher)
    assert outcome.ok, outcome.error
    assert outcome.records[0].id == "/akn/vn/doc/2021/phapdien-3-6"
    assert len(outcome.records[0].provisions) == 728
