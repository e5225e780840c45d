"""A researcher's path in headless Chromium, on a real KB_HOME served by uvicorn: the law in
force on a date from the search form, the instrument page's version timeline and word diff
(with and without JavaScript), Vietnamese mode on a long instrument with its table of
contents, and a saved search's Atom feed.

The KB_HOME gets two imported versions of a small act and a later act (tests/test_asof.py
builds them), a long act (more provisions than the table-of-contents threshold) imported from
JSON Lines, and a watch added with ``kb watch add``. Skipped with a reason when Playwright or
Chromium is missing (KB_REQUIRE_BROWSER=1 makes that a failure).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.web.render import TOC_MINIMUM
from tests.test_asof import ACT, BETWEEN, LATER_ACT, QUERY, build_home, run
from tests.web.conftest import served

ATOM = "{http://www.w3.org/2005/Atom}"
LONG_ACT = "/akn/to/act/2021/5"  # a made-up act: test data, not the law
LONG_TITLE = "Telecommunications Act 2021"
LONG_TITLE_VI = "Luật Viễn thông thử nghiệm 2021"
ARTICLES = TOC_MINIMUM + 5
TARGET = ARTICLES - 3  # an article far enough down the page to need a jump
WATCH = "to-sharing"
WATCH_QUERY = "spectrum sharing"


def long_act() -> dict[str, Any]:
    """An instrument with more provisions than the table-of-contents threshold, each with a
    Vietnamese heading (test data)."""
    return {
        "kind": "instrument", "id": LONG_ACT, "title": LONG_TITLE, "title_vi": LONG_TITLE_VI,
        "jurisdiction": "to", "doc_type": "act", "status": "in-force", "version": "2021-05-01",
        "dates": {"adopted": "2021-03-01", "in_force": "2021-05-01"},
        "sectors": ["telecom"], "language": "en",
        "source_url": "https://example.org/to/telecom-2021",
        "provisions": [
            {"eid": f"art_{n}", "number": f"Article {n}",
             "heading": f"Telecommunications licence duty {n}",
             "heading_vi": f"Nghĩa vụ giấy phép viễn thông {n}",
             "text": f"Test fixture text. A telecommunications licensee keeps duty {n}: it "
                     "reports to the Regulator on its network, numbering and interconnection "
                     "every year. " * 4}
            for n in range(1, ARTICLES + 1)
        ],
    }


@pytest.fixture(scope="module")
def research_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn on a free port, in a thread, serving a KB_HOME built through the CLI (import,
    index, watch add), as conftest's live_server serves the fixture base."""

    from kb.config import get_settings
    from kb.core import KnowledgeBase

    home = tmp_path_factory.mktemp("research") / "kbhome"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KB_HOME", str(home))
        patch.setenv("KB_BACKEND", "embedded")
        get_settings.cache_clear()
        home.mkdir(parents=True)
        long_file = home.parent / "long.jsonl"
        long_file.write_text(json.dumps(long_act()) + "\n", encoding="utf-8")
        code, out, err = run("import", str(long_file))
        assert code == 0, (out, err)
        build_home(home)  # imports both versions and the later act, then indexes
        code, out, err = run("watch", "add", WATCH, WATCH_QUERY, "-j", "to")
        assert code == 0, (out, err)
        kb = KnowledgeBase.open(home=home)
        with served(kb) as url:
            yield url
        kb.close()
    get_settings.cache_clear()


