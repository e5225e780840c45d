"""As-of dates: the text in force on a date, for search, show and compare (kb.asof).

A real KB_HOME gets two versions of one small act through the JSONL importer (2019, amended
2022) and a second act in force from 2024; every face (notebook, CLI, API) is asked before,
between and after those dates.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kb.asof import Text, in_force_on, parse_as_of
from kb.errors import InvalidQuery
from kb.models import Dates, Instrument, Provision
from tests.conftest import api_client

ACT = "/akn/to/act/2019/7"
LATER_ACT = "/akn/to/act/2024/3"
BEFORE, BETWEEN, AFTER = "2018-06-01", "2020-06-01", "2025-01-01"
QUERY = "radio spectrum licences"

_ACT = {
    "kind": "instrument", "id": ACT, "title": "Radio Spectrum Licensing Act 2019",
    "jurisdiction": "to", "doc_type": "act", "status": "in-force", "sectors": ["spectrum"],
    "language": "en", "source_url": "https://example.org/to/spectrum-2019",
}
V1 = {**_ACT, "version": "2019-03-01",
      "dates": {"adopted": "2019-01-15", "in_force": "2019-03-01"},
      "provisions": [
          {"eid": "sec_1", "number": "1", "heading": "Spectrum licences",
           "text": "Licences for radio spectrum are granted by the Minister for ten years."},
          {"eid": "sec_2", "number": "2", "heading": "Fees",
           "text": "A spectrum licence fee is payable every year."}]}
V2 = {**_ACT, "version": "2022-07-01",
      "dates": {"adopted": "2019-01-15", "in_force": "2019-03-01", "last_amended": "2022-07-01"},
      "provisions": [
          {"eid": "sec_1", "number": "1", "heading": "Spectrum licences",
           "text": "Licences for radio spectrum are granted by the Regulator for fifteen years."},
          {"eid": "sec_2", "number": "2", "heading": "Fees",
           "text": "A spectrum licence fee is payable every year."},
          {"eid": "sec_3", "number": "3", "heading": "Auctions",
           "text": "The Regulator may assign radio spectrum licences by auction."}]}
LATER = {
    "kind": "instrument", "id": LATER_ACT, "title": "Spectrum Sharing Act 2024",
    "jurisdiction": "to", "doc_type": "act", "status": "in-force", "version": "2024-01-01",
    "dates": {"adopted": "2023-11-20", "in_force": "2024-01-01"}, "sectors": ["spectrum"],
    "language": "en", "source_url": "https://example.org/to/sharing-2024",
    "provisions": [{"eid": "sec_1", "number": "1", "heading": "Sharing",
                    "text": "Radio spectrum licences may be shared between licensees with the "
                    "Regulator's approval."}]}

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    from kb.cli import app

    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def build_home(home: Path) -> None:
    """Import version 1, then version 2 with the 2024 act, through ``kb import`` (JSONL), and
    index; KB_HOME must already point at ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    first, second = home.parent / "v1.jsonl", home.parent / "v2.jsonl"
    first.write_text(json.dumps(V1) + "\n", encoding="utf-8")
    second.write_text(json.dumps(V2) + "\n" + json.dumps(LATER) + "\n", encoding="utf-8")
    for step in (("import", str(first)), ("import", str(second)), ("index",)):
        code, out, err = run(*step)
        assert code == 0, (step, out, err)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from kb.config import get_settings

    home = tmp_path_factory.mktemp("asof") / "kbhome"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KB_HOME", str(home))
        patch.setenv("KB_BACKEND", "embedded")
        get_settings.cache_clear()
        build_home(home)
        yield home
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def kb(home: Path) -> Iterator:
    from kb import KB

    base = KB.open(home=home)
    yield base
    base.close()


def ids(result) -> list[str]:
    return [hit.id for hit in result.hits]


# -- the rule ---------------------------------------------------------------------------------
def _text(version: int | None, label: str | None, in_force: str | None = "2019-03-01",
          status: str = "in-force", current: bool = False) -> Text:
    record = Instrument(
        id=ACT, title="Act", jurisdiction="to", doc_type="act", status=status,
        source_url="https://example.org/a", version=label,
        dates=Dates(in_force=dt.date.fromisoformat(in_force) if in_force else None),
        provisions=[Provision(eid="sec_1", number="1", text=f"text {label}")])
    return Text(record, version, current)


