"""The `kb` command, run in-process (CliRunner) and, for `kb serve`, as a real server."""

from __future__ import annotations

import json
import os
import re
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
    for command in ("check", "index", "search", "show", "stats", "serve", "import", "formats",
                    "topics", "jurisdictions", "agreements"):
        code, out, _ = run(command, "--help")
        assert code == 0 and "Example:" in out, command


def test_help_paragraphs_flow_to_the_terminal_width() -> None:
    """At 80 columns a paragraph is wrapped as a whole: no line of the import help ends
    far short of the width while the next one carries on the same paragraph."""
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb"}
    out = subprocess.run([sys.executable, "-m", "kb.cli", "import", "--help"], env=env,
                         capture_output=True, text=True, check=True).stdout
    lines = out.split("╭")[0].splitlines()  # the description, before the option boxes
    paragraph = [line.strip() for line in lines]
    for line, following in zip(paragraph, paragraph[1:], strict=False):
        if line and following and not line.startswith("Example"):
            assert len(line) > 60, (line, following)


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
    # the bundled content: every IPEF partner in depth (instruments and case notes)
    assert data["instruments"] >= 220 and data["case_notes"] >= 70
    for code in "au bn fj in id jp kr my nz ph sg th us vn".split():
        assert data["by_jurisdiction"][code]["instruments"] >= 10, code
        assert data["by_jurisdiction"][code]["case_notes"] >= 3, code
    assert set(data["by_sector"]) >= {"telecom", "spectrum", "digital-economy", "ipef"}


VN_CORE = {  # number -> the curated work it names
    "24/2023/QH15": "/akn/vn/act/2023/24-2023-qh15",
    "42/2009/QH12": "/akn/vn/act/2009/42-2009-qh12",
    "20/2023/QH15": "/akn/vn/act/2023/20-2023-qh15",
    "24/2018/QH14": "/akn/vn/act/2018/24-2018-qh14",
    "86/2015/QH13": None,
    "91/2025/QH15": None,
    "71/2025/QH15": None,
    "134/2025/QH15": None,
    "67/2006/QH11": None,
    "13/2023/NĐ-CP": None,
    "53/2022/NĐ-CP": None,
    "163/2024/NĐ-CP": None,
    "63/2023/NĐ-CP": None,
    "52/2013/NĐ-CP": None,
    "85/2021/NĐ-CP": None,
}


@pytest.mark.parametrize("number", sorted(VN_CORE))
def test_each_vietnamese_core_law_is_found_by_its_number(indexed: Path, number: str) -> None:
    data = json.loads(run("search", f'"{number}"', "--kind", "instrument", "--json")[1])
    assert data["hits"], number
    first = data["hits"][0]
    assert first["jurisdiction"] == "vn", (number, first["id"])
    if VN_CORE[number]:
        assert first["id"] == VN_CORE[number]
    shown = json.dumps(first, ensure_ascii=False)
    assert number.split("/")[0] in first["id"] or number in shown, (number, first["id"])


def test_bad_query_is_a_clear_error(indexed: Path) -> None:
    code, _, err = run("search", "--", "-data")
    assert code == 2 and "error" in err
    code, _, err = run("search", "x", "-j", "atlantis")
    assert code == 2 and "unknown jurisdiction" in err


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


# -- reference lists, validation, show --full, whole ids ------------------------------------
@pytest.mark.parametrize(("args", "says"), [
    (["search", "x", "--status", "inforce"], "unknown status: 'inforce' (one of in-force"),
    (["search", "x", "--type", "statute"], "unknown type: 'statute' (one of act"),
    (["search", "x", "--language", "xx"], "unknown language: 'xx' (one of"),
    (["search", "x", "--agreement", "xyz"], "unknown agreement: 'xyz' (one of"),
    (["search", "x", "--topic", "spectrum auctoin"], "did you mean spectrum/auction"),
    (["search", "x", "-j", "vietnam"], "did you mean vn?"),
    (["compare", "-t", "spectrum/auction", "-a", "xyz"], "unknown agreement: 'xyz' (one of"),
    (["compare", "-t", "spectrum/auction", "-j", "sg", "--lang", "fr"], "unknown lang 'fr'"),
    (["coverage", "-j", "sg", "--lang", "fr"], "unknown lang 'fr'"),
    (["topics", "--sector", "space"], "unknown sector: 'space' (one of telecom"),
    (["jurisdictions", "--group", "nato"], "unknown group: 'nato' (one of ipef"),
])
def test_bad_parameters_exit_2_naming_the_valid_values(indexed: Path, args: list[str],
                                                      says: str) -> None:
    code, out, err = run(*args)
    assert code == 2, (out, err)
    assert says in " ".join(err.split()), err
    assert "nothing found" not in out


