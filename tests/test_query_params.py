"""One query boundary: ``SearchQuery.from_params`` builds every user's query, with the same
parameter names in the CLI, the API, the web pages and notebooks, and unknown values are
errors that name the valid ones (never an empty result)."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
from fastapi.testclient import TestClient

from api.params import SEARCH_PARAMS
from api.web.search import FILTERS
from kb.cli import app as cli_app
from kb.core import KnowledgeBase
from kb.errors import InvalidQuery
from kb.search import SearchQuery
from tests.conftest import api_client, indexed_kb
from tests.contract.records import SEARCHABLE_IDS as IDS
from tests.contract.records import records

ROOT = Path(__file__).resolve().parents[1]
FILTER_NAMES = {"jurisdiction", "sector", "topic", "kind", "type", "status", "language",
                "strength", "agreement"}
PARAM_NAMES = FILTER_NAMES | {"q", "date_from", "date_to", "limit", "offset", "after"}


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    home = tmp_path_factory.mktemp("params")
    kb = indexed_kb(home, records())
    yield kb
    kb.close()


@pytest.fixture(scope="module")
def client(kb: KnowledgeBase) -> Iterator[TestClient]:
    with api_client(kb) as c:
        yield c


# -- the same names everywhere ---------------------------------------------------------------
def test_from_params_takes_the_public_names() -> None:
    names = set(inspect.signature(SearchQuery.from_params).parameters)
    assert PARAM_NAMES <= names and "text" in names


def test_the_api_takes_the_same_names(client: TestClient) -> None:
    assert PARAM_NAMES <= {p.name for p in SEARCH_PARAMS}
    documented = client.get("/openapi.json").json()["paths"]["/v1/search"]["get"]["parameters"]
    assert PARAM_NAMES <= {p["name"] for p in documented}


def test_the_cli_takes_the_same_names() -> None:
    command = typer.main.get_command(cli_app).commands["search"]
    options = {o.lstrip("-").replace("-", "_") for p in command.params for o in p.opts
               if o.startswith("--")}
    assert PARAM_NAMES - {"q"} <= options  # q is the positional argument


def test_the_web_page_takes_the_same_names() -> None:
    assert set(FILTERS) - {"group"} == FILTER_NAMES  # group narrows jurisdiction


# -- values ----------------------------------------------------------------------------------
def test_one_value_a_list_and_a_comma_separated_string_are_alike() -> None:
    one = SearchQuery.from_params(jurisdiction="vn")
    assert one.jurisdictions == ["vn"]
    listed = SearchQuery.from_params(jurisdiction=["vn", "th"], type=["act", "decree"])
    commas = SearchQuery.from_params(jurisdiction="vn, th", type="act,decree")
    mixed = SearchQuery.from_params(jurisdiction=["VN,th", "vn"], type=("act", "decree"))
    assert listed == commas == mixed
    assert listed.jurisdictions == ["vn", "th"] and listed.doc_types == ["act", "decree"]


def test_text_and_its_alias() -> None:
    assert SearchQuery.from_params("spectrum").text == "spectrum"
    assert SearchQuery.from_params(q="spectrum").text == "spectrum"
    assert SearchQuery.from_params(text="spectrum").text == "spectrum"
    with pytest.raises(InvalidQuery):
        SearchQuery.from_params("spectrum", text="auction")


def test_after_as_json_or_a_list() -> None:
    assert SearchQuery.from_params(after="[7.5, 3]").search_after == [7.5, 3]
    assert SearchQuery.from_params(after=[7.5, 3]).search_after == [7.5, 3]
    for bad in ("[1,", '["x"]', "[1, 2, 3]", "{}", "[1e999]"):
        with pytest.raises(InvalidQuery, match="after"):
            SearchQuery.from_params(after=bad)


@pytest.mark.parametrize(
    ("params", "valid"),
    [
        ({"status": "in force"}, "in-force, amended, repealed"),
        ({"type": "law"}, "act, regulation, decree"),
        (
            {"strength": "strong"},
            "binding, best-endeavour, permissive, hortatory, procedural, none",
        ),
        ({"kind": "article"}, "instrument, provision, case-note"),
        ({"sector": "energy"}, "telecom, spectrum, digital-economy"),
        ({"jurisdiction": "atlantis"}, "ISO 3166-1 alpha-2 code"),
        ({"topic": "astrology"}, "/v1/topics"),
        ({"language": "english"}, "ISO 639"),
    ],
)
def test_unknown_values_name_the_valid_ones(params: dict[str, str], valid: str) -> None:
    name = next(iter(params))
    with pytest.raises(InvalidQuery, match=f"unknown {name}") as caught:
        SearchQuery.from_params(**params)
    assert valid in str(caught.value)


def test_bad_numbers_and_dates_are_invalid_queries() -> None:
    with pytest.raises(InvalidQuery, match="limit"):
        SearchQuery.from_params(limit=1000)
    with pytest.raises(InvalidQuery, match="date_from"):
        SearchQuery.from_params(date_from="2020-13-01")
    with pytest.raises(InvalidQuery, match="date_from is after date_to"):
        SearchQuery.from_params(date_from="2021-01-01", date_to="2020-01-01")


def test_the_parse_is_made_once() -> None:
    query = SearchQuery.from_params("spectrum auction")
    assert query.parsed() is query.parsed()
    other = query.model_copy(update={"text": "personal data"})
    assert other.parsed() is not query.parsed()
    assert other.parsed().plan() == SearchQuery(text="personal data").parsed().plan()


# -- the knowledge base, the API and the web page --------------------------------------------
def test_notebook_call_with_positional_text_and_public_names(kb: KnowledgeBase) -> None:
    result = kb.search("spectrum auction", jurisdiction="vn")
    assert result.total > 0 and all("vn" in h.jurisdictions for h in result.hits)
    assert kb.search("spectrum auction", jurisdiction=["vn"]).total == result.total
    same = kb.search(SearchQuery.from_params(q="spectrum auction", jurisdiction="vn"))
    assert [h.id for h in same.hits] == [h.id for h in result.hits]


def test_field_names_are_pointed_to_their_public_names(kb: KnowledgeBase) -> None:
    with pytest.raises(TypeError, match="topic="):
        kb.search(topics=["spectrum/auction"])


def test_languages_and_agreements_are_checked_against_the_index(kb: KnowledgeBase) -> None:
    assert kb.search(language="vi").total > 0
    with pytest.raises(InvalidQuery, match=r"unknown language: 'xx' \(one of .*\ben\b"):
        kb.search(language="en,xx")
    with pytest.raises(InvalidQuery, match="unknown agreement: 'nafta'"):
        kb.search(agreement="nafta")


@pytest.mark.parametrize("param", ["status", "type", "strength", "kind", "language"])
def test_the_api_answers_400_naming_valid_values(client: TestClient, param: str) -> None:
    res = client.get("/v1/search", params={"q": "data", param: "bogus"})
    assert res.status_code == 400
    assert res.headers["content-type"] == "application/problem+json"
    assert f"unknown {param}: 'bogus' (" in res.json()["detail"]


@pytest.mark.parametrize(("params", "named"), [
    ({"limit": "abc"}, "limit"), ({"limit": "0"}, "limit"), ({"offset": "-1"}, "offset"),
    ({"facets": "maybe"}, "facets"), ({"date_from": "2020-02-30"}, "date_from"),
    ({"bound_on": "soon"}, "bound_on"), ({"lang": "fr"}, "en, vi"),
    ({"format": "pdf"}, "json, csv, xlsx, md"), ({"q": "x" * 501}, "q: at most 500"),
    ({"after": "[" + "1," * 60 + "1]"}, "after: at most 100"), ({"bound": "vnmx"}, "bound"),
])
def test_a_bad_parameter_is_a_400_naming_it(
    client: TestClient, params: dict[str, str], named: str
) -> None:
    res = client.get("/v1/search", params={"q": "data", **params})
    assert res.status_code == 400, res.text
    assert res.headers["content-type"] == "application/problem+json"
    assert named in res.json()["detail"]


def test_parameters_repeat_and_an_empty_value_is_not_given(client: TestClient) -> None:
    both = client.get("/v1/search", params=[("q", "data"), ("jurisdiction", "sg"),
                                            ("jurisdiction", "vn"), ("limit", "")]).json()
    assert both["hits"] and {h["jurisdiction"] for h in both["hits"]} <= {"sg", "vn"}
    assert len(both["hits"]) <= 10  # the default limit
    one = client.get("/v1/search", params={"q": "data", "jurisdiction": "sg"}).json()
    assert one["total"] < both["total"]


def test_the_web_page_answers_400_naming_valid_values(client: TestClient) -> None:
    res = client.get("/search", params={"q": "data", "status": "bogus"})
    assert res.status_code == 400 and "in-force" in res.text


def test_the_api_returns_excerpt_highlights_and_snippet(client: TestClient) -> None:
    hits = client.get("/v1/search", params={"q": "personal data", "jurisdiction": "sg"}).json()[
        "hits"]
    hit = next(h for h in hits if h["id"] == IDS["sg_sec26"])
    words = {hit["excerpt"][s:e].lower() for s, e in hit["highlights"]}
    assert {"personal", "data"} <= words and "<mark>" not in hit["excerpt"]
    assert re.search(r"<mark>personal</mark>", hit["snippet"], re.I)


def test_exports_carry_the_plain_excerpt(client: TestClient) -> None:
    csv_text = client.get("/v1/search", params={"q": "personal data", "format": "csv"}).text
    assert csv_text.splitlines()[0].endswith(",excerpt") and "<mark>" not in csv_text
    brief = client.get("/v1/search", params={"q": "personal data", "format": "md"}).text
    assert "<mark>" not in brief and "&lt;" not in brief


# -- layering --------------------------------------------------------------------------------
def test_api_never_reaches_the_backend() -> None:
    """The API and the pages go through KnowledgeBase, which validates and answers alike."""
    found = [f"{path.relative_to(ROOT)}:{n}"
             for path in sorted((ROOT / "api").rglob("*.py"))
             for n, line in enumerate(path.read_text().splitlines(), start=1)
             if re.search(r"\.backend\b", line)]
    assert found == []


def test_kb_search_alone_loads_no_backend_export_or_compare() -> None:
    code = ("import sys, kb.search; "
            "print([m for m in sys.modules if m.startswith(('kb.export', 'kb.compare', "
            "'kb.backends', 'kb.core'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"
