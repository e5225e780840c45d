"""``?as_of=`` on the search and compare pages, on a KB_HOME holding two imported versions of
one act and a later act (tests/test_asof.py builds it); and the search page's filter chips,
which name agreements rather than code them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import QueryParams

from api.web.search import SearchState
from tests.conftest import api_client, indexed_kb
from tests.test_asof import ACT, AFTER, BEFORE, BETWEEN, LATER_ACT, QUERY, build_home
from tests.web.conftest import client_on_home

EN = {"Cookie": "lang=en"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with client_on_home(tmp_path_factory.mktemp("asof-pages") / "kbhome", build_home) as c:
        yield c


def hit_links(html: str) -> list[str]:
    """The record links of the result list, in order."""
    hits = html[html.index('<ol class="hits"'):html.index("</ol>", html.index('<ol class="hits"'))]
    return [unescape(h) for h in re.findall(r'<h2><a href="([^"]+)"', hits)]


def search(client: TestClient, **params: str) -> str:
    res = client.get("/search", params={"q": QUERY, "jurisdiction": "to", **params}, headers=EN)
    assert res.status_code == 200, res.text[:500]
    return res.text


# -- search ---------------------------------------------------------------------------------
def test_search_page_as_of_keeps_the_law_of_that_day(client: TestClient) -> None:
    today = hit_links(search(client))
    assert f"/provisions{LATER_ACT}/~sec_1" in today and f"/provisions{ACT}/~sec_3" in today
    between = search(client, as_of=BETWEEN)
    links = hit_links(between)
    assert links and all(link.startswith(("/provisions" + ACT, "/instruments" + ACT))
                         for link in links)
    assert f"/provisions{ACT}/~sec_3" not in links  # added in 2022
    assert "ranked on the current text" in between  # the hit says its text then was older
    assert f'name="as_of" value="{BETWEEN}"' in between  # the form shows the date
    assert hit_links(search(client, as_of=BEFORE)) == []
    assert f"/provisions{LATER_ACT}/~sec_1" in hit_links(search(client, as_of=AFTER))


def test_search_page_as_of_chip_and_links_keep_the_date(client: TestClient) -> None:
    html = search(client, as_of=BETWEEN, kind="provision")
    chips = html[html.index('class="active-filters"'):html.index("</ul>",
                                                                 html.index('class="active-filters"'))]
    assert f"Text in force on {BETWEEN} " in chips
    # removing the kind keeps the date; removing the date keeps the kind
    hrefs = [unescape(h) for h in re.findall(r'href="([^"]+)"', chips)]
    assert any(f"as_of={BETWEEN}" in h and "kind=" not in h for h in hrefs)
    assert any("kind=provision" in h and "as_of" not in h for h in hrefs)
    periods = html[html.index('class="periods"'):html.index("</ul>", html.index('class="periods"'))]
    assert f"as_of={BETWEEN}" in unescape(periods)  # period links keep it
    # the downloads ask the API for the same search
    downloads = html[html.index('class="downloads"'):]
    assert f"as_of={BETWEEN}" in unescape(downloads[:downloads.index("</p>")])


def test_search_state_keeps_as_of_across_pages_and_facets() -> None:
    state = SearchState.from_params(QueryParams(f"q=spectrum&as_of={BETWEEN}&kind=provision"))
    assert f"as_of={BETWEEN}" in state.href(page=2) and "page=2" in state.href(page=2)
    assert f"as_of={BETWEEN}" in state.without("kind", "provision")
    assert f"as_of={BETWEEN}" in state.with_text("auction")
    assert ("as_of", BETWEEN) in state.api_params(["to"])
    assert state.query(["to"]).as_of.isoformat() == BETWEEN
    assert SearchState.from_params(QueryParams("q=spectrum")).query(None).as_of is None


@pytest.mark.parametrize("bad", ["2020-02-30", "June 2020", "2020-6-1"])
def test_search_page_bad_as_of_is_an_error_page(client: TestClient, bad: str) -> None:
    res = client.get("/search", params={"q": QUERY, "as_of": bad}, headers=EN)
    assert res.status_code == 400
    assert res.headers["content-type"].startswith("text/html")
    assert "as_of: not a date" in unescape(res.text) and "Invalid request" in res.text


# -- compare --------------------------------------------------------------------------------
def compare(client: TestClient, **params: str) -> tuple[int, str]:
    res = client.get("/compare", params={"topic": "spectrum", "jurisdiction": "to",
                                          "per_cell": "5", **params}, headers=EN)
    return res.status_code, res.text


def cell_links(html: str) -> set[str]:
    grid = html[html.index('<table class="grid">'):html.index("</table>")]
    return {unescape(h) for h in re.findall(r'<a href="(/provisions[^"]+)"', grid)}


def test_compare_page_as_of(client: TestClient) -> None:
    status, today = compare(client)
    assert status == 200 and f"/provisions{LATER_ACT}/~sec_1" in cell_links(today)
    status, between = compare(client, as_of=BETWEEN)
    assert status == 200
    assert cell_links(between) == {f"/provisions{ACT}/~sec_1", f"/provisions{ACT}/~sec_2"}
    assert f'name="as_of" value="{BETWEEN}"' in between
    assert f'Text in force on <time datetime="{BETWEEN}">' in between
    downloads = re.findall(r'href="(/v1/compare[^"]+)"', between)
    assert downloads and all(f"as_of={BETWEEN}" in unescape(d) for d in downloads)
    status, before = compare(client, as_of=BEFORE)
    assert status == 200 and cell_links(before) == set()


def test_compare_page_bad_as_of_says_so(client: TestClient) -> None:
    status, html = compare(client, as_of="2020-13-01")
    assert status == 400
    assert re.search(r'<p class="error" role="alert">as_of: not a date', unescape(html))
    assert '<form class="picker"' in html  # the usual page, with its form, not a crash


# -- filter chips by name -------------------------------------------------------------------
@pytest.fixture(scope="module")
def vi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from tests.web.test_vietnamese import VietnameseKB, records

    home = tmp_path_factory.mktemp("chips")
    kb = indexed_kb(home, records(), VietnameseKB)
    with api_client(kb) as c:
        yield c
    kb.close()


def chips(html: str) -> list[str]:
    block = html[html.index('class="active-filters"'):html.index("</ul>",
                                                                 html.index('class="active-filters"'))]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", unescape(c))).replace("×", "").strip()
            for c in re.findall(r"<li><a href=[^>]+>(.*?)</a></li>", block, re.S)]


@pytest.mark.parametrize(("lang", "name"), [
    ("vi", "Hiệp định Đối tác Toàn diện và Tiến bộ xuyên Thái Bình Dương (CPTPP)"),
    ("en", "Comprehensive and Progressive Agreement for Trans-Pacific Partnership (CPTPP)"),
])
def test_agreement_chips_show_names(vi: TestClient, lang: str, name: str) -> None:
    res = vi.get("/search", params={"agreement": "cptpp", "lang": lang})
    assert res.status_code == 200
    assert chips(res.text) == [name]
    assert "CPTPP <span" not in res.text  # never the bare code
