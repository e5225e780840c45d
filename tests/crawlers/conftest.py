"""Fixtures for the crawler tests: a real local HTTP server per test, a fast polite fetcher."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from crawlers.fetcher import Fetcher

HERE = Path(__file__).resolve().parent
TEST_FIXTURES = HERE / "fixtures"
PACKAGE_FIXTURES = HERE.parents[1] / "crawlers" / "fixtures"
LOCAL_HOSTS = ("127.0.0.1", "localhost")


@pytest.fixture(scope="session")
def _local_server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.clear()
    if srv.is_running():
        srv.stop()


@pytest.fixture()
def server(_local_server: HTTPServer) -> Iterator[HTTPServer]:
    """A real HTTP server on 127.0.0.1 (threaded, so it can take concurrent requests; the
    fetcher must still send one at a time per host). Handlers and log are cleared per test."""
    _local_server.clear()
    yield _local_server
    _local_server.clear()


def serve_robots(server: HTTPServer, text: str | None = None) -> None:
    """robots.txt: the given rules, or a 404 (no rules) when text is None."""
    if text is None:
        server.expect_request("/robots.txt").respond_with_data("not found", status=404)
    else:
        server.expect_request("/robots.txt").respond_with_data(text, content_type="text/plain")


def make_fetcher(tmp_path: Path, **kw) -> Fetcher:
    options = dict(min_delay=0.0, backoff_base=0.01, backoff_max=0.05, max_retries=2,
                   connect_timeout=2.0, read_timeout=2.0, allow_private_hosts_for_tests=True,
                   trust_env=False)
    options.update(kw)
    return Fetcher(tmp_path / "cache", **options)


@pytest.fixture()
def fetcher(tmp_path: Path) -> Iterator[Fetcher]:
    f = make_fetcher(tmp_path)
    yield f
    f.close()


def requests_to(server: HTTPServer, path: str) -> list[tuple[Request, Response]]:
    return [(req, resp) for req, resp in server.log if req.path == path]


def etag_handler(body: bytes, content_type: str = "application/xml"):
    """A handler that serves ``body`` with an ETag and answers a matching If-None-Match with
    304, like a well-behaved static file server."""
    import hashlib

    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    def handle(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, status=200, content_type=content_type, headers={
            "ETag": etag, "Last-Modified": "Mon, 03 Jun 2024 10:00:00 GMT"})

    return handle
