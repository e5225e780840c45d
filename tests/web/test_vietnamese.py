"""The interface in Vietnamese: titles, summaries, headings and issuing bodies in Vietnamese
where the record has them, Vietnamese citations ("Điều 23 Luật Dữ liệu 2024"), agreement names
instead of codes, a table of contents on long instruments, and an "(tiếng Anh)" marker where
a text exists only in English. Exports (CSV, XLSX, Markdown) follow the same language.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from kb.core import KnowledgeBase
from kb.load import LoadResult
from kb.models import CaseNote, Dates, Instrument, Provision, Source
from tests.conftest import api_client, indexed_kb

DATA_LAW = "/akn/vn/act/2024/60-2024-qh15"  # the bundled entry's id: exports cite by it
CPTPP = "/akn/int/treaty/2018/cptpp"
CPTPP_CH14 = "/akn/int/agreement-chapter/2018/cptpp-ch14"
FCC_RULE = "/akn/us/regulation/2020/test-fcc-rule"
NOTE_VI = "/notes/vn/2024/test-data-note"
NOTE_EN = "/notes/us/2024/test-fcc-note"
TOPIC = "digital-economy/cross-border-data"
CHAPTERS = ("Chapter I General provisions", "Chapter II Data transfers")


def data_law() -> Instrument:
    provisions = [
        Provision(eid="art_23", number="Article 23", heading="Cross-border transfer of core data",
                  heading_vi="Chuyển dữ liệu cốt lõi ra nước ngoài", path=[CHAPTERS[1]],
                  text="Fixture text. Core data may be transferred abroad only after an "
                       "assessment of its security.",
                  summary_vi="Dữ liệu cốt lõi chỉ được chuyển ra nước ngoài sau khi đánh giá "
                             "an ninh.", topics=[TOPIC]),
        Provision(eid="art_26__cl_3", number="Article 26(3)", heading="Data storage",
                  path=[CHAPTERS[1]], topics=[TOPIC],
                  text="Fixture text. Important data of the state is stored in Viet Nam."),
    ]
    # enough articles for a table of contents, in two chapters
    provisions += [Provision(eid=f"art_{n}", number=f"Article {n}", heading=f"Matter {n}",
                             path=[CHAPTERS[0] if n < 15 else CHAPTERS[1]],
                             text=f"Fixture text. Article {n} of the test data law.")
                   for n in range(1, 21)]
    provisions.sort(key=lambda p: int(re.findall(r"\d+", p.eid)[0]))
    return Instrument(
        id=DATA_LAW, title="Law on Data 2024", title_vi="Luật Dữ liệu 2024",
        jurisdiction="vn", doc_type="act", status="in-force",
        issuing_body="National Assembly of Viet Nam", dates=Dates(adopted="2024-11-30"),
        sectors=["digital-economy"], topics=[TOPIC], language="en",
        summary="Fixture text. The data law governs digital data.",
        summary_vi="Dữ liệu thử. Luật điều chỉnh dữ liệu số.",
        source_url="https://example.org/data-law", provisions=provisions)


def records() -> list[Instrument | CaseNote]:
    return [
        data_law(),
        Instrument(
            id=CPTPP, title="Comprehensive and Progressive Agreement for Trans-Pacific "
            "Partnership (CPTPP)", title_vi="Hiệp định Đối tác Toàn diện và Tiến bộ xuyên Thái "
            "Bình Dương (CPTPP)", jurisdiction="int", doc_type="treaty", agreement="cptpp",
            parties=["vn", "sg"], status="in-force", dates=Dates(signed="2018-03-08"),
            sectors=["digital-economy"], topics=[TOPIC], language="en",
            summary="Fixture text. The agreement.", source_url="https://example.org/cptpp"),
        Instrument(
            id=CPTPP_CH14, title="CPTPP Chapter 14: Electronic Commerce",
            title_vi="CPTPP – Chương 14: Thương mại điện tử", jurisdiction="int",
            doc_type="agreement-chapter", agreement="cptpp", parties=["vn", "sg"],
            status="in-force", dates=Dates(signed="2018-03-08"), sectors=["digital-economy"],
            topics=[TOPIC], language="en", source_url="https://example.org/cptpp-14",
            issuing_body="CPTPP Parties (depositary: New Zealand)",
            provisions=[Provision(
                eid="chp_14__art_14.11", number="Article 14.11",
                heading="Cross-Border Transfer of Information by Electronic Means",
                text="Fixture text. Each Party shall allow the cross-border transfer of "
                     "information by electronic means.", topics=[TOPIC])]),
        Instrument(
            id=FCC_RULE, title="Test Spectrum Rule", jurisdiction="us", doc_type="regulation",
            status="in-force", issuing_body="Federal Communications Commission",
            dates=Dates(adopted="2020-01-01"), sectors=["spectrum"], topics=["spectrum/auction"],
            language="en", summary="Fixture text. An auction rule.",
            source_url="https://example.org/fcc",
            provisions=[Provision(eid="sec_1", number="Section 1", heading="Auctions",
                                  text="Fixture text. Licences are assigned by auction.")]),
        CaseNote(
            id=NOTE_VI, title="Test data note", title_vi="Bài học thử về dữ liệu",
            jurisdictions=["vn"], sectors=["digital-economy"], topics=[TOPIC],
            summary="Fixture text. What happened.", summary_vi="Dữ liệu thử. Điều đã xảy ra.",
            outcome="It worked.", lessons=["Plan early."], lessons_vi=["Lập kế hoạch sớm."],
            related_instruments=[DATA_LAW], related_provisions=[f"{DATA_LAW}/~art_23"],
            sources=[Source(title="Source", url="https://example.org/s")]),
        CaseNote(
            id=NOTE_EN, title="Test auction note", jurisdictions=["us"], sectors=["spectrum"],
            topics=["spectrum/auction"], summary="Fixture text. An auction.",
            outcome="Sold.", lessons=["Set reserve prices."],
            sources=[Source(title="Source", url="https://example.org/s2")]),
    ]


class VietnameseKB(KnowledgeBase):
    def load_entries(self, refresh: bool = False) -> LoadResult:
        return LoadResult(records=records())


@pytest.fixture(scope="module")
def vi_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    home = tmp_path_factory.mktemp("vi")
    kb = indexed_kb(home, records(), VietnameseKB)
    yield kb
    kb.close()


@pytest.fixture()
def vi(vi_kb: KnowledgeBase) -> Iterator[TestClient]:
    with api_client(vi_kb) as c:
        yield c


def text_of(html: str) -> str:
    """The page's visible text, tags dropped and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def get(client: TestClient, path: str, **params: Any) -> str:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text[:500]
    return response.text


