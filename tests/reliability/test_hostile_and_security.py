"""Hostile input and security defaults: deep or huge YAML is a clear error, every error is
problem+json without a traceback or a server path, a slow client is cut off without holding
up the others, security headers on every answer, CORS off unless configured, a rate limit."""

from __future__ import annotations

import inspect
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

import api.server
from api.app import create_app
from api.deps import get_kb
from api.server import server_options
from kb.cli import serve
from kb.config import get_settings
from tests.reliability.conftest import free_port, kb_env, run_kb

PROBLEM = "application/problem+json"
SECURITY = ("x-content-type-options", "referrer-policy", "x-frame-options",
            "content-security-policy")


# -- YAML --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, text", [
    ("flow.yaml", "kind: instrument\nx: " + "[" * 50_000 + "]" * 50_000 + "\n"),
    ("block.yaml", "".join(" " * i + "k:\n" for i in range(3_000))),
    ("huge.yaml", "kind: instrument\nsummary: " + "x" * 3_000_000 + "\n"),
    ("aliases.yaml", "a: &a [1]\n" + "".join(f"b{i}: *a\n" for i in range(500))),
])
def test_hostile_yaml_is_a_clear_error(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    started = time.monotonic()
    done = run_kb(kb_env(tmp_path / "home"), "check", str(tmp_path / name))
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert f"{name}:" in done.stdout  # the file is named
    assert time.monotonic() - started < 30


# -- errors ------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def fresh_kb() -> Iterator[None]:
    """The app's KnowledgeBase is cached: each test gets its own, on its own KB_HOME."""
    get_kb.cache_clear()
    yield
    get_kb.cache_clear()


@pytest.fixture()
def client(kb_home: Path) -> Iterator[TestClient]:
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def assert_clean_problem(res: httpx.Response, home: Path) -> None:
    assert res.headers["content-type"].split(";")[0] == PROBLEM, res.text[:200]
    body = res.json()
    assert body["status"] == res.status_code and body["title"] and body["detail"]
    text = res.text
    assert "Traceback" not in text and str(home) not in text and "/work/" not in text


def test_errors_are_problems_without_paths(client: TestClient, kb_home: Path) -> None:
    """No index yet: the 503s must not name the index folder."""
    for method, url in [("GET", "/v1/health"), ("GET", "/v1/search?q=spectrum"),
                        ("GET", "/v1/nothing"), ("DELETE", "/v1/search"),
                        ("GET", "/v1/search?limit=-1"), ("GET", "/v1/search?q=" + "x" * 20_000),
                        ("POST", "/v1/counterparts"), ("GET", "/v1/instruments/%2Fnope")]:
        res = client.request(method, url)
        assert res.status_code >= 400, url
        assert_clean_problem(res, kb_home)


def test_health_names_no_path(client: TestClient, kb_home: Path) -> None:
    assert run_kb(kb_env(kb_home), "index").returncode == 0
    res = client.get("/v1/health")
    assert res.status_code == 200 and res.json()["status"] == "ok", res.text
    assert str(kb_home) not in res.text and "/work/" not in res.text


# -- slow clients ------------------------------------------------------------------------------
@pytest.fixture()
def in_process_server(kb_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The app under uvicorn with ``kb serve``'s options, the head timeout cut to 1 s."""
    monkeypatch.setattr(api.server, "HEAD_TIMEOUT", 1.0)
    assert run_kb(kb_env(kb_home), "index").returncode == 0
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port,
                                           log_level="warning", **server_options()))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(15)


def test_a_slow_client_is_cut_off_and_starves_no_one(in_process_server: int) -> None:
    port = in_process_server
    slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    for sock in slow:
        sock.sendall(b"GET /v1/search?q=spec")  # a head that never ends
    started = time.monotonic()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as fast:
        for _ in range(10):
            assert fast.get("/v1/search", params={"q": "spectrum"}).status_code == 200
    assert time.monotonic() - started < 5  # the others are answered meanwhile
    for sock in slow:
        sock.settimeout(5)
        sock.sendall(b"trum")  # still trickling: the deadline is for the whole head
    for sock in slow:
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        assert data.startswith(b"HTTP/1.1 408"), data[:100]
        assert json.loads(data.split(b"\r\n\r\n", 1)[1])["status"] == 408
        sock.close()


# -- security defaults -------------------------------------------------------------------------
def test_serve_binds_loopback_unless_told() -> None:
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


def test_security_headers_on_every_answer(client: TestClient) -> None:
    for url in ["/", "/search?q=x", "/v1/search?q=x", "/v1/health", "/static/web.css",
                "/docs", "/openapi.json", "/v1/nothing", "/v1/search?q=" + "x" * 20_000]:
        res = client.get(url)
        for name in SECURITY:
            assert name in res.headers, (url, name)
        assert res.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in res.headers["content-security-policy"]
    page = client.get("/").headers["content-security-policy"]
    assert "script-src 'self';" in page and "unsafe-eval" not in page


def test_cors_is_off_unless_configured(kb_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    preflight = {"origin": "https://example.org", "access-control-request-method": "GET"}
    with TestClient(create_app()) as c:
        res = c.options("/v1/search", headers=preflight)
        assert not any(h.startswith("access-control-") for h in res.headers)
        res = c.get("/v1/topics", headers={"origin": "https://example.org"})
        assert "access-control-allow-origin" not in res.headers
    monkeypatch.setenv("KB_CORS_ORIGINS", "https://example.org, https://other.example")
    get_settings.cache_clear()
    with TestClient(create_app()) as c:
        res = c.options("/v1/search", headers=preflight)
        assert res.headers["access-control-allow-origin"] == "https://example.org"
        res = c.options("/v1/search", headers={**preflight, "origin": "https://evil.example"})
        assert "access-control-allow-origin" not in res.headers


def test_rate_limit(kb_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_RATE_LIMIT", "3/min")
    get_settings.cache_clear()
    with TestClient(create_app()) as c:
        assert [c.get("/v1/topics").status_code for _ in range(3)] == [200] * 3
        res = c.get("/v1/topics")
        assert res.status_code == 429 and int(res.headers["retry-after"]) >= 1
        assert res.headers["content-type"] == PROBLEM and res.json()["status"] == 429
        assert "x-frame-options" in res.headers
