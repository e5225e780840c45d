"""The HTTP API on the embedded backend: shapes, problem+json errors, hostile input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_kb
from kb.backends.embedded import TantivyBackend
from kb.config import Settings
from kb.core import KnowledgeBase
from tests.conftest import api_client, indexed_kb
from tests.contract.records import records


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = tmp_path_factory.mktemp("api")
    kb = indexed_kb(home, records())
    with api_client(kb) as c:
        yield c


def test_search_shape(client: TestClient) -> None:
    res = client.get("/v1/search", params={"q": "personal data", "jurisdiction": "sg"})
    assert res.status_code == 200
    body = res.json()
    assert {"total", "total_exact", "hits", "facets", "facets_exact", "did_you_mean"} == set(body)
    assert body["did_you_mean"] is None
    hit = body["hits"][0]
    for key in (
        "id",
        "kind",
        "title",
        "jurisdiction",
        "number",
        "path",
        "instrument_id",
        "source_url",
        "snippet",
        "score",
    ):
        assert key in hit
    assert body["facets"]["jurisdictions"] == {"sg": body["total"]}


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_search_answer_is_what_its_schema_says(client: TestClient, lang: str) -> None:
    """The answer is encoded directly: it must still be exactly a SearchResult, every field
    of every hit present (the schema's defaults included) and nothing else."""
    from api.routes.search import Hit, SearchResult

    body = client.get("/v1/search", params={"q": "personal data", "lang": lang}).json()
    assert body["hits"]
    model = SearchResult.model_validate(body)
    assert body == model.model_dump(mode="json", exclude={"query"})
    assert all(set(hit) == set(Hit.model_fields) for hit in body["hits"])
    assert all(hit["citation"] for hit in body["hits"])


def test_search_offset_pages(client: TestClient) -> None:
    a = client.get("/v1/search", params={"limit": 3}).json()
    b = client.get("/v1/search", params={"limit": 3, "offset": 3}).json()
    assert not {h["id"] for h in a["hits"]} & {h["id"] for h in b["hits"]}
    after = json.dumps(a["hits"][-1]["sort"])
    c = client.get("/v1/search", params={"limit": 3, "after": after}).json()
    assert [h["id"] for h in c["hits"]] == [h["id"] for h in b["hits"]]


def test_vietnamese_query(client: TestClient) -> None:
    ids = [h["id"] for h in client.get("/v1/search", params={"q": "dau gia tan so"}).json()["hits"]]
    assert "/akn/vn/act/2022/09-2022-qh15/~dieu_1" in ids


def test_group_filter(client: TestClient) -> None:
    res = client.get(
        "/v1/search", params={"q": "personal data", "jurisdiction": "ipef", "kind": "instrument"}
    ).json()
    found = {h["jurisdiction"] for h in res["hits"]}
    # IPEF partners only (the Vietnamese text is found through the glossary: "dữ liệu" data)
    assert {"sg", "jp"} <= found <= {"sg", "jp", "vn"}


def test_instrument_with_provisions(client: TestClient) -> None:
    res = client.get("/v1/instruments/akn/sg/act/2012/26")
    assert res.status_code == 200
    body = res.json()
    assert [p["number"] for p in body["provisions"]] == ["Section 24", "Section 26", "Section 26D"]
    assert body["provisions"][0]["path"] == ["Part 6"]
    provs = client.get("/v1/instruments/akn/sg/act/2012/26/provisions").json()
    assert len(provs) == 3


def test_provision(client: TestClient) -> None:
    res = client.get("/v1/provisions/akn/sg/act/2012/26/~sec_26")
    assert res.status_code == 200
    assert res.json()["heading"] == "Transfer of personal data outside Singapore"


def test_case_notes(client: TestClient) -> None:
    res = client.get("/v1/case-notes", params={"jurisdiction": "kr"}).json()
    assert res["total"] == 1 and res["items"][0]["id"] == "/notes/kr/2021/2g-shutdown"


def test_reference_lists(client: TestClient) -> None:
    juris = client.get("/v1/jurisdictions").json()
    assert sorted(juris["groups"]["ipef"]["members"]) == sorted(
        ["au", "bn", "fj", "in", "id", "jp", "kr", "my", "nz", "ph", "sg", "th", "us", "vn"]
    )
    topics = client.get("/v1/topics").json()
    assert any(t["id"] == "spectrum/auction" and t["label_vi"] for t in topics)


def test_health(client: TestClient) -> None:
    res = client.get("/v1/health")
    assert res.status_code == 200 and res.json()["status"] == "ok"


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/v1/search" in paths


@pytest.mark.parametrize(
    "path,status",
    [
        ("/v1/instruments/akn/sg/act/2012/99", 404),
        ("/v1/instruments/not-an-id", 404),
        ("/v1/provisions/akn/sg/act/2012/26", 404),
        ("/v1/provisions/akn/sg/act/2012/26/~nope", 404),
        ("/v1/nothing-here", 404),
    ],
)
def test_unknown_ids_are_404_problems(client: TestClient, path: str, status: int) -> None:
    res = client.get(path)
    assert res.status_code == status
    assert res.headers["content-type"].startswith("application/problem+json")
    body = res.json()
    assert body["status"] == status and body["detail"]


@pytest.mark.parametrize(
    "params,status",
    [
        ({"q": "-data"}, 400),
        ({"jurisdiction": "atlantis"}, 400),
        ({"topic": "underwater basket weaving"}, 400),
        ({"sector": "fisheries"}, 400),
        ({"kind": "poem"}, 400),
        ({"limit": 0}, 400),
        ({"limit": 1000}, 400),
        ({"offset": -1}, 400),
        ({"date_from": "2020-13-01"}, 400),
        ({"date_from": "2021-01-01", "date_to": "2020-01-01"}, 400),
        ({"q": "x" * 501}, 400),
        ({"after": "[1,"}, 400),
        ({"after": '["x"]'}, 400),
        ({"after": "[1, 2, 3]"}, 400),
        ({"after": "{}"}, 400),
    ],
)
def test_bad_parameters_are_problems(client: TestClient, params: dict, status: int) -> None:
    res = client.get("/v1/search", params=params)
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["detail"]


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "AND",
        "NOT NEAR(",
        "*",
        "a:b",
        "'; DROP TABLE docs;--",
        "😀",
        "\\",
        "{}",
        "OR",
        "(((",
        "\u202e",
    ],
)
def test_hostile_queries_never_500(client: TestClient, q: str) -> None:
    res = client.get("/v1/search", params={"q": q})
    assert res.status_code in (200, 400), res.text


