"""Saved searches (`kb watch`), their Atom feeds and the change feed (kb.watch, the API)."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.deps import get_kb
from kb.cli import app
from kb.config import Settings
from kb.core import KnowledgeBase
from tests.test_load import VALID

runner = CliRunner()
ATOM = "{http://www.w3.org/2005/Atom}"
WORK = "/akn/fj/act/2024/97"  # a made-up act: test data, not the law
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def act(status: str = "in-force", auction_text: str = "licences are assigned by auction",
        work: str = WORK) -> dict:
    """A test instrument (its wording is test data) with one provision on spectrum auctions
    and one on something else."""
    return {
        "kind": "instrument", "id": work, "title": "Test Radio Licensing Act 2024",
        "title_vi": "Luật thử nghiệm cấp phép tần số 2024", "jurisdiction": "fj",
        "doc_type": "act", "status": status, "dates": {"adopted": "2024-01-02"},
        "sectors": ["spectrum"], "topics": ["spectrum/auction"], "language": "en",
        "source_url": "https://www.laws.gov.fj/Acts/test-2024-97",
        "provisions": [
            {"eid": "sec_5", "number": "Section 5", "heading": "Spectrum auction",
             "text": f"Test fixture text. Radio spectrum {auction_text} held by the regulator."},
            {"eid": "sec_9", "number": "Section 9", "heading": "Annual report",
             "text": "Test fixture text. The minister lays an annual report before parliament."},
        ],
    }


def write_jsonl(path: Path, *records: dict) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture()
def home(kb_home: Path) -> Path:
    """A KB_HOME with the bundled entries indexed."""
    code, _, err = run("index")
    assert code == 0, err
    return kb_home


# -- the CLI ------------------------------------------------------------------------------
def test_add_list_remove_and_the_errors(home: Path) -> None:
    code, _, err = run("watch", "add", "fj-auctions", "spectrum auction", "-j", "fj",
                       "--kind", "provision")
    assert code == 0, err
    code, _, err = run("watch", "add", "fj-auctions", "anything")
    assert code == 2 and "already exists" in err
    code, _, err = run("watch", "add", "Bad Name!", "x")
    assert code == 2 and "bad watch name" in err
    code, _, err = run("watch", "add", "typo", "x", "--status", "inforce")
    assert code == 2 and "unknown status" in err
    code, _, err = run("watch", "add", "hook", "x", "--webhook", "ftp://example.org/")
    assert code == 2 and "webhook" in err
    code, out, _ = run("watch", "list", "--json")
    listed = json.loads(out)
    assert [w["name"] for w in listed] == ["fj-auctions"]  # nothing half-added by the errors
    assert listed[0]["filters"] == {"jurisdiction": ["fj"], "kind": ["provision"]}
    assert listed[0]["query"] == "spectrum auction" and listed[0]["last_run_at"] is None
    code, _, err = run("watch", "remove", "nope")
    assert code == 1 and "no watch" in err
    assert run("watch", "remove", "fj-auctions")[0] == 0
    assert json.loads(run("watch", "list", "--json")[1]) == []


def test_run_reports_what_is_new_once_indexed_or_not(home: Path, tmp_path: Path) -> None:
    assert run("watch", "add", "fj-auctions", "spectrum auction", "-j", "fj")[0] == 0
    code, out, _ = run("watch", "run", "fj-auctions", "--json")
    assert code == 0 and json.loads(out)[0]["new"] == []  # what matched when added is seen

    # imported, not yet indexed: still reported, the matching provision but not the other
    assert run("import", str(write_jsonl(tmp_path / "v1.jsonl", act())))[0] == 0
    code, out, _ = run("watch", "run", "fj-auctions", "--json")
    new = {i["id"]: i for i in json.loads(out)[0]["new"]}
    assert code == 0 and f"{WORK}/~sec_5" in new and f"{WORK}/~sec_9" not in new
    assert new[f"{WORK}/~sec_5"]["change"] == "new"
    assert new[f"{WORK}/~sec_5"]["official_url"] == "https://www.laws.gov.fj/Acts/test-2024-97"
    assert new[f"{WORK}/~sec_5"]["title"]

    # the run was recorded: indexing the same texts brings nothing new
    assert run("watch", "run", "fj-auctions", "--json")[1].count('"id"') == 0
    assert run("index")[0] == 0
    assert json.loads(run("watch", "run", "fj-auctions", "--json")[1])[0]["new"] == []

    # a new version: only what changed in it is reported again
    changed = act(auction_text="licences are assigned by auction or by tender")
    changed["provisions"][1]["text"] += " Also test fixture text on spectrum auction reports."
    changed["provisions"][0]["text"] = act()["provisions"][0]["text"]  # sec_5 unchanged
    assert run("import", str(write_jsonl(tmp_path / "v2.jsonl", changed)))[0] == 0
    code, out, _ = run("watch", "run", "fj-auctions")
    assert code == 0 and f"{WORK}/~sec_9" in out and f"{WORK}/~sec_5" not in out
    assert "updated" in out or " new " in out


def test_run_without_a_name_runs_every_watch_and_dry_run_records_nothing(home: Path,
                                                                          tmp_path: Path) -> None:
    assert run("watch", "add", "a", "spectrum auction", "-j", "fj")[0] == 0
    assert run("watch", "add", "b", "annual report", "-j", "fj")[0] == 0
    assert run("import", str(write_jsonl(tmp_path / "v1.jsonl", act())))[0] == 0
    code, out, _ = run("watch", "run", "--json", "--dry-run")
    results = {r["watch"]: [i["id"] for i in r["new"]] for r in json.loads(out)}
    assert code == 0 and f"{WORK}/~sec_5" in results["a"] and f"{WORK}/~sec_9" in results["b"]
    again = {r["watch"]: r["new"] for r in json.loads(run("watch", "run", "--json")[1])}
    assert again["a"] and again["b"]  # the dry run recorded nothing
    assert all(not r["new"] for r in json.loads(run("watch", "run", "--json")[1]))


# -- the API ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One KB_HOME for the read-only API tests: a watch with a webhook nothing listens to,
    the test act imported, then imported again repealed, and everything indexed."""
    from kb.config import get_settings

    home = tmp_path_factory.mktemp("watch-api")
    saved = {k: os.environ.get(k) for k in ("KB_HOME", "KB_BACKEND", "KB_WEBHOOK_RETRY_DELAY")}
    os.environ.update(KB_HOME=str(home / "kbhome"), KB_BACKEND="embedded",
                      KB_WEBHOOK_RETRY_DELAY="0.01")  # nothing listens on port 9
    get_settings.cache_clear()
    try:
        assert run("index")[0] == 0
        assert run("watch", "add", "fj-auctions", "spectrum auction", "-j", "fj", "--webhook",
                   "http://127.0.0.1:9/hook", "--secret", "s3cret")[0] == 0
        assert run("import", str(write_jsonl(home / "v1.jsonl", act())))[0] == 0
        assert run("import", str(write_jsonl(home / "v2.jsonl", act(status="repealed"))))[0] == 0
        assert run("index")[0] == 0
        kb = KnowledgeBase(Settings(home=home / "kbhome"))
        api = create_app()
        api.dependency_overrides[get_kb] = lambda: kb
        with TestClient(api, raise_server_exceptions=False) as c:
            yield c
        kb.close()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