@pytest.fixture()
def tab(browser: Any, research_server: str) -> Iterator[Any]:
    """A fresh English page on the research server, collecting console and script errors."""
    context = browser.new_context(base_url=research_server, locale="en-US",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()


def hit_links(page: Any) -> list[str]:
    """The record links of the result list, as the page has them."""
    return page.locator("ol.hits .hit h2 a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")


# -- 1. as of a date, from the search form ---------------------------------------------------
def test_search_form_as_of_date(tab: Any, screenshots: Path) -> None:
    tab.goto(f"/search?q={QUERY.replace(' ', '+')}&jurisdiction=to")
    today = hit_links(tab)
    assert f"/provisions{LATER_ACT}/~sec_1" in today  # the 2024 act matches today
    assert tab.locator(".active-filters").inner_text().count("Text in force on") == 0

    tab.fill("#as-of", BETWEEN)
    with tab.expect_navigation():
        tab.click("button.apply")
    assert f"as_of={BETWEEN}" in tab.url and "jurisdiction=to" in tab.url
    chips = tab.locator(".active-filters li").all_inner_texts()
    assert any(f"Text in force on {BETWEEN}" in chip for chip in chips), chips
    assert tab.input_value("#as-of") == BETWEEN  # the form keeps the date

    then = hit_links(tab)
    assert then, "nothing was in force on the day"
    assert not any(LATER_ACT in link for link in then), then  # in force only from 2024
    assert f"/provisions{ACT}/~sec_3" not in then  # added by the 2022 amendment
    assert all(ACT in link for link in then), then
    notes = tab.locator(".hit .as-of-note").all_inner_texts()
    assert any("ranked on the current text" in note for note in notes), notes
    tab.screenshot(path=str(screenshots / "research-search-as-of.png"), full_page=True)

    # the chip takes the date off again
    with tab.expect_navigation():
        tab.locator(".active-filters li a", has_text="Text in force on").click()
    assert "as_of" not in tab.url
    assert f"/provisions{LATER_ACT}/~sec_1" in hit_links(tab)
    assert not tab.errors, tab.errors


# -- 2. the version timeline and its word diff -----------------------------------------------
def _diff_two_versions(page: Any) -> None:
    """Pick v1 and v2 in the timeline's selects, press the button, and check the marks."""
    page.goto("/instruments" + ACT)
    timeline = page.locator("#timeline .timeline-table tbody tr").all_inner_texts()
    assert len(timeline) == 2 and "v2 · 2022-07-01" in timeline[0], timeline
    assert page.locator("#version-diff").count() == 0
    page.select_option("#diff-from", "v1")
    page.select_option("#diff-to", "v2")
    with page.expect_navigation():
        page.click(".version-diff-form button[type=submit]")
    assert "diff_from=v1" in page.url and "diff_to=v2" in page.url
    diff = page.locator("#version-diff")
    assert "Changes from version 1 to version 2" in diff.locator("h3").inner_text()
    assert {"Minister", "ten"} <= set(diff.locator(".diff del").all_inner_texts())
    assert {"Regulator", "fifteen"} <= set(diff.locator(".diff ins").all_inner_texts())
    assert diff.locator(".change-added").count() == 1  # section 3, Auctions
    assert page.input_value("#diff-from") == "v1" and page.input_value("#diff-to") == "v2"


def test_version_diff_in_the_browser(tab: Any, screenshots: Path) -> None:
    _diff_two_versions(tab)
    assert tab.evaluate("document.documentElement.classList.contains('js')")
    tab.screenshot(path=str(screenshots / "research-version-diff.png"), full_page=True)
    assert not tab.errors, tab.errors


def test_version_diff_without_javascript(browser: Any, research_server: str) -> None:
    context = browser.new_context(base_url=research_server, locale="en-US",
                                  java_script_enabled=False)
    try:
        page = context.new_page()
        _diff_two_versions(page)
        assert page.locator("html.js").count() == 0  # web.js did not run: plain GET forms
    finally:
        context.close()


# -- 3. Vietnamese mode on a long instrument -------------------------------------------------
def test_vietnamese_long_instrument_toc_and_citation(tab: Any, screenshots: Path) -> None:
    tab.goto("/instruments" + LONG_ACT)
    assert tab.get_attribute("html", "lang") == "en"
    assert tab.locator("h1").inner_text().startswith(LONG_TITLE)
    with tab.expect_navigation():
        tab.click(".lang-switch")
    assert tab.get_attribute("html", "lang") == "vi"
    assert tab.locator("h1").inner_text() == LONG_TITLE_VI

    toc = tab.locator("nav#toc")
    links = toc.locator("ol a")
    assert links.count() == ARTICLES
    target = toc.locator(f'a[href="#art_{TARGET}"]')
    assert f"Nghĩa vụ giấy phép viễn thông {TARGET}" in target.inner_text()
    # the article's own heading numbers it in Vietnamese, as its citation does
    heading = tab.locator(f"#art_{TARGET} h3 a[href^='/provisions/']").inner_text()
    assert heading.startswith(f"Điều {TARGET} "), heading
    assert tab.evaluate("window.scrollY") == 0
    target.click()
    tab.wait_for_function("location.hash === '#art_" + str(TARGET) + "'")
    assert tab.url.endswith(f"#art_{TARGET}")
    # jumped: the article sits at the top of the window (below its 1rem scroll margin)
    top = tab.evaluate(f"document.getElementById('art_{TARGET}').getBoundingClientRect().top")
    assert tab.evaluate("window.scrollY") > 0 and 0 <= top <= 32, top
    tab.screenshot(path=str(screenshots / "research-toc-vi.png"))

    with tab.expect_navigation():
        tab.locator(f"#art_{TARGET} h3 a[href^='/provisions/']").click()
    assert tab.url.endswith(f"/provisions{LONG_ACT}/~art_{TARGET}")
    assert tab.get_attribute("html", "lang") == "vi"  # the cookie keeps the language
    citation = tab.locator("cite.citation").first.inner_text()
    assert citation == f"Điều {TARGET} {LONG_TITLE_VI}", citation
    assert not tab.errors, tab.errors


# -- 4. a saved search as an Atom feed -------------------------------------------------------
def test_watch_feed_opens_in_the_browser(tab: Any, research_server: str) -> None:
    response = tab.goto(f"/v1/watches/{WATCH}.atom")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.body())
    assert feed.tag == f"{ATOM}feed"
    assert WATCH in feed.findtext(f"{ATOM}title", "")
    titles = [entry.findtext(f"{ATOM}title", "") for entry in feed.iter(f"{ATOM}entry")]
    assert any(title.startswith("Spectrum Sharing Act 2024") for title in titles), titles
    assert not any("Telecommunications Act" in title for title in titles), titles
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None
    assert self_link.get("href") == f"{research_server}/v1/watches/{WATCH}.atom"
    # the browser shows the feed as a document, not a download
    assert "Spectrum Sharing Act 2024" in tab.locator("body").inner_text()
    assert tab.goto("/v1/watches/no-such-watch.atom").status == 404
