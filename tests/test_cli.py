"""The `kb` command, run in-process (CliRunner) and, for `kb serve`, as a real server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from kb.cli import app
from tests.test_load import VALID

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A KB_HOME with the bundled entries indexed (shared by the read-only tests)."""
    from kb.config import get_settings

    home = tmp_path_factory.mktemp("cli")
    old = os.environ.get("KB_HOME")
    os.environ["KB_HOME"] = str(home)
    get_settings.cache_clear()
    code, _, err = run("index")
    assert code == 0, err
    yield home
    if old is None:
        os.environ.pop("KB_HOME", None)
    else:
        os.environ["KB_HOME"] = old
    get_settings.cache_clear()


def test_help_everywhere() -> None:
    for command in ("check", "index", "search", "show", "stats", "serve", "import", "formats"):
        code, out, _ = run(command, "--help")
        assert code == 0 and "Example:" in out, command


def test_check_bundled_entries_pass() -> None:
    code, _, err = run("check")
    assert code == 0, err
    assert "0 errors" in err


def test_check_reports_broken_entries_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(VALID)
    (tmp_path / "bad.yaml").write_text(VALID.replace("/26", "/27").replace("2014-07-02",
                                                                             "2012-13-01"))
    code, out, err = run("check", str(tmp_path))
    assert code == 1
    assert "bad.yaml:9: dates.in_force: not a date: '2012-13-01'" in out
    assert "1 errors" in err


def test_search_json_shape(indexed: Path) -> None:
    code, out, _ = run("search", "spectrum auction", "--json", "--limit", "5")
    assert code == 0
    data = json.loads(out)
    assert {"total", "hits", "facets"} <= set(data) and data["total"] > 0
    for key in ("id", "kind", "title", "jurisdiction", "number", "path", "instrument_id",
                "source_url", "excerpt", "highlights", "score"):
        assert key in data["hits"][0]
    assert "snippet" not in data["hits"][0]  # HTML is for the web pages and the API


@pytest.mark.parametrize("query", ["đấu giá tần số", "dau gia tan so"])
def test_vietnamese_queries_find_spectrum_auctions(indexed: Path, query: str) -> None:
    data = json.loads(run("search", query, "--json", "--limit", "20")[1])
    assert data["total"] > 0
    assert any("spectrum/auction" in h["topics"] for h in data["hits"])


def test_group_filter(indexed: Path) -> None:
    data = json.loads(run("search", "cross-border data", "-j", "ipef", "--json", "-n", "50")[1])
    assert data["total"] > 0
    ipef = set("au bn fj in id jp kr my nz ph sg th us vn".split())
    assert all(set(h["jurisdictions"]) & ipef for h in data["hits"])


def test_show_instrument_json(indexed: Path) -> None:
    code, out, _ = run("search", "", "--kind", "provision", "--json", "--limit", "1")
    hit = json.loads(out)["hits"][0]
    code, out, err = run("show", hit["instrument_id"], "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["kind"] == "instrument"
    assert {"number", "heading", "path"} <= set(doc["provisions"][0])


def test_show_unknown_id(indexed: Path) -> None:
    code, _, err = run("show", "/akn/zz/act/1900/none")
    assert code == 1 and "no record" in err


def test_stats_json(indexed: Path) -> None:
    data = json.loads(run("stats", "--json")[1])
    assert data["backend"] == "embedded"
    assert data["instruments"] >= 60 and data["case_notes"] >= 20
    for code in "au bn fj in id jp kr my nz ph sg th us vn".split():
        assert data["by_jurisdiction"][code]["instruments"] >= 2, code
    assert set(data["by_sector"]) >= {"telecom", "spectrum", "digital-economy", "ipef"}


def test_bad_query_is_a_clear_error(indexed: Path) -> None:
    code, _, err = run("search", "--", "-data")
    assert code == 1 and "error" in err
    code, _, err = run("search", "x", "-j", "atlantis")
    assert code == 1 and "unknown jurisdiction" in err


def test_show_query_prints_the_query_meaning(indexed: Path) -> None:
    code, _, err = run("search", "spectrum auction", "--show-query")
    assert code == 0 and '"minimum_should_match"' in err and "tagspectrum0auction" in err


def test_serve_builds_the_index_and_answers(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "KB_HOME": str(tmp_path / "home"), "KB_BACKEND": "embedded"}
    proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        res = httpx.get(f"{url}/v1/search", params={"q": "dau gia tan so"}, timeout=10)
        assert res.status_code == 200 and res.json()["total"] > 0
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_crawl_list_and_health() -> None:
    code, out, _ = run("crawl", "--list", "--json")
    assert code == 0
    ids = {s["id"] for s in json.loads(out)}
    assert {"uk_legislation", "eu_eurlex", "us_federal_register", "us_ecfr", "jp_egov",
            "tota"} <= ids
    code, out, _ = run("crawl", "--health", "--json")
    assert code == 0 and all(item["ok"] and item["records"] for item in json.loads(out))


def test_crawl_unknown_source() -> None:
    code, _, err = run("crawl", "atlantis")
    assert code != 0 and "unknown source" in err


def test_search_did_you_mean(indexed: Path) -> None:
    code, out, _ = run("search", "spectrun auction", "--limit", "2")
    assert code == 0 and "Did you mean: spectrum auction" in out
    code, out, _ = run("search", "interconection", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["total"] == 0
    assert data["did_you_mean"]["text"] == "interconnection"
    for query in ("spectrum auction", "2018", "GDPR Art 44"):
        code, out, _ = run("search", query, "--limit", "1")
        assert code == 0 and "Did you mean" not in out, query
