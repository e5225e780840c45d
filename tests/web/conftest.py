"""Fixtures for the web pages: a small knowledge base with a hostile record, a TestClient,
a real uvicorn server on a free port, and headless Chromium (Playwright).

Browser tests skip when Playwright or Chromium is missing, unless KB_REQUIRE_BROWSER=1, when
they fail instead.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kb.core import KnowledgeBase
from kb.load import LoadResult
from kb.models import CaseNote, Dates, Instrument, Provenance, Provision, Source
from tests.conftest import app_on, indexed_kb
from tests.contract.records import records

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

# Payloads planted in a record: none may run, all must show as text.
XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '<img src=x onerror="window.__xss=2">'
XSS_TITLE = f"Hostile Data Act {XSS_SCRIPT}{XSS_IMG}"
XSS_ID = "/akn/fj/act/2024/xss"
XSS_PROVISION = f"{XSS_ID}/~sec_1"
XSS_NOTE = "/notes/fj/2024/xss-note"
CANARY = "xsscanary"
SHA = "ab" * 32


def hostile_records() -> list[Instrument | CaseNote]:
    return [
        Instrument(
            id=XSS_ID,
            title=XSS_TITLE,
            title_vi=f"Luật thử nghiệm {XSS_SCRIPT}",
            title_original=f"Original {XSS_IMG}",
            jurisdiction="fj",
            doc_type="act",
            status="in-force",
            dates=Dates(adopted="2024-01-10"),
            sectors=["digital-economy"],
            topics=["digital-economy/cross-border-data"],
            language="en",
            summary=f"Test fixture text. {CANARY} summary {XSS_SCRIPT} {XSS_IMG}",
            source_url='https://example.org/xss?a="><script>window.__xss=3</script>',
            origin="imported",
            provisions=[
                Provision(
                    eid="sec_1",
                    number="Section 1",
                    heading=f"Transfers {XSS_IMG}",
                    path=["Part <b>1</b>"],
                    text=f"Test fixture text. {CANARY}: a cross-border transfer of personal "
                    f"data needs approval. {XSS_SCRIPT}{XSS_IMG}",
                    topics=["digital-economy/cross-border-data"],
                ),
            ],
        ),
        CaseNote(
            id=XSS_NOTE,
            title=f"Hostile note {XSS_SCRIPT}",
            jurisdictions=["fj"],
            sectors=["telecom"],
            topics=["telecom/2g-sunset"],
            summary=f"Test fixture text. {CANARY} {XSS_IMG}",
            outcome=f"Nothing ran {XSS_SCRIPT}",
            lessons=[f"Escape everything {XSS_IMG}"],
            related_instruments=[XSS_ID],
            sources=[Source(title=f"Source {XSS_SCRIPT}", url="https://example.org/source")],
        ),
    ]


def all_records() -> list[Instrument | CaseNote]:
    return [*records(), *hostile_records()]


class FixtureKB(KnowledgeBase):
    """A knowledge base whose curated entries are the fixture records (not the bundled ones),
    so what the pages read from entries agrees with what is indexed."""

    def load_entries(self) -> LoadResult:
        return LoadResult(records=list(all_records()))


def build_kb(home: Path) -> KnowledgeBase:
    """The contract records plus the hostile ones, indexed and stored (so record pages show
    versions and provenance)."""
    kb = indexed_kb(home, all_records(), FixtureKB)
    for record in all_records():
        kb.store.put(record)
    sg = next(r for r in records() if r.id == "/akn/sg/act/2012/26")
    fetched = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    kb.store.put(sg.model_copy(update={
        "version": "2025-01-01",
        "provenance": Provenance(url="https://sso.agc.gov.sg/Act/PDPA2012", fetched_at=fetched,
                                 sha256=SHA, agent="import/test 1"),
    }))
    return kb


@pytest.fixture(scope="session")
def web_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    kb = build_kb(tmp_path_factory.mktemp("web"))
    yield kb
    kb.close()


@pytest.fixture()
def client(web_kb: KnowledgeBase) -> Iterator[TestClient]:
    """A fresh client per test (no language cookie carried over)."""
    with TestClient(app_on(web_kb), raise_server_exceptions=False) as c:
        yield c


# -- a real server -----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def client_on_home(home: Path, build: Callable[[Path], object]) -> Iterator[TestClient]:
    """A test client of the app on a knowledge base of its own, which ``build`` makes in
    ``home`` (with KB_HOME pointing there while it runs)."""
    from fastapi.testclient import TestClient

    from kb.config import get_settings

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KB_HOME", str(home))
        patch.setenv("KB_BACKEND", "embedded")
        get_settings.cache_clear()
        build(home)
        kb = KnowledgeBase.open(home=home)
        with TestClient(app_on(kb), raise_server_exceptions=False) as client:
            yield client
        kb.close()
    get_settings.cache_clear()


@contextmanager
def served(kb: KnowledgeBase) -> Iterator[str]:
    """uvicorn serving the app of ``kb`` on a free port, in a background thread, until the
    block ends."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app_on(kb), host="127.0.0.1", port=port, log_level="warning",
                            access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(web_kb: KnowledgeBase) -> Iterator[str]:
    """The app on the shared test knowledge base, served by uvicorn in a background thread."""
    with served(web_kb) as url:
        yield url


# -- a real browser ----------------------------------------------------------------------
def chromium_path() -> str | None:
    configured = os.environ.get("KB_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if chromium_path() is None:
        return ("Chromium is not installed (apt-get install -y chromium, or set KB_CHROMIUM "
                "to its path)")
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = _browser_missing()
    if reason:
        if os.environ.get("KB_REQUIRE_BROWSER", "") not in ("", "0", "false"):
            pytest.fail(f"KB_REQUIRE_BROWSER is set but {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path(), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh desktop page (own cookies) that records every request it makes."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                  accept_downloads=True, locale="en-US")
    tab = context.new_page()
    tab.requests = []  # type: ignore[attr-defined]
    tab.on("request", lambda request: tab.requests.append(request.url))
    yield tab
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
