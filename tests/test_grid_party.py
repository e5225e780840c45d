"""A grid read for Viet Nam: is it bound by each agreement, since when, and which of its own
measures are linked to the commitments shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.config import Settings
from kb.core import KnowledgeBase

CPTPP_1413 = "/akn/int/agreement-chapter/2018/cptpp-ch14/~chp_14__art_14.13"


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    home: Path = tmp_path_factory.mktemp("grid-party")
    kb = KnowledgeBase(Settings(home=home))
    kb.index()
    yield kb
    kb.close()


def test_agreement_rows_say_whether_viet_nam_is_bound_and_since_when(
    bundled: KnowledgeBase,
) -> None:
    grid = bundled.compare(["digital-economy/data-localisation"], agreements=["cptpp", "depa"])
    rows = {r["key"]: r for r in grid.to_dict()["rows"]}
    assert rows["agreement:cptpp"]["bound"] == {
        "bound": True, "status": "in-force", "since": "2019-01-14"
    }
    assert rows["agreement:depa"]["bound"]["bound"] is False
    assert bundled.compare(["digital-economy/data-localisation"], agreements=["cptpp"],
                           party=None).to_dict()["rows"][0].get("bound") is None


def test_cells_show_viet_nams_measures_under_a_commitment(bundled: KnowledgeBase) -> None:
    grid = bundled.compare(["digital-economy/data-localisation"], agreements=["cptpp"])
    hits = [h for c in grid.to_dict()["cells"] for h in c["hits"]]
    shown = {h["id"]: h["measures"] for h in hits}
    assert CPTPP_1413 in shown
    measures = shown[CPTPP_1413]
    assert measures and all(m["domestic"].startswith("/akn/vn/") for m in measures)
    assert {m["relation"] for m in measures} & {"conflicts", "reserved-nonconforming",
                                                "conforms", "relevant", "implements"}
    record = next(r for r in grid.records() if r["id"] == CPTPP_1413)
    assert record["party_bound"] is True and record["party_measures"]


def test_the_grid_page_says_it_in_both_languages(bundled: KnowledgeBase) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.deps import get_kb

    app = create_app()
    app.dependency_overrides[get_kb] = lambda: bundled
    params = {"topic": "digital-economy/data-localisation", "agreement": "cptpp"}
    with TestClient(app) as client:
        en = client.get("/compare", params={**params, "lang": "en"}).text
        vi = client.get("/compare", params={**params, "lang": "vi"}).text
    assert "VN bound since 2019-01-14" in en and "VN&#39;s measures under this commitment" in en
    assert "VN bị ràng buộc từ 2019-01-14" in vi and "Biện pháp của VN theo cam kết này" in vi