# -- records in Vietnamese ---------------------------------------------------------------------
def test_instrument_in_vietnamese(vi: TestClient) -> None:
    html = get(vi, f"/instruments{DATA_LAW}", lang="vi")
    h1 = re.search(r"<h1>(.*?)</h1>", html, re.S)[1]
    assert "Luật Dữ liệu 2024" in h1 and "tiếng Anh" not in h1
    assert "Dữ liệu thử. Luật điều chỉnh dữ liệu số." in html
    assert re.search(r'class="issuing-body"><span lang="vi">Quốc hội</span>', html)
    assert "Chuyển dữ liệu cốt lõi ra nước ngoài" in html  # a provision's Vietnamese heading
    assert "Dữ liệu cốt lõi chỉ được chuyển ra nước ngoài" in html  # and its summary
    # the same page in English: English names, no marker
    en = get(vi, f"/instruments{DATA_LAW}", lang="en")
    assert "National Assembly of Viet Nam" in en and "Quốc hội</span>" not in en
    assert "(English)" not in en and "tiếng Anh" not in en


def test_the_cookie_keeps_vietnamese(vi: TestClient) -> None:
    get(vi, "/search", lang="vi")
    html = get(vi, f"/instruments{DATA_LAW}")
    assert '<html lang="vi">' in html and "Quốc hội" in html


def test_english_only_text_is_marked(vi: TestClient) -> None:
    html = get(vi, f"/instruments{FCC_RULE}", lang="vi")
    h1 = re.search(r"<h1>(.*?)</h1>", html, re.S)[1]
    assert "Test Spectrum Rule" in h1 and 'class="en-mark">(tiếng Anh)</span>' in h1
    # the FCC by its Vietnamese name
    assert "Ủy ban Truyền thông Liên bang Hoa Kỳ (FCC)" in html
    summary = html[html.index('id="summary-heading"'):html.index("</section>",
                                                                 html.index('id="summary-heading"'))]
    assert "(tiếng Anh)" in summary
    note = get(vi, f"/case-notes{NOTE_EN.removeprefix('/notes')}", lang="vi")
    assert text_of(note).count("(tiếng Anh)") >= 3  # title, summary, lessons
    translated = get(vi, f"/case-notes{NOTE_VI.removeprefix('/notes')}", lang="vi")
    h1 = re.search(r"<h1>(.*?)</h1>", translated, re.S)[1]
    assert "Bài học thử về dữ liệu" in h1 and "tiếng Anh" not in h1
    assert "Lập kế hoạch sớm." in translated and "Dữ liệu thử. Điều đã xảy ra." in translated


