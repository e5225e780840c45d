"""The web pages over plain HTTP (TestClient): every page, headers, escaping, links, errors."""

from __future__ import annotations

import csv
import io
import logging
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.web.render import CSP
from tests.contract.records import SEARCHABLE_IDS as IDS
from tests.web.conftest import CANARY, SHA, XSS_ID, XSS_NOTE, XSS_PROVISION

CROSS_BORDER = "digital-economy/cross-border-data"
COMPARE = f"/compare?jurisdiction=ipef&agreement=testfta&topic={CROSS_BORDER}"
PAGES = [
    "/",
    "/search?q=personal+data",
    "/search?q=dau+gia+tan+so&jurisdiction=vn",
    "/instruments/akn/sg/act/2012/26",
    f"/provisions{IDS['sg_sec26']}",
    f"/provisions{IDS['treaty_1411']}",
    "/case-notes/kr/2021/2g-shutdown",
    "/compare",
    COMPARE,
    "/coverage",
    "/coverage?by=sector&jurisdiction=ipef",
    f"/diff?left={IDS['sg_sec26']}&right={IDS['treaty_1411']}",
    "/draft",
]


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> and <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open = tag if tag in ("script", "style") else None

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.inline.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._open = None


def tags(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


def links(html: str) -> list[str]:
    return [a["href"] or "" for tag, a in tags(html).tags if tag == "a" and "href" in a]


# -- every page ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_security_headers(client: TestClient, path: str) -> None:
    res = client.get(path)
    assert res.status_code == 200, res.text[:500]
    assert res.headers["content-type"].startswith("text/html")
    assert res.headers["content-security-policy"] == CSP
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["referrer-policy"] == "same-origin"
    assert "default-src 'self'" in CSP and "script-src 'self'" in CSP
    assert "frame-ancestors 'none'" in CSP and "form-action 'self'" in CSP


@pytest.mark.parametrize("path", PAGES)
def test_no_inline_code_and_no_external_assets(client: TestClient, path: str) -> None:
    parsed = tags(client.get(path).text)
    assert not parsed.inline, "inline <script> or <style> would be blocked by the CSP"
    for tag, attrs in parsed.tags:
        assert "style" not in attrs, f"inline style attribute on <{tag}>"
        assert not any(name.startswith("on") for name in attrs), f"event handler on <{tag}>"
        assert tag != "style"
        for name in ("src", "href", "action"):
            value = attrs.get(name) or ""
            if tag in ("script", "link", "img", "form", "iframe") and value:
                assert value.startswith("/") and not value.startswith("//"), value
    scripts = [a["src"] for t, a in parsed.tags if t == "script"]
    sheets = [a["href"] for t, a in parsed.tags if t == "link" and a.get("rel") == "stylesheet"]
    assert scripts == ["/static/web.js"] and sheets == ["/static/web.css"]


def test_head_requests(client: TestClient) -> None:
    res = client.head("/search?q=personal+data")
    assert res.status_code == 200 and res.headers["content-security-policy"] == CSP


def test_pages_vary_by_language(client: TestClient) -> None:
    assert client.get("/").headers["vary"] == "Accept-Language, Cookie"


def test_static_files(client: TestClient) -> None:
    css = client.get("/static/web.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.headers["x-content-type-options"] == "nosniff"
    assert "@import" not in css.text and "url(http" not in css.text
    js = client.get("/static/web.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "http" not in js.text
    assert client.get("/static/favicon.svg").status_code == 200


def test_api_is_untouched(client: TestClient) -> None:
    res = client.get("/v1/search", params={"q": "personal data"})
    assert res.status_code == 200 and res.headers["content-type"] == "application/json"
    assert client.get("/v1/instruments/akn/no/act/2000/1").headers["content-type"] == (
        "application/problem+json")


# -- search ----------------------------------------------------------------------------------
def test_search_hits_snippets_and_links(client: TestClient) -> None:
    html = client.get("/search", params={"q": "personal data", "jurisdiction": "sg"}).text
    assert '<mark>personal</mark>' in html.lower() or "<mark>Personal</mark>" in html
    assert f'href="/provisions{IDS["sg_sec26"]}"' in html
    assert 'href="/instruments/akn/sg/act/2012/26"' in html
    assert 'name="jurisdiction" value="sg" checked' in html
    assert 'value="personal data"' in html


def test_search_facets_with_counts(client: TestClient) -> None:
    html = client.get("/search", params={"q": "personal data"}).text
    for param in ("jurisdiction", "group", "sector", "topic", "kind", "type", "status",
                  "language"):
        assert f'class="facet facet-{param}"' in html, param
    assert re.search(r'name="jurisdiction" value="sg">\s*<span>Singapore</span> '
                     r'<span class="count">\d+</span>', html)
    assert re.search(r'name="group" value="ipef">\s*<span>IPEF partners</span>', html)
    assert 'class="facet facet-date"' in html and "date_from=2010-01-01" in html


def hit_links(html: str) -> list[tuple[str, str]]:
    """(kind, href) of each search hit."""
    return re.findall(r'<li class="hit hit-([a-z-]+)">\s*<h2><a href="([^"]+)"', html)


def test_facet_filter_narrows(client: TestClient) -> None:
    everything = client.get("/search", params={"q": "personal data"}).text
    assert {kind for kind, _ in hit_links(everything)} >= {"instrument", "provision"}
    html = client.get("/search", params={"q": "personal data", "kind": "provision"}).text
    total = client.get("/v1/search", params={"q": "personal data", "kind": "provision"})
    assert f"{total.json()['total']} results" in html
    hits = hit_links(html)
    assert hits and all(k == "provision" and h.startswith("/provisions/") for k, h in hits)
    assert 'name="kind" value="provision" checked' in html


def test_group_and_jurisdiction_combine(client: TestClient) -> None:
    html = client.get("/search", params={"q": "personal data", "group": "ipef"}).text
    assert "Singapore" in html and "Data Protection Directive" not in html
    none = client.get("/search", params={"q": "personal data", "group": "ipef",
                                         "jurisdiction": "eu"})
    assert none.status_code == 200 and "0 results" in none.text


def test_vietnamese_with_and_without_diacritics(client: TestClient) -> None:
    for q in ("đấu giá tần số", "dau gia tan so"):
        html = client.get("/search", params={"q": q}).text
        assert f'href="/provisions{IDS["vn_dieu1"]}"' in html, q


def test_paging(client: TestClient) -> None:
    first = client.get("/search").text
    assert "Page 1 of" in first and 'rel="next" href="/search?page=2"' in first
    second = client.get("/search?page=2").text
    assert 'rel="prev" href="/search"' in second and '<ol class="hits" start="11">' in second
    ids_1 = {a for a in links(first) if a.startswith(("/instruments/", "/provisions/"))}
    ids_2 = {a for a in links(second) if a.startswith(("/instruments/", "/provisions/"))}
    assert ids_1 and ids_2 and not (ids_1 & ids_2)


def test_search_links_are_bookmarkable(client: TestClient) -> None:
    url = "/search?q=personal+data&jurisdiction=sg&kind=provision&date_from=2000-01-01"
    html = client.get(url).text
    remove = [a for a in links(html) if a.startswith("/search?") and "kind" not in a]
    assert any(parse_qs(urlsplit(a).query).get("jurisdiction") == ["sg"] for a in remove)
    export = next(a for a in links(html) if a.startswith("/v1/search") and "format=csv" in a)
    res = client.get(export)
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")


def test_bad_search_input_is_an_html_error(client: TestClient) -> None:
    for params in ({"date_from": "yesterday"}, {"topic": "no such topic"}, {"group": "nope"},
                   {"q": "x" * 501}):
        res = client.get("/search", params=params)
        assert res.status_code == 400, params
        assert res.headers["content-type"].startswith("text/html")
        assert res.headers["content-security-policy"] == CSP
    assert client.get("/search?page=abc").status_code == 200


# -- records ---------------------------------------------------------------------------------
def test_instrument_page(client: TestClient) -> None:
    html = client.get("/instruments/akn/sg/act/2012/26").text
    assert "Personal Data Protection Act 2012" in html
    assert "Luật Bảo vệ dữ liệu cá nhân 2012" in html  # Vietnamese title
    assert 'id="sec_26"' in html and 'href="#sec_26"' in html
    assert "Part 6" in html and "Section 26D" in html
    assert "Editorial summary" in html
    assert "2012-10-15" in html and "2014-07-02" in html  # adopted, in force
    assert "Personal data protection" in html  # a topic, by its label
    assert 'href="https://sso.agc.gov.sg/Act/PDPA2012"' in html
    # the stored versions are listed once, in the timeline, with each version's content hash
    assert "Versions and dates in force" in html and "v2 · 2025-01-01 (current)" in html
    assert 'class="versions"' not in html and html.count('class="timeline-table"') == 1
    assert html.count('<code class="hash content-hash">') == 2
    assert "Provenance" in html and SHA in html and "2025-01-02" in html
    assert "2025-01-01" in html  # the version (expression date) of the stored text
    assert f'href="/provisions{IDS["sg_sec26"]}"' in html


def test_instrument_original_title(client: TestClient) -> None:
    html = client.get("/instruments/akn/jp/act/2003/57").text
    assert "個人情報の保護に関する法律" in html and "Original title" in html


def test_provision_page(client: TestClient) -> None:
    html = client.get(f"/provisions{IDS['treaty_1411']}").text
    assert "Article 14.11" in html and "Cross-Border Transfer of Information" in html
    assert "Binding" in html  # commitment strength of treaty text
    assert "Official text" in html
    assert "Find counterparts" in html and f'/provisions{IDS["sg_sec26"]}' in html
    assert 'action="/diff"' in html and f'name="left" value="{IDS["treaty_1411"]}"' in html
    assert f'<option value="{IDS["sg_sec26"]}">' in html
    assert 'href="https://example.org/test-agreement"' in html


def test_case_note_page(client: TestClient) -> None:
    html = client.get("/case-notes/kr/2021/2g-shutdown").text
    assert "Korea switches off 2G" in html
    assert "Remaining subscribers migrated" in html  # outcome
    assert "Announce the switch-off date early." in html  # lessons
    assert 'href="https://example.org/2g"' in html
    same = client.get("/case-notes/notes/kr/2021/2g-shutdown")
    assert same.status_code == 200
    vi = client.get("/case-notes/kr/2021/2g-shutdown?lang=vi").text
    assert "Các nhà mạng lần lượt tắt sóng 2G." in vi


def test_case_note_related_instruments(client: TestClient) -> None:
    html = client.get("/case-notes" + XSS_NOTE.removeprefix("/notes")).text
    assert f'href="/instruments{XSS_ID}"' in html and "Related instruments" in html


MISSING = [
    "/instruments/akn/xx/act/2000/1",
    "/provisions/akn/sg/act/2012/26",  # an instrument, not a provision
    "/case-notes/kr/1999/nothing",
    "/instruments/not-an-id",
    f"/instruments{IDS['sg_sec26']}",  # a provision, not an instrument
]


@pytest.mark.parametrize("path", MISSING)
def test_unknown_records_are_html_404(client: TestClient, path: str) -> None:
    res = client.get(path)
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("text/html")
    assert res.headers["content-security-policy"] == CSP
    assert "Not found" in res.text


# -- comparisons -----------------------------------------------------------------------------
def test_compare_form_choices(client: TestClient) -> None:
    html = client.get("/compare").text
    assert 'name="jurisdiction" value="ipef"' in html
    assert 'name="jurisdiction" value="sg"' in html
    assert 'name="agreement" value="testfta"' in html
    assert f'name="topic" value="{CROSS_BORDER}"' in html
    assert "Choose at least one row and one topic." in html


def test_compare_grid(client: TestClient) -> None:
    html = client.get(COMPARE).text
    assert '<table class="grid">' in html and "Cross-border transfer of data" in html
    assert f'href="/provisions{IDS["sg_sec26"]}"' in html
    assert "Personal Data Protection Act 2012, Section 26" in html
    assert 'class="cell nothing">nothing found</td>' in html
    assert 'class="strength strength-binding">Binding</span>' in html
    assert 'scope="row">Test Agreement Chapter 14 Electronic Commerce' in html  # its name
    for fmt in ("csv", "xlsx", "md"):
        assert f"format={fmt}&amp;lang=en" in html


def test_compare_downloads(client: TestClient) -> None:
    html = client.get(COMPARE + "&lang=vi").text
    hrefs = {fmt: next(a for a in links(html) if a.startswith("/v1/compare")
                       and f"format={fmt}" in a) for fmt in ("csv", "xlsx", "md")}
    for href in hrefs.values():
        query = parse_qs(urlsplit(href).query)
        assert query["jurisdiction"] == ["ipef"] and query["agreement"] == ["testfta"]
        assert query["topic"] == [CROSS_BORDER] and query["lang"] == ["vi"]
    rows = list(csv.DictReader(io.StringIO(client.get(hrefs["csv"]).content
                                           .decode("utf-8-sig"))))
    assert any(r["citation"] == "không tìm thấy" for r in rows)
    assert any(r["id"] == IDS["sg_sec26"] for r in rows)
    book = load_workbook(io.BytesIO(client.get(hrefs["xlsx"]).content))
    assert book.active.max_row > 1
    md = client.get(hrefs["md"]).text
    assert md.startswith("# So sánh") and "_không tìm thấy_" in md


def test_compare_bad_request_keeps_the_form(client: TestClient) -> None:
    res = client.get("/compare", params={"jurisdiction": "sg", "topic": "no such topic"})
    assert res.status_code == 400 and "unknown topic" in res.text
    assert 'name="topic"' in res.text


def test_coverage_heatmap(client: TestClient) -> None:
    html = client.get("/coverage", params={"jurisdiction": ["sg", "vn", "kr"]}).text
    assert '<table class="heatmap by-topic">' in html
    assert re.search(r'class="heat heat-[1-5]"><a href="/search\?jurisdiction=sg&amp;'
                     r'topic=digital-economy%2Fcross-border-data', html)
    assert 'class="heat heat-0"' in html
    cells = re.findall(r'class="heat heat-(\d)"', html)
    assert set(cells) <= set("012345") and "5" in cells
    assert "style=" not in html
    sector = client.get("/coverage?by=sector&jurisdiction=sg&jurisdiction=vn").text
    assert "sector=spectrum" in sector and 'by-sector' in sector


def test_coverage_links_match_counts(client: TestClient) -> None:
    html = client.get("/coverage", params={"jurisdiction": "sg"}).text
    match = re.search(r'href="(/search\?jurisdiction=sg&amp;topic=digital-economy%2F'
                      r'cross-border-data[^"]*)"[^>]*>(\d+)</a>', html)
    assert match
    href, count = match.group(1).replace("&amp;", "&"), int(match.group(2))
    assert re.search(rf"\b{count} results?\b", client.get(href).text)


def test_diff_page(client: TestClient) -> None:
    html = client.get("/diff", params={"left": IDS["sg_sec26"], "right": IDS["treaty_1411"]}).text
    assert "<del>" in html and "<ins>" in html
    assert re.search(r"Similarity: <strong>\d+%</strong>", html)
    assert f'href="/provisions{IDS["sg_sec26"]}"' in html
    assert client.get("/diff").status_code == 200  # the empty form
    missing = client.get("/diff", params={"left": IDS["sg_sec26"], "right": "/akn/x/act/1/1"})
    assert missing.status_code == 404


# -- the draft ------------------------------------------------------------------------------
DRAFT = ("Each Party shall allow the cross-border transfer of information by electronic means, "
         "including personal information.")


def test_draft_form_posts(client: TestClient) -> None:
    html = client.get("/draft").text
    assert 'method="post"' in html and 'action="/draft"' in html and 'name="text"' in html


def test_draft_finds_and_diffs(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    res = client.post("/draft", data={"text": DRAFT, "scope": ""})
    assert res.status_code == 200
    assert res.headers["cache-control"] == "no-store"
    assert res.headers["content-security-policy"] == CSP
    html = res.text
    assert "Closest provisions" in html and f'href="/provisions{IDS["treaty_1411"]}"' in html
    assert '<div class="diff text"' in html and ("<del>" in html or "<ins>" in html)
    assert "Similarity" in html
    assert "cross-border transfer of information" not in caplog.text
    assert all("cross-border" not in a for a in links(html))  # never put in a URL


def test_draft_scope_and_errors(client: TestClient) -> None:
    scoped = client.post("/draft", data={"text": DRAFT, "scope": "ipef"}).text
    assert "Test Agreement Chapter 14" not in scoped.split("Closest provisions", 1)[1]
    empty = client.post("/draft", data={"text": "  "})
    assert empty.status_code == 400 and 'class="error"' in empty.text
    long = client.post("/draft", data={"text": "a" * 20_001})
    assert long.status_code == 400
    huge = client.post("/draft", content=b"text=" + b"%C3%A1" * 40_000,
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 413


# -- safety: a hostile record ------------------------------------------------------------------
HOSTILE_PAGES = [
    f"/search?q={CANARY}",
    f"/instruments{XSS_ID}",
    f"/instruments{XSS_ID}?lang=vi",
    f"/provisions{XSS_PROVISION}",
    "/case-notes" + XSS_NOTE.removeprefix("/notes"),
    f"/compare?jurisdiction=fj&topic={CROSS_BORDER}",
    f"/diff?left={XSS_PROVISION}&right={IDS['sg_sec26']}",
]


@pytest.mark.parametrize("path", HOSTILE_PAGES)
def test_record_text_is_escaped(client: TestClient, path: str) -> None:
    html = client.get(path).text
    assert "<script>window.__xss" not in html
    assert "<img src=x" not in html and "<img src=\"x\"" not in html
    assert "&lt;script&gt;window.__xss=" in html or "&lt;img src=x" in html
    parsed = tags(html)
    assert not parsed.inline
    assert [t for t, a in parsed.tags if t == "img"] == []


def test_hostile_source_url_stays_in_its_attribute(client: TestClient) -> None:
    html = client.get(f"/instruments{XSS_ID}").text
    assert 'href="https://example.org/xss?a=&#34;&gt;&lt;script&gt;' in html


def test_query_text_is_escaped(client: TestClient) -> None:
    html = client.get("/search", params={"q": '"><script>alert(1)</script>'}).text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_capped_totals_are_said(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Elasticsearch counts matches up to 10,000; the page says "at least" when it stopped."""
    from kb.backends.embedded import TantivyBackend

    plain = client.get("/search?q=data&lang=en").text
    assert "+ results" not in plain
    search = TantivyBackend.search

    def capped(self, query):
        result = search(self, query)
        return result.model_copy(update={"total": 2, "total_exact": False})

    monkeypatch.setattr(TantivyBackend, "search", capped)
    en = client.get("/search?q=data&lang=en").text
    assert "2+ results" in en
    vi = client.get("/search?q=data&lang=vi").text
    assert "Hơn 2 kết quả" in vi


# -- highlighted excerpts --------------------------------------------------------------------
def test_marked_escapes_the_text_and_marks_the_highlights() -> None:
    from api.web.render import marked

    excerpt = "<script>alert(1)</script> organisation shall protect"
    spans = [(excerpt.index(w), excerpt.index(w) + len(w)) for w in ("organisation", "protect")]
    html = marked(excerpt, spans)
    assert html == ("&lt;script&gt;alert(1)&lt;/script&gt; <mark>organisation</mark> shall "
                    "<mark>protect</mark>")
    # offsets out of order, overlapping or past the end are never trusted
    assert marked("a <b> c", [(6, 7), (2, 5), (3, 4), (5, 99)]) == (
        "a <mark>&lt;b&gt;</mark> <mark>c</mark>")
    assert marked("", []) == ""


def test_search_did_you_mean_links_to_the_corrected_search(client: TestClient) -> None:
    html = client.get("/search", params={"q": "persnal data", "jurisdiction": "sg"}).text
    assert "Did you mean" in html
    link = next(a for a in links(html) if a.startswith("/search?") and "personal" in a)
    assert parse_qs(urlsplit(link).query) == {"q": ["personal data"], "jurisdiction": ["sg"]}
    assert "Did you mean" not in client.get(link).text
    vi = client.get("/search", params={"q": "dau gia tan xo", "lang": "vi"}).text
    assert "Có phải bạn muốn tìm" in vi and "dau gia tan so" in vi
    empty = client.get("/search", params={"q": "persnal", "lang": "en"}).text
    assert 'class="empty"' in empty and "Did you mean" in empty
    assert "Did you mean" not in client.get("/search", params={"q": "personal data"}).text
    assert "Có phải" not in client.get("/search", params={"q": "dau gia tan so", "lang": "vi"}).text
