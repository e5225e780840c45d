"""The JSON API in Vietnamese (``lang=vi``): search hits and grid cells cite as the web pages do
("Điều 14.11 Hiệp định CPTPP"), agreements are named rather than coded in display fields, the
codes stay in their own fields, and the OpenAPI schema says so. The MCP server cites the same
way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kb.core import KnowledgeBase
from tests.conftest import api_client, indexed_kb
from tests.web.test_vietnamese import CPTPP_CH14, DATA_LAW, TOPIC, VietnameseKB, records

CPTPP_VI = "Hiệp định Đối tác Toàn diện và Tiến bộ xuyên Thái Bình Dương (CPTPP)"
CPTPP_EN = "Comprehensive and Progressive Agreement for Trans-Pacific Partnership (CPTPP)"
ART_1411 = f"{CPTPP_CH14}/~chp_14__art_14.11"
CITES = {  # id -> (Vietnamese, English)
    f"{DATA_LAW}/~art_23": ("Điều 23 Luật Dữ liệu 2024", "Law on Data 2024, Article 23"),
    f"{DATA_LAW}/~art_26__cl_3": ("Khoản 3 Điều 26 Luật Dữ liệu 2024",
                                  "Law on Data 2024, Article 26(3)"),
    ART_1411: ("Điều 14.11 Hiệp định CPTPP",
               "CPTPP Chapter 14: Electronic Commerce, Article 14.11"),
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    home: Path = tmp_path_factory.mktemp("api-vi")
    base = indexed_kb(home, records(), VietnameseKB)
    yield base
    base.close()


@pytest.fixture(scope="module")
def api(kb: KnowledgeBase) -> Iterator[TestClient]:
    with api_client(kb) as client:
        yield client


def hits(api: TestClient, lang: str, **params: Any) -> dict[str, dict[str, Any]]:
    res = api.get("/v1/search", params={"q": "cross-border transfer", "limit": 20, "lang": lang,
                                        **params})
    assert res.status_code == 200, res.text
    return {h["id"]: h for h in res.json()["hits"]}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_search_hits_cite_in_the_language_asked(api: TestClient, lang: str) -> None:
    found = hits(api, lang)
    assert set(CITES) <= set(found)
    for record_id, (vi, en) in CITES.items():
        assert found[record_id]["citation"] == (vi if lang == "vi" else en), record_id
    treaty = found[ART_1411]
    assert treaty["agreement"] == "cptpp"  # the code, in its own field
    assert treaty["agreement_name"] == (CPTPP_VI if lang == "vi" else CPTPP_EN)
    # the record's own title is not rewritten
    assert treaty["title"] == ("Article 14.11 Cross-Border Transfer of Information by "
                               "Electronic Means")
    law = found[f"{DATA_LAW}/~art_23"]
    assert law["agreement"] is None and law["agreement_name"] is None


def test_search_instrument_hits_cite_their_vietnamese_title(api: TestClient) -> None:
    found = hits(api, "vi", kind="instrument", q="")
    assert found[DATA_LAW]["citation"] == "Luật Dữ liệu 2024"
    assert found[CPTPP_CH14]["agreement"] == "cptpp"
    assert found[CPTPP_CH14]["agreement_name"] == CPTPP_VI


def test_search_lang_is_checked(api: TestClient) -> None:
    res = api.get("/v1/search", params={"q": "data", "lang": "fr"})
    assert res.status_code in (400, 422)


def grid(api: TestClient, lang: str) -> dict[str, Any]:
    res = api.get("/v1/compare", params={"topic": TOPIC, "jurisdiction": "vn",
                                         "agreement": "cptpp", "per_cell": 5, "lang": lang})
    assert res.status_code == 200, res.text
    return res.json()


def test_compare_cells_cite_in_vietnamese(api: TestClient) -> None:
    data = grid(api, "vi")
    rows = {r["key"]: r for r in data["rows"]}
    assert rows["agreement:cptpp"]["label"] == CPTPP_VI  # a name, never "CPTPP"
    assert rows["agreement:cptpp"]["agreement_name"] == CPTPP_VI
    assert rows["agreement:cptpp"]["code"] == "cptpp" and rows["vn"]["label"] == "Việt Nam"
    cited = {h["id"]: h for cell in data["cells"] for h in cell["hits"]}
    assert cited[ART_1411]["citation"] == "Điều 14.11 Hiệp định CPTPP"
    assert cited[ART_1411]["citation_en"] == CITES[ART_1411][1]
    assert cited[ART_1411]["agreement"] == "cptpp"
    assert cited[ART_1411]["agreement_name"] == CPTPP_VI
    assert cited[f"{DATA_LAW}/~art_23"]["citation"] == "Điều 23 Luật Dữ liệu 2024"
    cells = {c["row"] for c in data["cells"]}
    assert cells == {"vn", "agreement:cptpp"}  # cells keep the row codes


def test_compare_in_english_names_agreements_too(api: TestClient) -> None:
    data = grid(api, "en")
    row = next(r for r in data["rows"] if r["key"] == "agreement:cptpp")
    assert row["label"] == CPTPP_EN
    cited = {h["id"]: h for cell in data["cells"] for h in cell["hits"]}
    assert cited[ART_1411]["citation"] == CITES[ART_1411][1]


def test_openapi_documents_the_vietnamese_fields(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    hit = spec["components"]["schemas"]["Hit"]["properties"]
    assert {"citation", "agreement", "agreement_name"} <= set(hit)
    assert "lang=vi" in hit["citation"]["description"]
    search = spec["paths"]["/v1/search"]["get"]
    assert "Điều 26" in search["description"] and "agreement_name" in search["description"]
    lang = next(p for p in search["parameters"] if p["name"] == "lang")
    assert "citation" in lang["description"]
    grid_doc = spec["paths"]["/v1/compare"]["get"]["description"]
    assert "citation" in grid_doc and "agreement_name" in grid_doc and "lang=vi" in grid_doc


def test_mcp_cites_in_the_same_form(kb: KnowledgeBase) -> None:
    from api.mcp_server import Citer

    citer = Citer(kb, "vi", {})
    docs = kb.get_many([*CITES, CPTPP_CH14])
    citer.prefetch(docs)
    by_id = {d["id"]: citer.citation(d) for d in docs}
    for record_id, (vi, _) in CITES.items():
        assert by_id[record_id] == vi, record_id
    assert by_id[CPTPP_CH14] == "CPTPP – Chương 14: Thương mại điện tử"
    english = Citer(kb, "en", {})
    assert english.citation(next(d for d in docs if d["id"] == ART_1411)) == CITES[ART_1411][1]
