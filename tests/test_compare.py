"""Comparison grids, coverage, diffs, counterparts and exports, via Python, CLI and HTTP."""

from __future__ import annotations

import csv
import io
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from kb.core import KnowledgeBase
from kb.errors import InvalidQuery
from kb.export import export_coverage, export_grid
from kb.taxonomy import taxonomy
from tests.conftest import api_client, indexed_kb
from tests.contract.records import SEARCHABLE_IDS as IDS
from tests.contract.records import records

CROSS_BORDER = "digital-economy/cross-border-data"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    home = tmp_path_factory.mktemp("compare")
    yield indexed_kb(home, records())


@pytest.fixture(scope="module")
def client(kb: KnowledgeBase) -> Iterator[TestClient]:
    with api_client(kb) as c:
        yield c


def test_grid_rows_columns_and_cells(kb: KnowledgeBase) -> None:
    grid = kb.compare(["chuyển dữ liệu xuyên biên giới", "spectrum auctions"], "ipef",
                      agreements=["testfta"])
    assert grid.topics == [CROSS_BORDER, "spectrum/auction"]
    assert len(grid.rows) == 15 and grid.rows[-1].key == "agreement:testfta"
    assert [h.id for h in grid.cell("sg", CROSS_BORDER).hits] == [IDS["sg_sec26"]]
    assert grid.cell("agreement:testfta", CROSS_BORDER).hits[0].strength == "binding"
    assert grid.cell("vn", "spectrum/auction").hits[0].id == IDS["vn_dieu1"]
    empty = grid.cell("fj", CROSS_BORDER)
    assert empty.empty and empty.level == "none"


def test_empty_cells_say_nothing_found(kb: KnowledgeBase) -> None:
    grid = kb.compare([CROSS_BORDER], ["fj", "sg"])
    rows = grid.to_pandas()
    fj = rows[rows["row"] == "fj"].iloc[0]
    assert not fj["found"] and fj["citation"] == "nothing found"
    vi = grid.records("vi")
    assert next(r for r in vi if r["row"] == "fj")["citation"] == "không tìm thấy"


def test_grid_falls_back_to_instruments(kb: KnowledgeBase) -> None:
    grid = kb.compare(["digital-economy/personal-data"], ["eu"])
    cell = grid.cell("eu", "digital-economy/personal-data")
    assert cell.level == "instrument" and cell.hits[0].id == "/akn/eu/act/directive/1995/46"


def test_grid_uses_batched_searches(kb: KnowledgeBase) -> None:
    calls = []
    original = kb.backend.search_many

    def counting(queries):
        calls.append(len(queries))
        return original(queries)

    kb.backend.search_many = counting  # type: ignore[method-assign]
    try:
        kb.compare([CROSS_BORDER, "spectrum/auction"], "ipef")
    finally:
        del kb.backend.search_many
    assert calls[0] == 28 and len(calls) <= 2


def test_bad_grid_requests(kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidQuery):
        kb.compare(["no such topic at all"], "sg")
    with pytest.raises(InvalidQuery):
        kb.compare([], "sg")
    with pytest.raises(InvalidQuery):
        kb.compare([CROSS_BORDER], [])


def test_exports(kb: KnowledgeBase, tmp_path: Path) -> None:
    grid = kb.compare([CROSS_BORDER], ["sg", "fj"], agreements=["testfta"])
    rows = list(csv.DictReader(io.StringIO(export_grid(grid, "csv").decode("utf-8-sig"))))
    assert {r["row_label"] for r in rows} >= {"Fiji"} and any(r["strength"] == "binding"
                                                              for r in rows)
    md = export_grid(grid, "md").decode()
    assert "| Fiji | _nothing found_ |" in md
    assert "[Personal Data Protection Act 2012, Section 26](https://sso.agc.gov.sg/" in md
    path = tmp_path / "grid.xlsx"
    path.write_bytes(export_grid(grid, "xlsx"))
    grid_sheet, sheet = load_workbook(path).worksheets  # rows x topics, then one provision a row
    assert [c.value for c in grid_sheet[1]][-1] == "Cross-border transfer of data"
    header = [c.value for c in sheet[1]]
    cite_col = header.index("Provision") + 1
    linked = [sheet.cell(row=i, column=cite_col) for i in range(2, sheet.max_row + 1)]
    assert any(c.hyperlink and c.hyperlink.target.startswith("https://") for c in linked)
    assert sheet.column_dimensions["D"].width > 10
    vi = export_grid(grid, "md", "vi").decode()
    assert "không tìm thấy" in vi


def test_coverage(kb: KnowledgeBase) -> None:
    cov = kb.coverage(["sg", "vn", "kr"])
    df = cov.to_pandas()
    assert cov.count == "instruments" and cov.kinds == ["instrument"]
    assert df.loc["Singapore", taxonomy().get(CROSS_BORDER).label] == 1  # one act
    by_provision = kb.coverage(["sg"], count="provisions").to_pandas()
    assert by_provision.loc["Singapore", taxonomy().get(CROSS_BORDER).label] == 1  # its s 26
    assert "telecom/2g-sunset" in cov.columns
    assert df.loc[df.index[2], taxonomy().get(
        "telecom/2g-sunset").label] == 0  # the case note is not an instrument or provision
    notes = kb.coverage(["kr"], kinds=["case-note"])
    assert notes.counts["kr"]["telecom/2g-sunset"] == 1
    by_sector = kb.coverage(["sg", "vn"], by="sector")
    assert by_sector.columns == ["telecom", "spectrum", "digital-economy", "ipef"]
    assert by_sector.counts["vn"]["spectrum"] == 1  # one law ...
    assert kb.coverage(["vn"], by="sector", count="provisions").counts["vn"]["spectrum"] == 2
    assert "| Singapore |" in export_coverage(by_sector, "md").decode()