def test_topics_list(indexed: Path) -> None:
    code, out, _ = run("topics", "--json")
    rows = json.loads(out)
    auction = next(r for r in rows if r["id"] == "spectrum/auction")
    assert auction["label_vi"].startswith("Đấu giá") and auction["sector"] == "spectrum"
    code, out, _ = run("topics", "dau gia tan so")  # Vietnamese without marks
    assert code == 0 and "spectrum/auction" in out and "Đấu giá" in out
    assert run("topics", "--sector", "telecom", "--json")[0] == 0


def test_jurisdictions_list(indexed: Path) -> None:
    code, out, _ = run("jurisdictions", "--group", "ipef", "--json")
    data = json.loads(out)
    assert code == 0 and len(data["jurisdictions"]) == 14
    vn = next(r for r in data["jurisdictions"] if r["code"] == "vn")
    assert vn["name_vi"] == "Việt Nam" and "ipef" in vn["groups"]
    assert [g["code"] for g in data["groups"]] == ["ipef"]
    code, out, _ = run("jurisdictions", "hàn quốc")
    assert code == 0 and "kr" in out and "Republic of Korea" in out


def test_agreements_list(indexed: Path) -> None:
    code, out, _ = run("agreements", "--json")
    rows = {r["agreement"]: r for r in json.loads(out)}
    assert code == 0 and {"cptpp", "depa", "rcep", "usmca", "wto-ecom"} <= set(rows)
    assert rows["cptpp"]["title_vi"].startswith("Hiệp định") and "vn" in rows["cptpp"][
        "in_force_for"]
    code, out, _ = run("agreements")
    assert code == 0 and "wto-ecom" in out and "Hiệp định" in out


def test_show_full_prints_whole_texts_with_ids(kb_home: Path) -> None:
    from kb.core import KnowledgeBase
    from tests.contract.records import records

    sg = next(r for r in records() if r.id == "/akn/sg/act/2012/26")
    long_text = " ".join(f"Test fixture text word{i}." for i in range(200))
    provisions = [p.model_copy(update={"text": long_text}) if i == 0 else p
                  for i, p in enumerate(sg.provisions)]
    kb = KnowledgeBase()
    kb.store.put(sg.model_copy(update={"provisions": provisions}))
    kb.index()
    kb.close()
    doc = json.loads(run("show", sg.id, "--json")[1])
    first = doc["provisions"][0]
    assert len(first["text"]) > 600
    code, short, err = run("show", sg.id)
    assert code == 0 and first["id"] in short
    assert "kb show --full" in err and "characters; kb show --full for all" in short
    assert "word199." not in short
    last = re.search(r"(\S+)…", short).group(1)  # the cut falls between two words
    assert last in {w.rstrip(".") for w in long_text.split()}
    code, full, err = run("show", sg.id, "--full")
    assert code == 0 and "--full" not in err
    assert " ".join(first["text"].split()) in " ".join(full.split())
    for prov in doc["provisions"]:
        assert prov["id"] in full


def test_search_table_never_truncates_ids(indexed: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    data = json.loads(run("search", "cross-border data", "--json", "-n", "10")[1])
    ids = [hit["id"] for hit in data["hits"]]
    assert max(map(len, ids)) > 50
    monkeypatch.setenv("COLUMNS", "160")  # a wide terminal: every id on one line, whole
    code, out, _ = run("search", "cross-border data", "-n", "10")
    assert code == 0 and all(i in out for i in ids), out
    monkeypatch.setenv("COLUMNS", "80")  # a narrow one: folded, never cut with an ellipsis
    code, out, _ = run("search", "cross-border data", "-n", "10")
    cells = "".join(line.split("│")[2].strip() for line in out.splitlines()
                    if line.count("│") >= 3)
    assert code == 0 and all(i in cells for i in ids), out