def test_missing_index_is_503(tmp_path: Path) -> None:
    kb = KnowledgeBase(Settings(home=tmp_path), backend=TantivyBackend(tmp_path / "none"))
    with api_client(kb) as c:
        res = c.get("/v1/search", params={"q": "data"})
        assert res.status_code == 503
        assert "kb index" in res.json()["detail"]
        assert c.get("/v1/health").status_code == 503


def test_openapi_documents_bad_requests_as_400_problems(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    responses = schema["paths"]["/v1/search"]["get"]["responses"]
    assert "400" in responses and "422" not in responses
    assert "application/problem+json" in responses["400"]["content"]
    assert '"422"' not in str(schema).replace("'", '"')


def test_search_did_you_mean(client: TestClient) -> None:
    res = client.get("/v1/search", params={"q": "persnal data"}).json()
    assert res["did_you_mean"] == {
        "text": "personal data",
        "corrections": [{"word": "persnal", "suggestion": "personal"}],
    }
    assert res["total"] > 0  # "data" alone found texts: the suggestion is offered anyway
    nothing = client.get("/v1/search", params={"q": "persnal"}).json()
    assert nothing["total"] == 0 and nothing["did_you_mean"]["text"] == "personal"
    for q in ("personal data", "/akn/sg/act/2012/26", "2012", "26D"):
        assert client.get("/v1/search", params={"q": q}).json()["did_you_mean"] is None, q
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert "did_you_mean" in schema["SearchResult"]["properties"]
    assert {"text", "corrections"} <= set(schema["DidYouMean"]["properties"])


def test_a_worker_loads_what_its_first_requests_need_before_taking_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm-up (app start-up) reads the entries and the agreement names, so a worker's
    first requests do not all read them at once; the served app also freezes that heap."""
    import gc

    from api.app import create_served_app
    from kb.authorities import _NAMES_OF

    home = tmp_path / "home"
    kb = indexed_kb(home, records())
    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))  # not this test process's
    _NAMES_OF.clear()
    for factory, freezes in ((create_app, False), (create_served_app, True)):
        kb._entries = None
        frozen.clear()
        app = factory()
        app.dependency_overrides[get_kb] = lambda: kb
        assert kb._entries is None
        with TestClient(app) as c:  # start-up ran
            assert kb._entries is not None and id(kb._entries) in _NAMES_OF
            assert bool(frozen) is freezes
            assert c.get("/v1/search", params={"q": "personal data"}).status_code == 200