def test_rule_picks_the_latest_text_dated_on_or_before_the_day() -> None:
    texts = [_text(1, "2019-03-01"), _text(2, "2022-07-01", current=True)]
    on = dt.date.fromisoformat
    assert not in_force_on(ACT, texts, on("2019-02-28")).in_force
    assert "2019-03-01" in in_force_on(ACT, texts, on("2019-02-28")).reason
    assert in_force_on(ACT, texts, on("2019-03-01")).version == 1
    assert in_force_on(ACT, texts, on("2022-06-30")).older
    assert in_force_on(ACT, texts, on("2022-07-01")).version == 2
    assert not in_force_on(ACT, texts, on("2030-01-01")).older


def test_rule_repealed_text_and_drafts_are_not_in_force() -> None:
    on = dt.date.fromisoformat
    repealed = [_text(1, "2019-03-01"), _text(2, "2023-01-01", status="repealed", current=True)]
    assert in_force_on(ACT, repealed, on("2022-01-01")).version == 1
    gone = in_force_on(ACT, repealed, on("2023-06-01"))
    assert not gone.in_force and "repealed" in gone.reason
    draft = [_text(None, None, in_force=None, status="draft")]
    assert not in_force_on(ACT, draft, on("2030-01-01"), status="draft").in_force


def test_rule_curated_entry_counts_from_entry_into_force() -> None:
    entry = _text(None, None, in_force="2010-07-01")
    amended = entry.record.model_copy(update={"dates": Dates(
        in_force=dt.date(2010, 7, 1), last_amended=dt.date(2022, 11, 9))})
    answer = in_force_on(ACT, [Text(amended)], dt.date(2015, 1, 1))
    assert answer.in_force and answer.version is None
    assert "2022-11-09" in answer.reason  # said: the entry describes the amended law


def test_parse_as_of_refuses_what_is_not_a_date() -> None:
    assert parse_as_of("2020-02-29") == dt.date(2020, 2, 29)
    assert parse_as_of(None) is None
    for bad in ("2020-13-01", "yesterday", "20200101", "2021-02-29"):
        with pytest.raises(InvalidQuery, match="as_of"):
            parse_as_of(bad)


# -- notebooks ----------------------------------------------------------------------------------
def test_search_as_of_before_between_after(kb) -> None:
    assert set(ids(kb.search(QUERY, jurisdiction="to"))) >= {f"{ACT}/~sec_3",
                                                              f"{LATER_ACT}/~sec_1"}
    assert kb.search(QUERY, jurisdiction="to", as_of=BEFORE).total == 0
    between = kb.search(QUERY, jurisdiction="to", as_of=BETWEEN)
    assert between.total == len(between.hits) > 0
    assert all(hit.id.startswith(ACT) for hit in between.hits)  # not the 2024 act
    assert f"{ACT}/~sec_3" not in ids(between)  # added in 2022
    sec_1 = next(hit for hit in between.hits if hit.id == f"{ACT}/~sec_1")
    assert sec_1.as_of_version == 1 and sec_1.as_of_date == "2019-03-01"
    assert "Minister" in sec_1.excerpt and "ranked on the current text" in sec_1.as_of_note
    after = kb.search(QUERY, jurisdiction="to", as_of=AFTER)
    assert {f"{ACT}/~sec_3", f"{LATER_ACT}/~sec_1"} <= set(ids(after))
    assert all(hit.as_of_version is None for hit in after.hits)


def test_show_as_of(kb) -> None:
    old = kb.instrument(ACT, as_of=BETWEEN)
    assert old["as_of"]["version"] == 1 and not old["as_of"]["current"]
    assert [p["id"] for p in old["provisions"]] == [f"{ACT}/~sec_1", f"{ACT}/~sec_2"]
    assert "Minister" in old["provisions"][0]["text"]
    new = kb.instrument(ACT, as_of=AFTER)
    assert new["as_of"]["current"] and len(new["provisions"]) == 3
    gone = kb.instrument(ACT, as_of=BEFORE)
    assert not gone["as_of"]["in_force"] and gone["provisions"] == []
    assert "not in force on 2018-06-01" in gone["as_of"]["message"]


def test_compare_as_of(kb) -> None:
    def cell_ids(as_of: str | None) -> list[str]:
        grid = kb.compare("spectrum", "to", per_cell=5, as_of=as_of)
        return [h.id for h in grid.cell("to", "spectrum").hits]

    assert cell_ids(BEFORE) == []
    assert set(cell_ids(BETWEEN)) == {f"{ACT}/~sec_1", f"{ACT}/~sec_2"}
    assert {f"{ACT}/~sec_3", f"{LATER_ACT}/~sec_1"} <= set(cell_ids(AFTER))