def test_an_authority_without_a_vietnamese_name_is_marked(vi: TestClient) -> None:
    html = get(vi, f"/instruments{CPTPP_CH14}", lang="vi")
    assert "Các Bên tham gia CPTPP" in html  # in the table
    from kb.authorities import authority_name, authority_vi

    assert authority_vi("Some Unknown Regulator") is None
    assert authority_name("Some Unknown Regulator", "vi") == "Some Unknown Regulator"
    assert (authority_name("European Parliament and Council", "vi")
            == "Nghị viện và Hội đồng châu Âu")


# -- citations -----------------------------------------------------------------------------
def test_vietnamese_citations_on_provision_pages(vi: TestClient) -> None:
    cases = {f"{DATA_LAW}/~art_23": ("Điều 23 Luật Dữ liệu 2024", "Law on Data 2024, Article 23"),
             f"{DATA_LAW}/~art_26__cl_3": ("Khoản 3 Điều 26 Luật Dữ liệu 2024",
                                           "Law on Data 2024, Article 26(3)"),
             f"{CPTPP_CH14}/~chp_14__art_14.11": ("Điều 14.11 Hiệp định CPTPP",
                                                 "CPTPP Chapter 14: Electronic Commerce, "
                                                 "Article 14.11")}
    for pid, (vi_cite, en_cite) in cases.items():
        html = get(vi, f"/provisions{pid}", lang="vi")
        assert f'<cite class="citation" lang="vi">{vi_cite}</cite>' in html, pid
        english = get(vi, f"/provisions{pid}", lang="en")
        assert f'<cite class="citation" lang="en">{en_cite}</cite>' in english, pid
        assert vi_cite not in english


def test_search_hits_cite_in_vietnamese(vi: TestClient) -> None:
    html = get(vi, "/search", q="core data transferred abroad", lang="vi")
    assert "Điều 23 Luật Dữ liệu 2024" in html
    english = get(vi, "/search", q="core data transferred abroad", lang="en")
    assert "Law on Data 2024, Article 23" in english and "Điều 23 Luật" not in english


def test_portion_forms() -> None:
    from kb.citations import cite_vi, portion_vi

    assert portion_vi("Section 26", "sec_26") == "Điều 26"
    assert portion_vi("Article 26(3)", "art_26__cl_3") == "Khoản 3 Điều 26"
    assert portion_vi("Điều 5", "art_5__cl_2__point_a") == "Điểm a Khoản 2 Điều 5"
    assert portion_vi("Article 14.11", "chp_14__art_14.11") == "Điều 14.11"
    assert portion_vi("Schedule 2", "sch_2") == "Phụ lục 2"
    assert cite_vi({"kind": "provision", "id": "/akn/sg/act/2012/26/~sec_26",
                    "number": "Section 26", "instrument_title": "Personal Data Protection Act"
                    }) == "Điều 26 Personal Data Protection Act"


# -- agreements by name ------------------------------------------------------------------------
def test_agreements_by_name(vi: TestClient) -> None:
    name_vi = "Hiệp định Đối tác Toàn diện và Tiến bộ xuyên Thái Bình Dương (CPTPP)"
    name_en = "Comprehensive and Progressive Agreement for Trans-Pacific Partnership (CPTPP)"
    html = get(vi, f"/instruments{CPTPP_CH14}", lang="vi")
    assert re.search(rf'class="agreement" data-code="cptpp">{re.escape(name_vi)}</dd>', html)
    english = get(vi, f"/provisions{CPTPP_CH14}/~chp_14__art_14.11", lang="en")
    assert re.search(rf'class="agreement" data-code="cptpp">{re.escape(name_en)}</dd>', english)
    grid = get(vi, "/compare", agreement="cptpp", jurisdiction="vn", topic=TOPIC, lang="vi")
    assert f'<th scope="row">{name_vi}' in grid
    assert re.search(r'name="agreement" value="cptpp"[^>]*>\s*<span>' + re.escape(name_vi), grid)
    assert ">CPTPP<" not in grid


# -- table of contents -------------------------------------------------------------------------
def test_long_instrument_has_a_table_of_contents(vi: TestClient) -> None:
    html = get(vi, f"/instruments{DATA_LAW}", lang="en")
    toc = html[html.index('<nav class="toc"'):html.index("</nav>", html.index('<nav class="toc"'))]
    groups = re.findall(r'<p class="toc-group"[^>]*>(.*?)</p>', toc)
    assert groups == list(CHAPTERS)
    anchors = re.findall(r'href="#([^"]+)"', toc)
    assert len(anchors) == 22 and anchors[0] == "art_1" and "art_26__cl_3" in anchors
    for anchor in anchors:  # every entry lands on a provision of the page
        assert f'<section class="provision" id="{anchor}">' in html
    vi_toc = get(vi, f"/instruments{DATA_LAW}", lang="vi")
    assert "Mục lục" in vi_toc and "Chuyển dữ liệu cốt lõi ra nước ngoài</span></a></li>" in vi_toc
    short = get(vi, f"/instruments{CPTPP_CH14}", lang="en")
    assert 'class="toc"' not in short


