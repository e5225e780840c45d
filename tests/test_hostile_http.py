"""Hostile HTTP against a real ``kb serve``: no query, however long or odd, gets a 5xx or a
reset connection.

The server is the real command in a subprocess (its own KB_HOME, index built on start), so the
uvicorn settings under test are the ones ``kb serve`` uses. Requests go through httpx and
through a raw socket that sends the whole request before reading: a server that closes with
unread input resets the connection, and only a client like that sees it.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from benchmarks.serving import ServeFailed, kb_served

PROBLEM = "application/problem+json"
LONG = 100_000
PAGES = ["/v1/search", "/search"]  # the API and the web search page


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """``kb serve`` on a free loopback port: (base URL, port)."""
    home = tmp_path_factory.mktemp("hostile")
    env = {**os.environ, "KB_HOME": str(home / "kb"), "KB_BACKEND": "embedded"}
    try:
        with kb_served(env, log_path=home / "serve.log") as (base, port):
            yield base, port
            assert httpx.get(f"{base}/v1/health", timeout=5).status_code == 200
    except ServeFailed as exc:
        pytest.fail(str(exc))


def assert_problem(status: int, content_type: str, body: bytes, allowed: set[int]) -> dict:
    assert status in allowed, body[:300]
    assert content_type.split(";")[0].strip() == PROBLEM
    problem = json.loads(body)
    assert problem["status"] == status
    assert problem["type"] and problem["title"] and problem["detail"]
    return problem


def exchange(
    port: int, request: bytes, to_the_end: bool = True
) -> tuple[int, dict[str, str], bytes]:
    """Send the whole request, then read one answer (and, with ``to_the_end``, on to the end
    of the stream); a reset at any step fails the test."""
    data = b""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        try:
            sock.sendall(request)
            while chunk := sock.recv(65536):
                data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), None)
                if not to_the_end and length is not None and len(body) >= length:
                    break
        except ConnectionResetError as exc:
            pytest.fail(f"the connection was reset ({exc}); received so far: {data[:200]!r}")
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


# -- over-long queries ---------------------------------------------------------------------
@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("size", [LONG, 1_000_000])
def test_long_query_over_httpx(server: tuple[str, int], path: str, size: int) -> None:
    base, _ = server
    # httpx refuses to build a URL over 64 KiB itself; the target extension sends it as is
    target = f"{path}?q={'a' * size}".encode()
    with httpx.Client(timeout=15) as client:
        res = client.get(f"{base}{path}", extensions={"target": target})
    assert_problem(res.status_code, res.headers["content-type"], res.content, {400, 414})


@pytest.mark.parametrize("path", PAGES)
def test_long_query_in_a_plain_url(server: tuple[str, int], path: str) -> None:
    base, _ = server
    res = httpx.get(f"{base}{path}", params={"q": "a" * 60_000}, timeout=15)
    assert_problem(res.status_code, res.headers["content-type"], res.content, {400, 414})


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("size", [LONG, 1_000_000])
@pytest.mark.parametrize("close", [True, False], ids=["close", "keep-alive"])
def test_long_query_over_a_raw_socket(
    server: tuple[str, int], path: str, size: int, close: bool
) -> None:
    _, port = server
    request = (f"GET {path}?q={'a' * size} HTTP/1.1\r\nHost: x\r\n".encode()
               + (b"Connection: close\r\n" if close else b"") + b"\r\n")
    status, headers, body = exchange(port, request, to_the_end=close)
    assert_problem(status, headers["content-type"], body, {400, 414})


def test_huge_headers_and_garbage_get_an_answer(server: tuple[str, int]) -> None:
    _, port = server
    big = b"GET /v1/search HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 500_000 + b"\r\n\r\n"
    status, headers, body = exchange(port, big)
    assert_problem(status, headers["content-type"], body, {431})
    status, headers, body = exchange(port, b"\x16\x03\x01 not http at all\r\n\r\n")
    assert_problem(status, headers["content-type"], body, {400})


# -- over-large bodies ---------------------------------------------------------------------
BIG_BODY = json.dumps({"text": "a" * 5_000_000}).encode()


def test_big_body_over_httpx(server: tuple[str, int]) -> None:
    base, _ = server
    res = httpx.post(f"{base}/v1/counterparts", content=BIG_BODY, timeout=15,
                     headers={"content-type": "application/json"})
    assert_problem(res.status_code, res.headers["content-type"], res.content, {413})


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_big_body_over_a_raw_socket(server: tuple[str, int], chunked: bool) -> None:
    _, port = server
    head = (b"POST /v1/counterparts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\n")
    if chunked:
        step = 65_536
        chunks = (BIG_BODY[i:i + step] for i in range(0, len(BIG_BODY), step))
        body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
        request = head + b"Transfer-Encoding: chunked\r\n\r\n" + body
    else:
        request = head + b"Content-Length: %d\r\n\r\n" % len(BIG_BODY) + BIG_BODY
    status, headers, body = exchange(port, request)
    assert_problem(status, headers["content-type"], body, {413})


def test_big_draft_form_is_read_before_the_answer(server: tuple[str, int]) -> None:
    """The draft page answers its own 413 early; the rest of the body must still be read."""
    _, port = server
    form = b"text=" + b"a" * 3_000_000
    chunks = (form[i:i + 65_536] for i in range(0, len(form), 65_536))
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    request = (b"POST /draft HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: "
               b"chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n" + body)
    status, _, _ = exchange(port, request)
    assert status == 413


# -- odd queries ---------------------------------------------------------------------------
def encoded(text: str) -> str:
    return quote(text, safe="")


ODD_QUERIES = {
    "double quote": encoded('"'),
    "unterminated phrase": encoded('"spectrum auction'),
    "single quotes": encoded("'''"),
    "backslashes": encoded("\\\\a\\"),
    "nul": encoded("a\x00b"),
    "control characters": encoded("\x01\x02\x1b[31m\x7f\x08"),
    "whitespace only": encoded(" \t\r\n\x0b\x0c "),
    "percent nul": "%00",
    "lone high surrogate": "%ED%A0%80",
    "lone low surrogate": "%ED%B0%80",
    "invalid utf-8": "%FF%FE%C0%AF",
    "truncated utf-8": "a%E2%82",
    "stray percent": "%25%zz%",
    "plus and ampersands": "+%2B&&q=&=",
    "emoji": encoded("📡🛰️ 5G 🇻🇳👨‍👩‍👧"),
    "rtl text": encoded("قانون الاتصالات שלום"),
    "rtl override": encoded("\u202eabc\u202c\u200f"),
    "zero-width": encoded("\u200b\u200c\u200d\ufeff"),
    "combining marks": encoded("a\u0301\u0302\u0303" * 100),
    "vietnamese and cjk": encoded("viễn thông 電気通信事業法 전기통신사업법"),
    "5000 ORs": encoded(" OR ".join(["spectrum"] * 5000)),
    "ORs within the length": encoded(" OR ".join(["a"] * 120)),
    "operators only": encoded("OR AND NOT - + * ~ ^"),
    "exclusions only": encoded("-a -b -c"),
    "nested parentheses": encoded("(" * 249 + "a" + ")" * 249),
    "unbalanced parentheses": encoded("(" * 499),
    "engine syntax": encoded('title:x NEAR(a b) {a} [a TO z] a~2 "a"^3 a* ?'),
    "sql": encoded("'; DROP TABLE docs; --"),
    "markup": encoded("<script>alert(1)</script>&amp;"),
    "longest allowed": encoded("a" * 500),
    "one too long": encoded("a" * 501),
}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("query", list(ODD_QUERIES.values()), ids=list(ODD_QUERIES))
def test_odd_query_is_never_a_server_error(
    server: tuple[str, int], path: str, query: str
) -> None:
    base, _ = server
    with httpx.Client(timeout=15) as client:
        res = client.get(f"{base}{path}", extensions={"target": f"{path}?q={query}".encode()})
    assert res.status_code < 500, res.text[:300]
    if res.status_code >= 400 and path.startswith("/v1"):
        assert_problem(res.status_code, res.headers["content-type"], res.content,
                       {400, 404, 413, 414, 431})


@pytest.mark.parametrize("after", ["[1e309, 1]", "[Infinity]", "[-Infinity, 1]", "[NaN, 1]",
                                   "[-1e300, -5]", "[1, 99999999999999999999999]"])
def test_odd_sort_value_is_a_bad_request(server: tuple[str, int], after: str) -> None:
    base, _ = server
    res = httpx.get(f"{base}/v1/search", params={"after": after}, timeout=15)
    assert_problem(res.status_code, res.headers["content-type"], res.content, {400})
