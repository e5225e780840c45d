"""End to end in headless Chromium against a real uvicorn server.

Skipped with a reason when Playwright or Chromium is missing (KB_REQUIRE_BROWSER=1 makes that a
failure). Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from api.web.render import CSP
from tests.contract.records import SEARCHABLE_IDS as IDS
from tests.web.conftest import XSS_ID, XSS_NOTE, XSS_PROVISION, XSS_SCRIPT, XSS_TITLE

CROSS_BORDER = "digital-economy/cross-border-data"
NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


def errors_of(page: Any) -> list[str]:
    return page.errors  # type: ignore[no-any-return]


@pytest.fixture()
def tab(page: Any) -> Any:
    """The page, collecting console errors (a CSP violation shows up there) and JS errors."""
    page.errors = []
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


def only_local(page: Any, base: str) -> None:
    outside = [u for u in page.requests if not u.startswith((base, "data:"))]
    assert not outside, f"requests outside the server: {outside}"


def test_search_filter_and_open_a_record(tab: Any, live_server: str, screenshots: Path) -> None:
    response = tab.goto("/")
    assert response.headers["content-security-policy"] == CSP
    tab.fill("#q", "personal data")
    with tab.expect_navigation():
        tab.press("#q", "Enter")
    assert "/search?q=personal+data" in tab.url
    assert tab.locator(".hit").count() > 1
    assert tab.locator(".snippet mark").count() > 0

    # ticking a facet submits the form (JS), and the URL says what is filtered
    with tab.expect_navigation():
        tab.check('input[name="jurisdiction"][value="sg"]')
    assert "jurisdiction=sg" in tab.url
    assert tab.locator('input[name="jurisdiction"][value="sg"]').is_checked()
    metas = tab.locator(".hit .meta").all_inner_texts()
    assert metas and all("Singapore" in m for m in metas)
    tab.screenshot(path=str(screenshots / "search-filtered.png"), full_page=True)

    bookmarked = tab.url
    with tab.expect_navigation():
        tab.locator(".hit h2 a").first.click()
    assert "/instruments/" in tab.url or "/provisions/" in tab.url
    assert tab.locator("h1").inner_text()
    tab.screenshot(path=str(screenshots / "record.png"), full_page=True)

    tab.goto(bookmarked)  # the filtered search comes back from its URL alone
    assert tab.locator('input[name="jurisdiction"][value="sg"]').is_checked()
    only_local(tab, live_server)
    assert not errors_of(tab)


def test_instrument_anchor_and_provision(tab: Any, screenshots: Path) -> None:
    tab.goto("/instruments/akn/sg/act/2012/26#sec_26")
    assert tab.locator("#sec_26").is_visible()
    assert "Editorial summary" in tab.locator(".summary").inner_text()
    assert "abab" in tab.locator(".provenance").inner_text()
    with tab.expect_navigation():
        tab.locator("#sec_26 h3 a[href^='/provisions/']").click()
    assert tab.url.endswith(IDS["sg_sec26"])
    assert tab.locator("#counterparts .cp-group").count() >= 1
    tab.fill("#right", IDS["treaty_1411"])
    with tab.expect_navigation():
        tab.click(".compare-with button")
    assert "/diff?left=" in tab.url
    assert tab.locator(".diff del").count() > 0 and tab.locator(".diff ins").count() > 0
    tab.screenshot(path=str(screenshots / "diff.png"), full_page=True)
    assert not errors_of(tab)


def test_compare_grid_and_downloads(tab: Any, live_server: str, screenshots: Path,
                                    tmp_path: Path) -> None:
    tab.goto("/compare")
    tab.check('input[name="jurisdiction"][value="ipef"]')
    tab.check('input[name="agreement"][value="testfta"]')
    tab.locator("details.pick summary", has_text="Digital economy").click()
    tab.check(f'input[name="topic"][value="{CROSS_BORDER}"]')
    with tab.expect_navigation():
        tab.click("form.picker button[type=submit]")
    assert "jurisdiction=ipef" in tab.url and "agreement=testfta" in tab.url

    grid = tab.locator("table.grid")
    assert grid.is_visible()
    assert grid.locator("tbody tr").count() == 15  # 14 IPEF partners + the agreement
    assert grid.locator("td.nothing").count() > 0
    assert "nothing found" in grid.locator("td.nothing").first.inner_text()
    assert grid.locator(".strength-binding").count() > 0
    tab.screenshot(path=str(screenshots / "compare-grid.png"), full_page=True)

    files = {}
    for fmt in ("csv", "xlsx", "md"):
        with tab.expect_download() as info:
            tab.click(f'a[data-format="{fmt}"]')
        download = info.value
        assert download.suggested_filename == f"comparison.{fmt}"
        files[fmt] = tmp_path / download.suggested_filename
        download.save_as(files[fmt])

    rows = list(csv.DictReader(io.StringIO(files["csv"].read_text(encoding="utf-8-sig"))))
    assert len({r["row_label"] for r in rows}) == 15
    assert any(r["citation"] == "nothing found" for r in rows)
    assert any(r["id"] == IDS["sg_sec26"] for r in rows)
    grid_sheet, sheet = load_workbook(files["xlsx"]).worksheets
    assert grid_sheet.cell(row=1, column=1).value == "Jurisdiction / agreement"
    header = [c.value for c in sheet[1]]
    assert "Provision" in header and sheet.max_row == len(rows) + 1
    brief = files["md"].read_text(encoding="utf-8")
    assert brief.startswith("# Comparison") and "_nothing found_" in brief

    with tab.expect_navigation():
        grid.locator(f'a[href="/provisions{IDS["sg_sec26"]}"]').first.click()
    assert tab.url.endswith(IDS["sg_sec26"])
    only_local(tab, live_server)
    assert not errors_of(tab)


def test_coverage_heatmap_links(tab: Any, screenshots: Path) -> None:
    tab.goto("/coverage?jurisdiction=sg&jurisdiction=vn&jurisdiction=kr&jurisdiction=fj")
    cells = tab.locator("table.heatmap td.heat")
    assert cells.count() > 0
    assert tab.locator("table.heatmap td.heat-5").count() >= 1
    tab.screenshot(path=str(screenshots / "coverage.png"), full_page=True)
    link = tab.locator("table.heatmap td.heat-5 a").first
    count = link.inner_text()
    with tab.expect_navigation():
        link.click()
    assert "/search?jurisdiction=" in tab.url
    heading = tab.locator("#results-heading").inner_text()
    assert heading.startswith(count)
    assert not errors_of(tab)


def test_language_switch_is_remembered(tab: Any, screenshots: Path) -> None:
    tab.goto("/search?q=dau+gia+tan+so")
    assert tab.get_attribute("html", "lang") == "en"
    with tab.expect_navigation():
        tab.click(".lang-switch")
    assert tab.get_attribute("html", "lang") == "vi"
    assert "q=dau+gia+tan+so" in tab.url  # the same search, now in Vietnamese
    assert tab.locator("nav a[aria-current=page]").inner_text() == "Tìm kiếm"
    assert "Đấu giá quyền sử dụng tần số vô tuyến điện" in tab.locator("#filters").inner_text()
    tab.screenshot(path=str(screenshots / "search-vi.png"), full_page=True)

    with tab.expect_navigation():
        tab.click("nav >> text=So sánh")
    assert tab.get_attribute("html", "lang") == "vi"  # remembered by the cookie
    assert tab.locator("h1").inner_text() == "So sánh các quốc gia và hiệp định"
    tab.goto("/case-notes/kr/2021/2g-shutdown")
    assert tab.get_attribute("html", "lang") == "vi"
    assert "Hàn Quốc tắt sóng 2G" in tab.locator("h1").inner_text()

    with tab.expect_navigation():
        tab.click(".lang-switch")
    assert tab.get_attribute("html", "lang") == "en"
    tab.goto("/draft")
    assert tab.get_attribute("html", "lang") == "en"
    assert not errors_of(tab)


def test_vietnamese_from_the_browser_language(browser: Any, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, locale="vi-VN")
    try:
        tab = context.new_page()
        tab.goto("/")
        assert tab.get_attribute("html", "lang") == "vi"
    finally:
        context.close()


def test_draft_comparison(tab: Any, live_server: str, screenshots: Path) -> None:
    tab.goto("/draft")
    tab.fill("#text", "Each Party shall allow the cross-border transfer of information by "
                      "electronic means, including personal information, for business.")
    with tab.expect_navigation():
        tab.click(".draft-form button")
    assert tab.url == f"{live_server}/draft"  # nothing in the address bar
    assert tab.locator(".closest .cp-group").count() >= 1
    assert tab.locator(".draft-diff").count() >= 1
    assert tab.locator(".draft-diff ins, .draft-diff del").count() > 0
    assert "cross-border transfer" in tab.input_value("#text")
    tab.screenshot(path=str(screenshots / "draft.png"), full_page=True)
    assert not errors_of(tab)


HOSTILE = [
    f"/instruments{XSS_ID}",
    f"/provisions{XSS_PROVISION}",
    "/case-notes" + XSS_NOTE.removeprefix("/notes"),
    "/search?q=xsscanary",
    f"/compare?jurisdiction=fj&topic={CROSS_BORDER}",
    f"/diff?left={XSS_PROVISION}&right={IDS['sg_sec26']}",
]


def test_planted_xss_never_runs(tab: Any, screenshots: Path) -> None:
    dialogs: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in HOSTILE:
        tab.goto(path)
        tab.wait_for_load_state("load")
        assert tab.evaluate("typeof window.__xss") == "undefined", path
        assert tab.locator("main img").count() == 0, path
        assert tab.locator("main script").count() == 0, path
    tab.goto(f"/instruments{XSS_ID}")
    assert tab.locator("h1").inner_text() == XSS_TITLE  # shown as text, exactly
    assert XSS_SCRIPT in tab.locator(".summary").inner_text()
    tab.screenshot(path=str(screenshots / "xss-escaped.png"), full_page=True)
    tab.goto("/search?q=xsscanary")
    assert XSS_SCRIPT in tab.locator(".hits").inner_text()
    assert tab.evaluate("typeof window.__xss") == "undefined"
    assert not dialogs


def test_works_without_javascript(browser: Any, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto("/search?q=personal+data")
        tab.check('input[name="kind"][value="provision"]')
        with tab.expect_navigation():
            tab.click("button.apply")
        assert "kind=provision" in tab.url
        kinds = tab.locator(".hit .meta .kind").all_inner_texts()
        assert kinds and set(kinds) == {"Provision"}
    finally:
        context.close()


PHONE_PAGES = {
    "phone-search": "/search?q=personal+data",
    "phone-instrument": "/instruments/akn/sg/act/2012/26",
    "phone-provision": f"/provisions{IDS['treaty_1411']}",
    "phone-compare": f"/compare?jurisdiction=ipef&agreement=testfta&topic={CROSS_BORDER}"
                     "&topic=spectrum/auction",
    "phone-coverage": "/coverage",
    "phone-diff": f"/diff?left={IDS['sg_sec26']}&right={IDS['treaty_1411']}",
    "phone-draft": "/draft",
    "phone-case-note": "/case-notes/kr/2021/2g-shutdown",
}


def test_phone_viewport_has_no_horizontal_overflow(browser: Any, live_server: str,
                                                   screenshots: Path) -> None:
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 812},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        tab = context.new_page()
        for name, path in PHONE_PAGES.items():
            tab.goto(path)
            assert tab.evaluate("window.innerWidth") == 375
            width = tab.evaluate("document.documentElement.scrollWidth")
            assert tab.evaluate(NO_OVERFLOW), f"{path}: content is {width}px wide"
            tab.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
        tab.goto("/search?q=personal+data&lang=vi")
        assert tab.evaluate(NO_OVERFLOW)
        tab.screenshot(path=str(screenshots / "phone-search-vi.png"), full_page=True)
    finally:
        context.close()


def _offline(context: Any, base: str) -> list[str]:
    """Abort every request that leaves the test server, as on an intranet with no internet;
    the list of blocked URLs is returned (filled as the page loads)."""
    blocked: list[str] = []

    def handle(route: Any) -> None:
        url = route.request.url
        if url.startswith((base, "data:", "blob:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", handle)
    return blocked


def test_api_docs_render_offline(browser: Any, live_server: str, screenshots: Path) -> None:
    """/docs (Swagger UI) and /redoc list the API's operations with every other host cut off."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    try:
        blocked = _offline(context, live_server)
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto("/docs")
        tab.wait_for_selector(".opblock-summary-path", timeout=15_000)
        paths = tab.locator(".opblock-summary-path").all_inner_texts()
        assert any("/v1/search" in p for p in paths), paths
        assert any("/v1/agreements" in p for p in paths), paths
        assert tab.locator(".info .title").inner_text().startswith("regkb")
        tab.screenshot(path=str(screenshots / "api-docs.png"))

        tab.goto("/redoc")
        tab.wait_for_selector('[data-section-id^="operation/"]', timeout=15_000)
        assert tab.locator('[data-section-id^="operation/"]').count() > 10
        assert "Search" in tab.locator("h2").all_inner_texts()
        tab.screenshot(path=str(screenshots / "api-redoc.png"))
        assert not blocked, f"the docs asked other hosts for: {blocked}"
        assert not errors, errors
    finally:
        context.close()
