"""The polite fetcher against a real local HTTP server (no mocks)."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from werkzeug import Request, Response

from crawlers.fetcher import (
    DEFAULT_USER_AGENT,
    Disallowed,
    FetchError,
    HostNotAllowed,
    HTTPError,
    PrivateAddress,
    ResponseCache,
    TooLarge,
    host_matches,
    parse_retry_after,
)
from tests.crawlers.conftest import make_fetcher, requests_to, serve_robots

HOSTS = ["127.0.0.1"]


def arrivals(server, path: str, responses: list[Response]):
    """Serve ``responses`` in turn on ``path`` (the last one repeats); record arrival times."""
    times: list[float] = []
    lock = threading.Lock()

    def handle(request: Request) -> Response:
        with lock:
            times.append(time.monotonic())
            return responses[min(len(times), len(responses)) - 1]

    server.expect_request(path).respond_with_handler(handle)
    return times


# -- identity and robots.txt ---------------------------------------------------------------------


def test_user_agent_is_sent(server, fetcher):
    serve_robots(server)
    server.expect_request("/ua", headers={"User-Agent": DEFAULT_USER_AGENT}).respond_with_data(
        "hello")
    result = fetcher.fetch(server.url_for("/ua"), allowed_hosts=HOSTS)
    assert result.body == b"hello"
    assert "legal research crawler" in DEFAULT_USER_AGENT


def test_custom_user_agent(server, tmp_path):
    serve_robots(server)
    server.expect_request("/ua", headers={"User-Agent": "regkb-test/9"}).respond_with_data("ok")
    with make_fetcher(tmp_path, user_agent="regkb-test/9") as f:
        assert f.fetch(server.url_for("/ua"), allowed_hosts=HOSTS).body == b"ok"


def test_robots_disallow_is_obeyed_and_cached(server, fetcher):
    serve_robots(server, "User-agent: *\nDisallow: /private\n")
    server.expect_request("/public").respond_with_data("public")
    server.expect_request("/private/doc").respond_with_data("secret")
    with pytest.raises(Disallowed) as info:
        fetcher.fetch(server.url_for("/private/doc"), allowed_hosts=HOSTS)
    assert "robots.txt" in str(info.value)
    assert fetcher.fetch(server.url_for("/public"), allowed_hosts=HOSTS).body == b"public"
    assert requests_to(server, "/private/doc") == []
    assert len(requests_to(server, "/robots.txt")) == 1  # parsed once per host


def test_robots_rules_for_our_agent(server, fetcher):
    serve_robots(server, "User-agent: regkb\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    server.expect_request("/doc").respond_with_data("x")
    with pytest.raises(Disallowed):
        fetcher.fetch(server.url_for("/doc"), allowed_hosts=HOSTS)


def test_unreadable_robots_disallows_everything(server, tmp_path):
    server.expect_request("/robots.txt").respond_with_data("down", status=503)
    server.expect_request("/doc").respond_with_data("x")
    with make_fetcher(tmp_path, max_retries=0) as f, pytest.raises(Disallowed) as info:
        f.fetch(server.url_for("/doc"), allowed_hosts=HOSTS)
    assert "503" in str(info.value)
    assert requests_to(server, "/doc") == []


def test_robots_crawl_delay_spaces_requests(server, fetcher):
    serve_robots(server, "User-agent: *\nCrawl-delay: 0.3\n")
    times = arrivals(server, "/doc", [Response("x")])
    fetcher.fetch(server.url_for("/doc"), allowed_hosts=HOSTS)
    fetcher.fetch(server.url_for("/doc"), allowed_hosts=HOSTS, use_cache=False)
    assert times[1] - times[0] >= 0.25


# -- rate limit and retries ----------------------------------------------------------------------


def test_rate_limit_spaces_requests_to_one_host(server, tmp_path):
    serve_robots(server)
    times = arrivals(server, "/page", [Response("x")])
    with make_fetcher(tmp_path, min_delay=0.2) as f:
        for _ in range(3):
            f.fetch(server.url_for("/page"), allowed_hosts=HOSTS, use_cache=False)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) == 2 and all(gap >= 0.18 for gap in gaps), gaps


def test_rate_limit_per_call_override(server, fetcher):
    serve_robots(server)
    times = arrivals(server, "/page", [Response("x")])
    for _ in range(2):
        fetcher.fetch(server.url_for("/page"), allowed_hosts=HOSTS, min_delay=0.2,
                      use_cache=False)
    assert times[1] - times[0] >= 0.18


def test_one_request_at_a_time_per_host(server, tmp_path):
    serve_robots(server)
    active, peak = [0], [0]
    lock = threading.Lock()

    def handle(request: Request) -> Response:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        return Response("x")

    server.expect_request("/slow").respond_with_handler(handle)  # the server is threaded
    with make_fetcher(tmp_path) as f:
        threads = [threading.Thread(target=f.fetch, args=(server.url_for("/slow"),),
                                    kwargs={"allowed_hosts": HOSTS, "use_cache": False})
                   for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(requests_to(server, "/slow")) == 4
    assert peak[0] == 1


def test_retry_on_503_then_success(server, fetcher):
    serve_robots(server)
    arrivals(server, "/flaky", [Response("busy", status=503), Response("done")])
    result = fetcher.fetch(server.url_for("/flaky"), allowed_hosts=HOSTS)
    assert result.body == b"done"
    assert result.attempts == 2
    assert len(requests_to(server, "/flaky")) == 2


def test_retry_after_seconds_is_honoured(server, fetcher):
    serve_robots(server)
    times = arrivals(server, "/wait", [
        Response("busy", status=503, headers={"Retry-After": "1"}), Response("done")])
    result = fetcher.fetch(server.url_for("/wait"), allowed_hosts=HOSTS)
    assert result.body == b"done"
    assert times[1] - times[0] >= 0.9  # the backoff alone would be 0.01 s


def test_429_is_retried(server, fetcher):
    serve_robots(server)
    arrivals(server, "/limited", [
        Response("slow down", status=429, headers={"Retry-After": "0"}), Response("ok")])
    result = fetcher.fetch(server.url_for("/limited"), allowed_hosts=HOSTS)
    assert result.body == b"ok" and result.attempts == 2


def test_retry_after_beyond_the_cap_gives_up_at_once(server, tmp_path):
    serve_robots(server)
    arrivals(server, "/later", [Response("later", status=503, headers={"Retry-After": "3600"})])
    start = time.monotonic()
    with make_fetcher(tmp_path, retry_after_cap=5) as f, pytest.raises(HTTPError) as info:
        f.fetch(server.url_for("/later"), allowed_hosts=HOSTS)
    assert time.monotonic() - start < 1
    assert info.value.status == 503 and "3600" in str(info.value)
    assert len(requests_to(server, "/later")) == 1


def test_retries_are_bounded(server, tmp_path):
    serve_robots(server)
    arrivals(server, "/broken", [Response("oops", status=500)])
    with make_fetcher(tmp_path, max_retries=2) as f, pytest.raises(HTTPError) as info:
        f.fetch(server.url_for("/broken"), allowed_hosts=HOSTS)
    assert info.value.status == 500
    assert len(requests_to(server, "/broken")) == 3


def test_client_errors_are_not_retried(server, fetcher):
    serve_robots(server)
    server.expect_request("/missing").respond_with_data("no such act", status=404)
    with pytest.raises(HTTPError) as info:
        fetcher.fetch(server.url_for("/missing"), allowed_hosts=HOSTS)
    assert info.value.status == 404 and "no such act" in str(info.value)
    assert len(requests_to(server, "/missing")) == 1


def test_parse_retry_after():
    now = dt.datetime(2024, 6, 3, 10, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("Mon, 03 Jun 2024 10:00:30 GMT", now) == 30
    assert parse_retry_after("Mon, 03 Jun 2024 09:00:00 GMT", now) == 0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


# -- cache and conditional GET -------------------------------------------------------------------


def _validating_handler(seen: list[dict], state: dict):
    def handle(request: Request) -> Response:
        seen.append(dict(request.headers))
        if request.headers.get("If-None-Match") == state["etag"]:
            return Response(status=304, headers={"ETag": state["etag"]})
        return Response(state["body"], content_type="application/xml", headers={
            "ETag": state["etag"], "Last-Modified": "Mon, 03 Jun 2024 10:00:00 GMT"})
    return handle


def test_conditional_get_serves_304_from_cache(server, fetcher, tmp_path):
    serve_robots(server)
    seen: list[dict] = []
    state = {"etag": '"v1"', "body": b"<law>text</law>"}
    server.expect_request("/law.xml").respond_with_handler(_validating_handler(seen, state))
    url = server.url_for("/law.xml")

    first = fetcher.fetch(url, allowed_hosts=HOSTS)
    assert not first.not_modified and first.body == state["body"]
    assert first.etag == '"v1"' and first.content_type.startswith("application/xml")

    second = fetcher.fetch(url, allowed_hosts=HOSTS)
    assert second.not_modified and second.body == state["body"]
    assert second.sha256 == first.sha256
    assert seen[1].get("If-None-Match") == '"v1"'
    assert seen[1].get("If-Modified-Since") == "Mon, 03 Jun 2024 10:00:00 GMT"
    assert requests_to(server, "/law.xml")[1][1].status_code == 304

    key = ResponseCache.key(url)
    meta = json.loads((tmp_path / "cache" / key[:2] / f"{key}.json").read_text())
    assert meta["url"] == url and meta["final_url"] == url and meta["status"] == 200
    assert meta["etag"] == '"v1"' and meta["sha256"] == first.sha256
    assert (tmp_path / "cache" / key[:2] / f"{key}.body").read_bytes() == state["body"]


def test_changed_resource_is_downloaded_again(server, fetcher):
    serve_robots(server)
    seen: list[dict] = []
    state = {"etag": '"v1"', "body": b"old"}
    server.expect_request("/law.xml").respond_with_handler(_validating_handler(seen, state))
    url = server.url_for("/law.xml")
    fetcher.fetch(url, allowed_hosts=HOSTS)
    state.update(etag='"v2"', body=b"new")
    again = fetcher.fetch(url, allowed_hosts=HOSTS)
    assert not again.not_modified and again.body == b"new"
    assert fetcher.fetch(url, allowed_hosts=HOSTS).not_modified


def test_cached_lookup_needs_no_network(server, fetcher):
    serve_robots(server)
    server.expect_request("/doc").respond_with_data("stored")
    url = server.url_for("/doc")
    assert fetcher.cached(url) is None
    fetcher.fetch(url, allowed_hosts=HOSTS)
    before = len(server.log)
    assert fetcher.cached(url).body == b"stored"
    assert len(server.log) == before


# -- size and time limits ------------------------------------------------------------------------


def test_size_cap_with_content_length(server, tmp_path):
    serve_robots(server)
    server.expect_request("/big").respond_with_data(b"x" * 5000)
    with make_fetcher(tmp_path, max_bytes=1000) as f, pytest.raises(TooLarge) as info:
        f.fetch(server.url_for("/big"), allowed_hosts=HOSTS)
    assert "1000" in str(info.value)


def test_size_cap_while_streaming(server, fetcher):
    serve_robots(server)

    def handle(request: Request) -> Response:
        return Response((b"y" * 512 for _ in range(20)), direct_passthrough=True)

    server.expect_request("/stream").respond_with_handler(handle)
    with pytest.raises(TooLarge) as info:
        fetcher.fetch(server.url_for("/stream"), allowed_hosts=HOSTS, max_bytes=2048)
    assert "streaming" in str(info.value)


def test_read_timeout(server, tmp_path):
    serve_robots(server)

    def handle(request: Request) -> Response:
        time.sleep(0.4)
        return Response("late")

    server.expect_request("/slow").respond_with_handler(handle)
    with make_fetcher(tmp_path, read_timeout=0.1, max_retries=0) as f, \
            pytest.raises(FetchError) as info:
        f.fetch(server.url_for("/slow"), allowed_hosts=HOSTS)
    assert "timed out" in str(info.value)


# -- hosts and redirects -------------------------------------------------------------------------


def test_redirect_within_the_allow_list_is_followed(server, fetcher):
    serve_robots(server)
    server.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data("moved here")
    result = fetcher.fetch(server.url_for("/old"), allowed_hosts=HOSTS)
    assert result.body == b"moved here"
    assert result.final_url == server.url_for("/new")
    assert result.redirects == [server.url_for("/old")]


def test_conditional_get_after_a_redirect(server, fetcher):
    serve_robots(server)
    seen: list[dict] = []
    server.expect_request("/resource").respond_with_data(
        "", status=303, headers={"Location": "/item/DOC_1"})
    server.expect_request("/item/DOC_1").respond_with_handler(
        _validating_handler(seen, {"etag": '"x1"', "body": b"<html>act</html>"}))
    first = fetcher.fetch(server.url_for("/resource"), allowed_hosts=HOSTS)
    second = fetcher.fetch(server.url_for("/resource"), allowed_hosts=HOSTS)
    assert not first.not_modified and second.not_modified
    assert second.body == b"<html>act</html>"
    assert second.final_url == server.url_for("/item/DOC_1")
    assert seen[1].get("If-None-Match") == '"x1"'


def test_other_non_2xx_answers_are_errors(server, fetcher):
    serve_robots(server)
    server.expect_request("/choices").respond_with_data("<ul>...</ul>", status=300)
    with pytest.raises(HTTPError) as info:
        fetcher.fetch(server.url_for("/choices"), allowed_hosts=HOSTS)
    assert info.value.status == 300


def test_redirect_to_a_host_off_the_allow_list_is_refused(server, fetcher):
    serve_robots(server)
    server.expect_request("/go").respond_with_data(
        "", status=302, headers={"Location": "http://example.org/elsewhere"})
    with pytest.raises(HostNotAllowed) as info:
        fetcher.fetch(server.url_for("/go"), allowed_hosts=HOSTS)
    assert "example.org" in str(info.value)


def test_redirect_to_loopback_is_refused_without_the_test_flag(server, tmp_path):
    """Start on 'localhost' (exempted for the test), get redirected to 127.0.0.1 (not exempt):
    the private-address check runs on every hop."""
    serve_robots(server)
    target = f"http://127.0.0.1:{server.port}/inside"
    server.expect_request("/go").respond_with_data("", status=302, headers={"Location": target})
    server.expect_request("/inside").respond_with_data("internal")
    start = f"http://localhost:{server.port}/go"
    with make_fetcher(tmp_path, allow_private_hosts_for_tests={"localhost"}) as f, \
            pytest.raises(PrivateAddress) as info:
        f.fetch(start, allowed_hosts=["localhost", "127.0.0.1"])
    assert "127.0.0.1" in str(info.value)
    assert requests_to(server, "/inside") == []


def test_private_address_refused_by_default(server, tmp_path):
    serve_robots(server)
    server.expect_request("/doc").respond_with_data("x")
    with make_fetcher(tmp_path, allow_private_hosts_for_tests=False) as f, \
            pytest.raises(PrivateAddress):
        f.fetch(server.url_for("/doc"), allowed_hosts=HOSTS)
    assert len(server.log) == 0


def test_allow_list_applies_to_the_first_url(fetcher):
    with pytest.raises(HostNotAllowed):
        fetcher.fetch("https://www.example.org/law", allowed_hosts=["www.legislation.gov.uk"])
    with pytest.raises(HostNotAllowed):
        fetcher.fetch("ftp://www.legislation.gov.uk/law", allowed_hosts=["www.legislation.gov.uk"])
    with pytest.raises(HostNotAllowed):
        fetcher.fetch("https://user:pw@www.legislation.gov.uk/", allowed_hosts=[
            "www.legislation.gov.uk"])


def test_host_matching():
    assert host_matches("www.legislation.gov.uk", ["www.legislation.gov.uk"])
    assert host_matches("WWW.Legislation.gov.uk.", ["www.legislation.gov.uk"])
    assert not host_matches("evil-legislation.gov.uk", ["legislation.gov.uk"])
    assert host_matches("data.europa.eu", ["*.europa.eu"])
    assert host_matches("europa.eu", [".europa.eu"])
    assert not host_matches("europa.eu.evil.com", ["*.europa.eu"])