def test_watches_listed_without_their_secret(client: TestClient) -> None:
    res = client.get("/v1/watches")
    assert res.status_code == 200
    (watch,) = res.json()
    assert watch["name"] == "fj-auctions" and watch["webhook_signed"] is True
    assert "s3cret" not in res.text


def test_atom_feed_is_valid_atom(client: TestClient) -> None:
    res = client.get("/v1/watches/fj-auctions.atom")
    assert res.status_code == 200 and res.headers["content-type"].startswith(
        "application/atom+xml")
    feed = ET.fromstring(res.content)  # a real XML parser: malformed XML fails here
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert RFC3339.match(feed.findtext(f"{ATOM}updated") or "")
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None and self_link.get("href").endswith("/v1/watches/fj-auctions.atom")
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(ids) == len(set(ids)) and all(i and ":" in i for i in ids)
    for entry in entries:
        for required in ("id", "title", "updated", "summary"):
            assert (entry.findtext(f"{ATOM}{required}") or "").strip(), required
        assert RFC3339.match(entry.findtext(f"{ATOM}updated"))
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http")
    ours = next(e for e in entries if e.findtext(f"{ATOM}id").endswith(f"{WORK}/~sec_5"))
    assert "Test Radio Licensing Act 2024" in ours.findtext(f"{ATOM}title")
    assert ours.find(f"{ATOM}link[@rel='alternate']").get("href") == \
        f"http://testserver/provisions{WORK}/~sec_5"
    assert ours.find(f"{ATOM}link[@rel='related']").get("href") == \
        "https://www.laws.gov.fj/Acts/test-2024-97"
    # newest first: the imported act (stored today) before the undated or older ones
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True)