# -- the CLI -----------------------------------------------------------------------------------
def test_cli_search_as_of(home: Path) -> None:
    def found(as_of: str) -> list[dict]:
        code, out, err = run("search", QUERY, "-j", "to", "--as-of", as_of, "--json")
        assert code == 0, err
        return json.loads(out)["hits"]

    assert found(BEFORE) == []
    between = found(BETWEEN)
    assert between and all(h["id"].startswith(ACT) for h in between)
    assert {h["as_of_version"] for h in between} == {1}
    assert LATER_ACT + "/~sec_1" in {h["id"] for h in found(AFTER)}
    code, _, err = run("search", QUERY, "--as-of", "2020-13-01")
    assert code == 2 and "as_of" in err


def test_cli_show_as_of(home: Path) -> None:
    code, out, err = run("show", ACT, "--as-of", BETWEEN)
    assert code == 0, err
    assert "Minister" in out and "Auctions" not in out and "version 1" in err
    code, out, err = run("show", ACT, "--as-of", AFTER)
    assert code == 0 and "Regulator for fifteen years" in out and "Auctions" in out
    code, out, err = run("show", ACT, "--as-of", BEFORE)
    assert code == 1 and "not in force on 2018-06-01" in err and "Minister" not in out
    code, _, err = run("show", f"{ACT}/~sec_3", "--as-of", BETWEEN)
    assert code == 1 and "not in the text in force" in err
    code, _, err = run("show", ACT, "--as-of", "June 2020")
    assert code == 2


def test_cli_compare_as_of(home: Path) -> None:
    code, out, err = run("compare", "-t", "spectrum", "-j", "to", "-k", "5", "-f", "json",
                         "--as-of", BETWEEN)
    assert code == 0, err
    hits = [h["id"] for c in json.loads(out)["cells"] for h in c["hits"]]
    assert set(hits) == {f"{ACT}/~sec_1", f"{ACT}/~sec_2"}


# -- the API -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def api(kb) -> Iterator[TestClient]:

    with api_client(kb) as client:
        yield client


def test_api_search_as_of(api: TestClient) -> None:
    def hits(as_of: str) -> list[dict]:
        res = api.get("/v1/search", params={"q": QUERY, "jurisdiction": "to", "as_of": as_of})
        assert res.status_code == 200, res.text
        return res.json()["hits"]

    assert hits(BEFORE) == []
    between = hits(BETWEEN)
    assert between and {h["as_of_version"] for h in between} == {1}
    assert "<mark>" in next(h for h in between if h["id"] == f"{ACT}/~sec_1")["snippet"]
    assert LATER_ACT + "/~sec_1" in {h["id"] for h in hits(AFTER)}
    bad = api.get("/v1/search", params={"q": QUERY, "as_of": "2020-02-30"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "as_of" in bad.json()["detail"]


def test_api_instrument_and_compare_as_of(api: TestClient) -> None:
    path = "/v1/instruments" + ACT
    old = api.get(path, params={"as_of": BETWEEN}).json()
    assert old["as_of"]["version"] == 1 and len(old["provisions"]) == 2
    assert api.get(path, params={"as_of": AFTER}).json()["as_of"]["current"]
    gone = api.get(path, params={"as_of": BEFORE}).json()
    assert gone["as_of"]["in_force"] is False and gone["provisions"] == []
    assert api.get(path, params={"as_of": "soon"}).status_code == 400
    grid = api.get("/v1/compare", params={"topic": "spectrum", "jurisdiction": "to",
                                          "per_cell": 5, "as_of": BEFORE}).json()
    assert all(not cell["hits"] for cell in grid["cells"])
    grid = api.get("/v1/compare", params={"topic": "spectrum", "jurisdiction": "to",
                                          "per_cell": 5, "as_of": AFTER}).json()
    assert LATER_ACT + "/~sec_1" in {h["id"] for c in grid["cells"] for h in c["hits"]}


def test_no_as_of_leaves_search_unchanged(kb) -> None:
    plain = kb.search(QUERY, jurisdiction="to")
    assert all(hit.as_of_note is None for hit in plain.hits)
    assert plain.total == kb.search(QUERY, jurisdiction="to", as_of=AFTER).total
