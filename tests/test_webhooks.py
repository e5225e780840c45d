"""Webhooks of saved searches, against a real local HTTP server that checks the signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kb.webhooks import SIGNATURE_HEADER, post
from tests.test_watch import WORK, act, run, write_jsonl

SECRET = "s3cret-for-tests"


class Receiver:
    """A webhook receiver on a free loopback port: records every request, checks its HMAC,
    and answers ``fail_status`` to the first ``fail_first`` requests."""

    def __init__(self, fail_first: int = 0, fail_status: int = 503):
        self.requests: list[dict] = []
        self.fail_first, self.fail_status = fail_first, fail_status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                expected = "sha256=" + hmac.new(SECRET.encode(), body,
                                                hashlib.sha256).hexdigest()
                receiver.requests.append({
                    "path": self.path, "body": body,
                    "signature": self.headers.get(SIGNATURE_HEADER),
                    "signed_ok": hmac.compare_digest(self.headers.get(SIGNATURE_HEADER, ""),
                                                     expected)})
                failing = len(receiver.requests) <= receiver.fail_first
                self.send_response(receiver.fail_status if failing else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def home(kb_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("KB_WEBHOOK_RETRY_DELAY", "0.01")
    assert run("index")[0] == 0
    yield kb_home


def test_post_retries_with_backoff_until_it_is_accepted() -> None:
    waits: list[float] = []
    with Receiver(fail_first=2) as receiver:
        result = post(receiver.url, b'{"a": 1}', SECRET, tries=3, delay=0.5, sleep=waits.append)
    assert result.ok and result.attempts == 3 and result.http_status == 204
    assert waits == [0.5, 1.0]  # exponential, and not after the last try
    assert len(receiver.requests) == 3 and all(r["signed_ok"] for r in receiver.requests)


def test_post_gives_up_after_the_bounded_tries() -> None:
    with Receiver(fail_first=10) as receiver:
        result = post(receiver.url, b"{}", SECRET, tries=3, delay=0.0)
    assert not result.ok and result.attempts == 3 and len(receiver.requests) == 3
    assert result.http_status == 503 and "503" in (result.error or "")


def test_a_refused_request_is_not_retried() -> None:
    with Receiver(fail_first=10, fail_status=404) as receiver:
        result = post(receiver.url, b"{}", SECRET, tries=3, delay=0.0)
    assert not result.ok and result.attempts == 1 and len(receiver.requests) == 1


def test_import_posts_signed_new_matches(home: Path, tmp_path: Path) -> None:
    with Receiver() as receiver:
        assert run("watch", "add", "fj-auctions", "spectrum auction", "-j", "fj", "--kind",
                   "provision", "--webhook", receiver.url, "--secret", SECRET)[0] == 0
        assert run("watch", "add", "unrelated", "annual report", "-j", "fj", "--kind",
                   "provision")[0] == 0  # no webhook: nothing sent for it
        code, _, err = run("import", str(write_jsonl(tmp_path / "v1.jsonl", act())))
        assert code == 0, err
        assert "webhook of watch fj-auctions: 1 new delivered" in err
        (request,) = receiver.requests
        assert request["signed_ok"] and request["signature"].startswith("sha256=")
        body = json.loads(request["body"])
        assert body["watch"] == "fj-auctions" and body["count"] == 1
        (item,) = body["items"]
        assert item["id"] == f"{WORK}/~sec_5" and item["title"] and item["change"] == "new"
        assert item["official_url"] == "https://www.laws.gov.fj/Acts/test-2024-97"
        assert item["page"] == f"/provisions{WORK}/~sec_5"
        # the same file again: nothing new, nothing sent
        assert run("import", str(tmp_path / "v1.jsonl"))[0] == 0
        assert len(receiver.requests) == 1
    code, out, _ = run("watch", "list")
    assert "last delivery ok" in out


def test_a_failing_webhook_is_logged_reported_and_sent_again(home: Path,
                                                             tmp_path: Path) -> None:
    with Receiver(fail_first=3) as receiver:
        assert run("watch", "add", "fj-auctions", "spectrum auction", "-j", "fj",
                   "--webhook", receiver.url, "--secret", SECRET)[0] == 0
        code, _, err = run("import", str(write_jsonl(tmp_path / "v1.jsonl", act())))
        assert code == 0  # the import itself worked
        assert "webhook of watch fj-auctions FAILED" in err and "3 tries" in err
        assert len(receiver.requests) == 3
        code, out, _ = run("watch", "list")
        assert "FAILED" in out and "HTTP 503" in out
        listed = json.loads(run("watch", "list", "--json")[1])
        assert listed[0]["last_delivery"]["status"] == "failed"
        assert listed[0]["last_delivery"]["attempts"] == 3

        # the receiver is back: the next import sends the failed delivery, then its own news
        changed = act(auction_text="licences are assigned by auction or by tender")
        code, _, err = run("import", str(write_jsonl(tmp_path / "v2.jsonl", changed)))
        assert code == 0
        assert "earlier delivery delivered" in err and "new delivered" in err
        resent, fresh = receiver.requests[3:]
        assert resent["body"] == receiver.requests[0]["body"] and resent["signed_ok"]
        fresh_items = json.loads(fresh["body"])["items"]
        assert {i["change"] for i in fresh_items} == {"new-version"}
    listed = json.loads(run("watch", "list", "--json")[1])
    assert listed[0]["last_delivery"]["status"] == "delivered"
