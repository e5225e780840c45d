"""Reference lists in the API (topics, jurisdictions, agreements), the offline API docs, and
clear errors for values no record can have."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import api_client, indexed_kb
from tests.contract.records import records


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = tmp_path_factory.mktemp("reference")
    kb = indexed_kb(home, records())
    with api_client(kb) as c:
        yield c


def test_topics(client: TestClient) -> None:
    rows = client.get("/v1/topics").json()
    auction = next(r for r in rows if r["id"] == "spectrum/auction")
    assert auction["label_vi"].startswith("Đấu giá") and auction["parent"] == "spectrum"
    found = client.get("/v1/topics", params={"q": "dau gia tan so"}).json()
    assert "spectrum/auction" in [r["id"] for r in found] and len(found) < len(rows)
    sector = client.get("/v1/topics", params={"sector": "spectrum"}).json()
    assert sector and all(r["sector"] == "spectrum" for r in sector)
    bad = client.get("/v1/topics", params={"sector": "space"})
    assert bad.status_code == 400 and "one of telecom, spectrum" in bad.json()["detail"]


def test_jurisdictions(client: TestClient) -> None:
    body = client.get("/v1/jurisdictions").json()
    assert len(body["jurisdictions"]) > 240 and body["groups"]["ipef"]["name_vi"]
    ipef = client.get("/v1/jurisdictions", params={"group": "ipef"}).json()["jurisdictions"]
    assert len(ipef) == 14 and {"code": "vn", "name": "Viet Nam", "name_vi": "Việt Nam",
                                "alpha3": "VNM", "groups": ["ipef", "asean", "cptpp", "rcep",
                                                            "apec"]} in ipef
    korea = client.get("/v1/jurisdictions", params={"q": "Hàn Quốc"}).json()["jurisdictions"]
    assert [r["code"] for r in korea] == ["kr"]
    bad = client.get("/v1/jurisdictions", params={"group": "nato"})
    assert bad.status_code == 400 and "one of ipef" in bad.json()["detail"]


def test_agreements_have_vietnamese_names(client: TestClient) -> None:
    rows = {r["agreement"]: r for r in client.get("/v1/agreements").json()}
    assert {"cptpp", "depa", "rcep", "usmca", "wto-ecom"} <= set(rows)
    assert rows["depa"]["title_vi"] == "Hiệp định Đối tác Kinh tế số (DEPA)"
    assert all(r["title_vi"] for r in rows.values())


@pytest.mark.parametrize(("params", "says"), [
    ({"status": "inforce"}, "unknown status: 'inforce' (one of in-force"),
    ({"type": "statute"}, "unknown type: 'statute' (one of act"),
    ({"language": "xx"}, "unknown language: 'xx' (one of"),
    ({"agreement": "xyz"}, "unknown agreement: 'xyz' (one of testfta)"),
    ({"topic": "spectrum auctoin"}, "did you mean spectrum/auction"),
    ({"jurisdiction": "Singapore"}, "did you mean sg?"),
    ({"lang": "fr", "format": "md"}, "lang"),
])
def test_unknown_values_are_400_naming_the_valid_ones(client: TestClient, params: dict,
                                                      says: str) -> None:
    res = client.get("/v1/search", params={"q": "data", **params})
    assert res.status_code == 400 and says in res.json()["detail"], res.text


def test_compare_rejects_unknown_agreement_and_lang(client: TestClient) -> None:
    topic = "digital-economy/cross-border-data"
    res = client.get("/v1/compare", params={"topic": topic, "agreement": "xyz"})
    assert res.status_code == 400 and "one of testfta" in res.json()["detail"]
    res = client.get("/v1/compare", params={"topic": topic, "jurisdiction": "sg", "lang": "fr"})
    assert res.status_code == 400 and "lang" in res.json()["detail"]


def test_pages_say_an_unknown_lang(client: TestClient) -> None:
    html = client.get("/search", params={"q": "data", "lang": "fr"}).text
    assert 'role="alert">unknown lang: &#39;fr&#39; (en or vi)' in html
    assert 'role="alert"' not in client.get("/search", params={"q": "data", "lang": "vi"}).text


def test_api_docs_use_local_assets_only(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        res = client.get(path)
        assert res.status_code == 200
        assert "default-src 'self'" in res.headers["content-security-policy"]
        urls = re.findall(r'(?:src|href)="([^"]+)"', res.text)
        assert urls and all(u.startswith("/") for u in urls), urls
        assert "cdn." not in res.text and "googleapis" not in res.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        res = client.get(f"/docs/assets/{asset}")
        assert res.status_code == 200 and len(res.content) > 100_000, asset
    assert client.get("/docs/oauth2-redirect").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/topics", "/v1/jurisdictions", "/v1/agreements"} <= set(paths)
    assert "/docs" not in paths