def test_unknown_feed_is_a_404_problem(client: TestClient) -> None:
    res = client.get("/v1/watches/nope.atom")
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["status"] == 404 and "nope" in res.json()["detail"]


def test_change_feed_pages_with_a_cursor_oldest_first(client: TestClient) -> None:
    whole = client.get("/v1/changes", params={"since": "2000-01-01", "limit": 500}).json()
    mine = [i for i in whole["items"] if i["id"] == WORK]
    assert [i["change"] for i in mine] == ["new", "status"]
    assert mine[1]["status"] == "repealed" and mine[1]["previous_status"] == "in-force"
    assert mine[0]["title"] == "Test Radio Licensing Act 2024"
    assert mine[0]["page"] == f"http://testserver/instruments{WORK}"
    times = [i["at"] for i in whole["items"]]
    assert times == sorted(times) and whole["order"] == "oldest-first"

    paged, after = [], None
    while True:
        params = {"since": "2000-01-01", "limit": 1} | ({"after": after} if after else {})
        page = client.get("/v1/changes", params=params).json()
        paged.extend(page["items"])
        after = page["next"]
        if not after:
            break
        assert len(paged) <= len(whole["items"])
    assert [i["cursor"] for i in paged] == [i["cursor"] for i in whole["items"]]

    newest = client.get("/v1/changes", params={"order": "newest", "limit": 500}).json()
    assert [i["cursor"] for i in newest["items"]] == [i["cursor"] for i in whole["items"]][::-1]
    later = client.get("/v1/changes", params={"since": "2999-01-01T00:00:00"}).json()
    assert later["items"] == [] and later["next"] is None


def test_bad_change_feed_parameters_are_400_problems(client: TestClient) -> None:
    for params in ({"since": "2024-13-01"}, {"since": "yesterday"},
                   {"since": "2024-01-01T25:00:00"}, {"after": "garbage"}, {"limit": 0}):
        res = client.get("/v1/changes", params=params)
        assert res.status_code == 400, params
        assert res.headers["content-type"].startswith("application/problem+json")
    assert client.get("/v1/changes", params={"since": "2024-01-01T10:00:00+07:00"}).json()[
        "since"] == "2024-01-01T03:00:00"


def test_curated_status_edit_between_two_builds_is_in_the_feed(kb_home: Path,
                                                               tmp_path: Path) -> None:
    entries = tmp_path / "entries"
    entries.mkdir()
    (entries / "pdpa.yaml").write_text(VALID.replace("/akn/sg/act/2012/26", "/akn/sg/act/2012/926"))
    kb = KnowledgeBase(Settings(home=kb_home, entries=[entries]))
    try:
        kb.index()  # the first build only records what the entries say
        from kb.watch import changes

        assert not [i for i in changes(kb.store, limit=500)["items"]
                    if i["id"] == "/akn/sg/act/2012/926"]
        (entries / "pdpa.yaml").write_text(
            VALID.replace("/akn/sg/act/2012/26", "/akn/sg/act/2012/926")
            .replace("status: in-force", "status: repealed"))
        kb.index()
        items = [i for i in changes(kb.store, limit=500)["items"]
                 if i["id"] == "/akn/sg/act/2012/926"]
        assert [(i["source"], i["change"], i["previous_status"], i["status"]) for i in items] \
            == [("curated", "status", "in-force", "repealed")]
        kb.index()  # nothing changed: nothing more
        assert len([i for i in changes(kb.store, limit=500)["items"]
                    if i["id"] == "/akn/sg/act/2012/926"]) == 1
    finally:
        kb.close()
