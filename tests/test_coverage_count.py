"""The coverage map counts instruments by default, provisions on request: Python, CLI, API
and web agree, and every count links to a search with that many results."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.deps import get_kb
from kb.backends.embedded import TantivyBackend
from kb.cli import app
from kb.config import Settings
from kb.core import KnowledgeBase
from kb.documents import record_docs
from kb.errors import InvalidQuery
from tests.contract.records import records

CROSS_BORDER = "digital-economy/cross-border-data"
runner = CliRunner()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("coverage")
    TantivyBackend(home / "index").rebuild(record_docs(records()))
    return home


@pytest.fixture(scope="module")
def kb(home: Path) -> Iterator[KnowledgeBase]:
    base = KnowledgeBase(Settings(home=home), backend=TantivyBackend(home / "index"))
    yield base
    base.close()


@pytest.fixture(scope="module")
def client(kb: KnowledgeBase) -> Iterator[TestClient]:
    api = create_app()
    api.dependency_overrides[get_kb] = lambda: kb
    with TestClient(api, raise_server_exceptions=False) as c:
        yield c


def _expected(kb: KnowledgeBase, kind: str, jurisdiction: str, topic: str) -> int:
    return kb.search(jurisdiction=jurisdiction, topic=topic, kind=kind, limit=1).total


def test_instruments_by_default_provisions_on_request(kb: KnowledgeBase) -> None:
    by_act = kb.coverage(["sg", "vn"])
    by_article = kb.coverage(["sg", "vn"], count="provisions")
    assert (by_act.count, by_act.kinds) == ("instruments", ["instrument"])
    assert (by_article.count, by_article.kinds) == ("provisions", ["provision"])
    for code in ("sg", "vn"):
        assert by_act.counts[code].get(CROSS_BORDER, 0) == _expected(
            kb, "instrument", code, CROSS_BORDER)
        assert by_article.counts[code].get(CROSS_BORDER, 0) == _expected(
            kb, "provision", code, CROSS_BORDER)
    sectors = kb.coverage(["vn"], by="sector")
    provisions = kb.coverage(["vn"], by="sector", count="provisions")
    assert sectors.counts["vn"]["spectrum"] < provisions.counts["vn"]["spectrum"]
    with pytest.raises(InvalidQuery, match="'instruments' or 'provisions'"):
        kb.coverage(["vn"], count="articles")


def test_cli_count_option(home: Path, kb: KnowledgeBase) -> None:
    env = {"KB_HOME": str(home), "KB_BACKEND": "embedded"}
    acts = runner.invoke(app, ["coverage", "-j", "sg", "-f", "json"], env=env)
    articles = runner.invoke(app, ["coverage", "-j", "sg", "-f", "json", "--count",
                                   "provisions"], env=env)
    assert acts.exit_code == 0 and articles.exit_code == 0, acts.stdout + articles.stdout
    assert json.loads(acts.stdout)["count"] == "instruments"
    assert json.loads(articles.stdout)["count"] == "provisions"
    assert json.loads(acts.stdout)["matrix"] == kb.coverage(["sg"]).matrix()
    assert json.loads(articles.stdout)["matrix"] == kb.coverage(["sg"],
                                                                count="provisions").matrix()
    bad = runner.invoke(app, ["coverage", "-j", "sg", "--count", "articles"], env=env)
    assert bad.exit_code == 2 and "'instruments' or 'provisions'" in bad.stderr


def test_api_count_parameter(client: TestClient, kb: KnowledgeBase) -> None:
    acts = client.get("/v1/compare/coverage", params={"jurisdiction": ["sg", "vn"]}).json()
    articles = client.get("/v1/compare/coverage", params={"jurisdiction": ["sg", "vn"],
                                                          "count": "provisions"}).json()
    assert acts["count"] == "instruments" and articles["count"] == "provisions"
    assert acts["matrix"] == kb.coverage(["sg", "vn"]).matrix()
    assert articles["matrix"] == kb.coverage(["sg", "vn"], count="provisions").matrix()
    assert acts["matrix"] != articles["matrix"]
    assert client.get("/v1/compare/coverage", params={"count": "articles"}).status_code in (
        400, 422)


@pytest.mark.parametrize(("count", "kind"), [(None, "instrument"),
                                             ("provisions", "provision")])
def test_web_cells_link_to_a_search_of_what_they_count(client: TestClient, count: str | None,
                                                       kind: str) -> None:
    params = {"jurisdiction": "sg", **({"count": count} if count else {})}
    html = client.get("/coverage", params=params).text
    checked = count or "instruments"
    assert re.search(rf'name="count" value="{checked}" checked', html)
    match = re.search(r'href="(/search\?jurisdiction=sg&amp;topic=digital-economy%2F'
                      r'cross-border-data[^"]*)"[^>]*>(\d+)</a>', html)
    assert match, html
    href, shown = match.group(1).replace("&amp;", "&"), int(match.group(2))
    assert href.endswith(f"&kind={kind}")
    assert shown >= 1
    assert re.search(rf"\b{shown} results?\b", client.get(href).text)
