"""Exports a negotiator can send: the XLSX grid (rows x topics), the Markdown brief, lang."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from api.deps import get_kb
from kb.core import KnowledgeBase
from kb.errors import InvalidQuery
from kb.export import STRENGTHS, export_grid, export_results, trim
from kb.search import Hit
from tests.conftest import indexed_kb
from tests.contract.records import SEARCHABLE_IDS as IDS
from tests.contract.records import records

CROSS_BORDER = "digital-economy/cross-border-data"
AUCTION = "spectrum/auction"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    home = tmp_path_factory.mktemp("export")
    yield indexed_kb(home, records())


@pytest.fixture(scope="module")
def book(kb: KnowledgeBase):
    grid = kb.compare([CROSS_BORDER, AUCTION], ["sg", "fj", "vn"], agreements=["testfta"])
    return load_workbook(io.BytesIO(export_grid(grid, "xlsx", base_url="https://kb.example/")))


def test_xlsx_grid_is_rows_by_topics(book) -> None:
    ws = book.worksheets[0]
    assert ws.title == "Comparison"
    header = [c.value for c in ws[1]]
    assert header[0] == "Jurisdiction / agreement"
    assert header[-2:] == ["Cross-border transfer of data", "Spectrum auctions"]
    labels = [ws.cell(row=r, column=1).value for r in range(2, 6)]
    assert labels == ["Singapore", "Fiji", "Viet Nam", "TESTFTA"]
    sg = ws.cell(row=2, column=header.index("Cross-border transfer of data") + 1)
    assert sg.value.startswith("Personal Data Protection Act 2012, Section 26")
    assert sg.alignment.wrap_text and sg.alignment.vertical == "top"
    fj = ws.cell(row=3, column=header.index("Cross-border transfer of data") + 1)
    assert fj.value == "nothing found" and fj.font.italic
    assert ws.freeze_panes == f"{'C' if len(header) == 4 else 'B'}2"


def test_xlsx_grid_cells_carry_strength_colour_legend_and_links(book) -> None:
    ws, detail = book.worksheets
    header = [c.value for c in ws[1]]
    fta = ws.cell(row=5, column=header.index("Cross-border transfer of data") + 1)
    assert "Binding" in fta.value  # the strength, spelt for a reader
    assert fta.fill.fgColor.rgb.endswith(STRENGTHS["binding"][2])
    assert fta.hyperlink.location.startswith(f"'{detail.title}'!A")  # to its provisions
    column_a = [ws.cell(row=r, column=1).value for r in range(1, ws.max_row + 1)]
    legend = column_a.index("Strength of commitment")
    assert column_a[legend + 1:legend + 7] == [en for en, _, _ in STRENGTHS.values()]
    assert ws.cell(row=legend + 2, column=1).fill.fgColor.rgb.endswith(
        STRENGTHS["binding"][2])

    dh = [c.value for c in detail[1]]
    assert dh[:4] == ["Jurisdiction / agreement", "Topic", "Rank", "Provision"]
    assert detail.freeze_panes == "A2"
    row = next(r for r in range(2, detail.max_row + 1)
               if detail.cell(row=r, column=dh.index("Id") + 1).value == IDS["sg_sec26"])
    cite = detail.cell(row=row, column=dh.index("Provision") + 1)
    assert cite.hyperlink.target.startswith("https://sso.agc.gov.sg/")
    page = detail.cell(row=row, column=dh.index("Provision page") + 1)
    assert page.hyperlink.target == "https://kb.example/provisions" + IDS["sg_sec26"]


def test_xlsx_has_no_none_cells(book) -> None:
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert all(v != "None" and "None" not in str(v or "") for v in row), row


def test_xlsx_grid_in_vietnamese(kb: KnowledgeBase) -> None:
    grid = kb.compare([CROSS_BORDER], ["sg", "fj"], agreements=["testfta"])
    ws = load_workbook(io.BytesIO(export_grid(grid, "xlsx", "vi"))).worksheets[0]
    assert ws.title == "So sánh" and ws.cell(row=1, column=1).value == "Quốc gia / hiệp định"
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "không tìm thấy" in values and "Ràng buộc" in values and "Mức độ cam kết" in values


def test_trim_cuts_at_a_word_boundary() -> None:
    assert trim("short", 10) == "short"
    assert trim("the quick brown fox", 12) == "the quick…"
    assert trim("Chuyển dữ liệu cá nhân ra nước ngoài", 20) == "Chuyển dữ liệu cá…"
    assert trim("one,  two\nthree", 50) == "one, two three"


def test_markdown_brief_never_cuts_words(kb: KnowledgeBase) -> None:
    grid = kb.compare([CROSS_BORDER], ["sg"], agreements=["testfta"])
    long = " ".join(["interoperability"] * 40)
    for cell in grid.cells.values():
        for hit in cell.hits:
            hit.excerpt = long
    md = export_grid(grid, "md").decode()
    excerpts = [line.rsplit("|", 2)[-2].strip() for line in md.splitlines()
                if line.startswith("| ") and "interoperability" in line]
    assert excerpts
    for text in excerpts:
        assert text.endswith("…") and len(text) <= 221
        assert set(text.removesuffix("…").split()) == {"interoperability"}


def test_results_exports_trim_and_label(kb: KnowledgeBase) -> None:
    result = kb.search("personal data", limit=3)
    result.hits.append(Hit(id="/akn/xx/act/2000/1", kind="instrument", title="Long",
                           excerpt="word " * 100))
    md = export_results(result, "md").decode()
    assert re.search(r"word…", md) and "wor…" not in md
    ws = load_workbook(io.BytesIO(export_results(result, "xlsx", "vi"))).active
    assert ws.cell(row=1, column=1).value == "Mã" and ws.freeze_panes == "A2"
    assert all("None" not in str(v or "") for row in ws.iter_rows(values_only=True)
               for v in row)


@pytest.mark.parametrize("fmt", ["md", "csv", "xlsx", "json"])
def test_unknown_lang_is_an_error(kb: KnowledgeBase, fmt: str) -> None:
    grid = kb.compare([CROSS_BORDER], ["sg"])
    with pytest.raises(InvalidQuery, match="unknown lang 'fr' .*en, vi"):
        export_grid(grid, fmt, "fr")


def test_api_grid_links_to_this_server(kb: KnowledgeBase) -> None:
    app = create_app()
    app.dependency_overrides[get_kb] = lambda: kb
    with TestClient(app) as client:
        res = client.get("/v1/compare", params={"topic": CROSS_BORDER, "jurisdiction": "sg",
                                                "format": "xlsx"})
    assert res.status_code == 200
    detail = load_workbook(io.BytesIO(res.content)).worksheets[1]
    pages = [c.hyperlink.target for c in detail["K"][1:] if c.hyperlink]
    assert pages and all(p.startswith("http://testserver/provisions/akn/") for p in pages)