def test_plots_are_figures(kb: KnowledgeBase) -> None:
    import matplotlib

    matplotlib.use("Agg")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a layout that does not fit warns in the notebook
        ax = kb.coverage(["sg", "vn"], by="sector").plot(lang="vi")
        ax.figure.canvas.draw()
        assert ax.get_title() == "Bản đồ văn bản pháp luật"
        assert [t.get_text() for t in ax.get_yticklabels()] == ["Xin-ga-po", "Việt Nam"]
        ax = kb.compare([CROSS_BORDER], ["sg", "fj"]).plot()
        ax.figure.canvas.draw()
        assert len(ax.images) == 1


def test_diff_word_level(kb: KnowledgeBase) -> None:
    d = kb.diff("Each Party shall allow the transfer.", "Each Party may allow the transfer.")
    assert d.text() == "Each Party [-shall-]{+may+} allow the transfer."
    assert "<del>shall</del><ins>may</ins>" in d.html()
    two = kb.diff(IDS["sg_sec26"], IDS["treaty_1411"])
    assert two.left_id == IDS["sg_sec26"] and 0 < two.similarity < 1
    frame = d.to_pandas()
    assert list(frame.columns) == ["op", "text", "left", "right"]
    assert frame[frame.op != "equal"][["op", "text"]].values.tolist() == [
        ["delete", "shall"], ["insert", "may"]]
    assert set(two.to_pandas().right) == {IDS["treaty_1411"]}


def test_diff_escapes_html(kb: KnowledgeBase) -> None:
    d = kb.diff("<b>x</b>", "<i>x</i>")
    assert "<b>" not in d.html() and "&lt;b&gt;" in d.html()


def test_counterparts_from_a_provision_exclude_its_own_jurisdiction(kb: KnowledgeBase) -> None:
    result = kb.counterparts(IDS["sg_sec26"])
    assert "sg" not in result.groups
    assert any(IDS["treaty_1411"] in [h.id for h in hits] or IDS["jp_art28"] in
               [h.id for h in hits] for hits in result.groups.values())


def test_counterparts_of_pasted_text_store_nothing(kb: KnowledgeBase) -> None:
    before = sorted(p.name for p in kb.settings.home.iterdir())
    result = kb.counterparts("A Party shall not require the transfer of personal data outside "
                             "its territory to be approved, except for a legitimate objective.")
    assert result.groups
    assert sorted(p.name for p in kb.settings.home.iterdir()) == before


def test_api_compare_json_and_downloads(client: TestClient) -> None:
    res = client.get("/v1/compare", params={"topic": "cross-border data flows",
                                            "jurisdiction": ["sg", "fj"]})
    assert res.status_code == 200, res.text
    body = res.json()
    assert {c["row"] for c in body["cells"]} == {"sg", "fj"}
    csv_res = client.get("/v1/compare", params={"topic": CROSS_BORDER, "jurisdiction": "ipef",
                                                "format": "csv"})
    assert csv_res.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_res.headers["content-disposition"]
    xlsx = client.get("/v1/compare", params={"topic": CROSS_BORDER, "jurisdiction": "sg",
                                             "format": "xlsx"})
    assert xlsx.content[:2] == b"PK"
    md = client.get("/v1/compare", params={"topic": CROSS_BORDER, "jurisdiction": "sg",
                                           "format": "md", "lang": "vi"})
    assert md.text.startswith("# So sánh")


def test_api_coverage_diff_counterparts(client: TestClient) -> None:
    cov = client.get("/v1/compare/coverage", params={"jurisdiction": "ipef", "by": "sector"})
    assert cov.status_code == 200 and len(cov.json()["matrix"]) == 14
    diff = client.get("/v1/compare/diff", params={"left": IDS["sg_sec26"],
                                                  "right": IDS["treaty_1411"]})
    assert diff.status_code == 200 and "<del>" in diff.json()["html"]
    assert client.get("/v1/compare/diff", params={"left": IDS["sg_sec26"],
                                                  "right": "/akn/zz/act/1/x"}).status_code == 404
    cp = client.get(f"/v1/provisions{IDS['sg_sec26']}/counterparts")
    assert cp.status_code == 200 and cp.json()["source"] == IDS["sg_sec26"]


def test_api_pasted_text_limits_and_privacy(client: TestClient,
                                            caplog: pytest.LogCaptureFixture) -> None:
    secret = "Draft clause zebracorn: transfer of personal data outside the territory"
    with caplog.at_level(logging.DEBUG):
        res = client.post("/v1/counterparts", json={"text": secret})
    assert res.status_code == 200
    assert "zebracorn" not in caplog.text
    too_long = client.post("/v1/counterparts", json={"text": "x " * 20_001})
    assert too_long.status_code == 400
    assert too_long.headers["content-type"].startswith("application/problem+json")
    assert client.post("/v1/counterparts", json={}).status_code == 400


def test_api_compare_errors_are_problems(client: TestClient) -> None:
    for params in ({"topic": "nonsense topic"}, {"topic": CROSS_BORDER},
                   {"topic": CROSS_BORDER, "jurisdiction": "sg", "format": "pdf"},
                   {"topic": CROSS_BORDER, "jurisdiction": "sg", "per_cell": 99}):
        res = client.get("/v1/compare", params=params)
        assert res.status_code == 400, (params, res.text)
        assert res.headers["content-type"].startswith("application/problem+json")


def test_search_export_formats(client: TestClient) -> None:
    res = client.get("/v1/search", params={"q": "personal data", "format": "csv"})
    assert res.status_code == 200 and "Personal Data Protection Act" in res.text
    md = client.get("/v1/search", params={"q": "personal data", "format": "md"})
    assert md.text.startswith("# Search results")