# -- exports -----------------------------------------------------------------------------------
def test_search_exports_in_vietnamese(vi: TestClient) -> None:
    params = {"q": "core data transferred abroad", "limit": 10}
    md = vi.get("/v1/search", params={**params, "format": "md", "lang": "vi"}).text
    assert "Điều 23 Luật Dữ liệu 2024" in md and "Kết quả tìm kiếm" in md
    rows = list(csv.DictReader(io.StringIO(
        vi.get("/v1/search", params={**params, "format": "csv", "lang": "vi"}).content
        .decode("utf-8-sig"))))
    row = next(r for r in rows if r["id"] == f"{DATA_LAW}/~art_23")
    assert row["instrument_title"] == "Luật Dữ liệu 2024"
    english = vi.get("/v1/search", params={**params, "format": "md", "lang": "en"}).text
    assert "Law on Data 2024, Article 23" in english and "Điều 23" not in english


def test_grid_exports_in_vietnamese(vi: TestClient, tmp_path: Path) -> None:
    params = {"agreement": "cptpp", "jurisdiction": "vn", "topic": TOPIC}
    md = vi.get("/v1/compare", params={**params, "format": "md", "lang": "vi"}).text
    assert "Điều 14.11 Hiệp định CPTPP" in md
    assert "Hiệp định Đối tác Toàn diện và Tiến bộ xuyên Thái Bình Dương (CPTPP)" in md
    rows = list(csv.DictReader(io.StringIO(
        vi.get("/v1/compare", params={**params, "format": "csv", "lang": "vi"}).content
        .decode("utf-8-sig"))))
    assert {"Điều 14.11 Hiệp định CPTPP", "Điều 23 Luật Dữ liệu 2024"} <= {r["citation"]
                                                                         for r in rows}
    path = tmp_path / "grid.xlsx"
    path.write_bytes(vi.get("/v1/compare", params={**params, "format": "xlsx",
                                                    "lang": "vi"}).content)
    book = load_workbook(path)
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
             if c.value]
    assert any("Điều 14.11 Hiệp định CPTPP" in c for c in cells)
    assert any(c.startswith("Hiệp định Đối tác Toàn diện") for c in cells)
    english = vi.get("/v1/compare", params={**params, "format": "md", "lang": "en"}).text
    assert "Article 14.11" in english and "Hiệp định" not in english


# -- in a browser --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def vi_server(vi_kb: KnowledgeBase) -> Iterator[str]:
    """uvicorn serving the Vietnamese fixture base on a free port."""

    from tests.web.conftest import served

    with served(vi_kb) as url:
        yield url


ONE_LINE = """els => els.map(el => {
  const rects = el.getClientRects();
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const line = parseFloat(style.lineHeight) || 1.5 * parseFloat(style.fontSize);
  return {text: el.textContent, rects: rects.length, height: box.height, line: line,
          right: box.right, width: window.innerWidth};
})"""


def test_phone_facet_counts_stay_on_one_line_and_the_toc_jumps(
        browser: Any, vi_server: str, screenshots: Path) -> None:
    context = browser.new_context(base_url=vi_server, viewport={"width": 375, "height": 800},
                                  locale="vi-VN")
    tab = context.new_page()
    try:
        tab.goto("/search?lang=vi")
        counts = tab.locator(".facet label.check .count")
        assert counts.count() > 5
        for box in counts.evaluate_all(ONE_LINE):
            assert box["rects"] == 1 and box["height"] <= box["line"] + 1, box
            assert box["right"] <= box["width"], box  # on the screen, not pushed off it
        tab.screenshot(path=str(screenshots / "vi-facets-375.png"), full_page=True)

        tab.goto(f"/instruments{DATA_LAW}?lang=vi")
        toc = tab.locator("nav.toc")
        assert toc.is_visible()
        assert toc.locator(".toc-group").all_inner_texts() == list(CHAPTERS)
        link = toc.locator('a[href="#art_23"]')
        assert "Chuyển dữ liệu cốt lõi ra nước ngoài" in link.inner_text()
        link.click()
        assert tab.url.endswith("#art_23")
        target = tab.locator("section.provision#art_23")
        top = target.evaluate("el => el.getBoundingClientRect().top")
        assert 0 <= top < 800, top  # the article is on the screen ...
        assert tab.evaluate("window.scrollY") > 0  # ... the page having scrolled to it
        tab.screenshot(path=str(screenshots / "vi-toc-375.png"))
    finally:
        context.close()
