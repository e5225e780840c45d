"""Treaty parties and dates, and links from domestic provisions to treaty commitments: the
bundled entries and link files, the real index, the CLI, the API and the web page."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kb.backends.embedded import TantivyBackend
from kb.cli import app as cli
from kb.config import Settings
from kb.core import KnowledgeBase
from kb.links import LINKS_DIR, RELATIONS, InvalidLink, Link, accept, load_links
from kb.load import ENTRIES_DIR, load_entries
from tests.conftest import api_client

VN_CSL_263 = "/akn/vn/act/2018/24-2018-qh14/~art_26__cl_3"
VN_CSL_26 = "/akn/vn/act/2018/24-2018-qh14/~art_26"
VN_DATA_23 = "/akn/vn/act/2024/60-2024-qh15/~art_23"
CPTPP_1411 = "/akn/int/agreement-chapter/2018/cptpp-ch14/~chp_14__art_14.11"
CPTPP_1413 = "/akn/int/agreement-chapter/2018/cptpp-ch14/~chp_14__art_14.13"
CPTPP_146 = "/akn/int/agreement-chapter/2018/cptpp-ch14/~chp_14__art_14.6"
DEPA_43 = "/akn/int/treaty/2020/depa/~mod_4__art_4.3"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    """The bundled entries indexed in a fresh home (embedded backend)."""
    home = tmp_path_factory.mktemp("links")
    base = KnowledgeBase(Settings(home=home), backend=TantivyBackend(home / "index"))
    base.index()
    yield base
    base.close()


@pytest.fixture(scope="module")
def client(kb: KnowledgeBase) -> Iterator[TestClient]:
    with api_client(kb) as c:
        yield c


# -- parties and dates ------------------------------------------------------------------------
def test_viet_nam_is_bound_from_its_own_entry_into_force(kb: KnowledgeBase) -> None:
    assert kb.bound("cptpp", "vn") == (True, dt.date(2019, 1, 14), "in-force")
    assert kb.bound("cptpp", "vn", on="2019-01-13") == (False, None, "ratified")
    assert kb.bound("cptpp", "vn", on=dt.date(2018, 3, 8)).status == "signed"
    assert kb.bound("rcep", "vn") == (True, dt.date(2022, 1, 1), "in-force")
    assert kb.bound("depa", "vn") == (False, None, "not-party")
    # signed, ratification not recorded: never counted as bound
    assert kb.bound("ipef-scr", "vn") == (False, None, "signed")
    assert kb.bound("ipef-scr", "us").bound
    assert kb.bound("ipef-ce", "vn") == (False, None, "unknown")
    # a chapter entry shares its treaty's parties through the agreement code
    assert kb.bound("usmca", "mx").since == dt.date(2020, 7, 1)


def test_every_agreement_with_party_dates_is_consistent() -> None:
    entries = load_entries()
    dated = [r for r in entries.instruments if r.party_dates]
    assert {r.agreement for r in dated} >= {"cptpp", "rcep", "depa", "usmca", "ipef-scr",
                                            "asean-ecom", "ksdpa", "sadea", "uksdea"}
    for record in dated:
        for item in record.party_dates:
            assert item.source or record.parties_source, (record.id, item.party)
            steps = [d for d in (item.signed, item.ratified, item.in_force) if d]
            assert steps == sorted(steps), (record.id, item.party)


def test_party_dates_are_validated_with_file_line_and_field(tmp_path: Path) -> None:
    source = (ENTRIES_DIR / "instruments" / "int" / "sadea.yaml").read_text("utf-8")
    broken = source.replace(
        "  - {party: au, signed: 2020-08-06, in_force: 2020-12-08}",
        "  - {party: au, signed: 2020-12-09, in_force: 2020-12-08}\n"
        "  - {party: zz, signed: 2020-08-06}\n"
        "  - {party: nz, signed: 2020-08-06, uncertain: [in_force]}")
    assert broken != source
    path = tmp_path / "sadea.yaml"
    path.write_text(broken, "utf-8")
    errors = [str(e) for e in load_entries([path]).errors]
    line = broken.splitlines().index("  - {party: au, signed: 2020-12-09, in_force: 2020-12-08}")
    assert any(f":{line + 1}: party_dates[0].in_force: in_force (2020-12-08) is before signed"
               in e for e in errors), errors
    assert any("party_dates[1].party: unknown jurisdiction: 'zz'" in e for e in errors), errors
    assert any("party_dates[2].party: 'nz' is not listed in parties" in e for e in errors)
    assert any("party_dates[2].uncertain[0]: 'in_force' has no date" in e for e in errors)


def test_parties_api_and_bound_filter(client: TestClient) -> None:
    body = client.get("/v1/agreements/cptpp/parties").json()
    vn = next(p for p in body["parties"] if p["party"] == "vn")
    assert (vn["signed"], vn["ratified"], vn["in_force"]) == (
        "2018-03-08", "2018-11-15", "2019-01-14")
    assert vn["status"] == "in-force" and vn["bound"] and vn["source"].startswith("https://")
    early = client.get("/v1/agreements/cptpp/parties", params={"on": "2018-12-31"}).json()
    assert next(p for p in early["parties"] if p["party"] == "vn")["status"] == "ratified"
    assert client.get("/v1/agreements/nope/parties").status_code == 404
    answer = client.get("/v1/agreements/depa/bound", params={"jurisdiction": "vn"}).json()
    assert answer["bound"] is False and answer["status"] == "not-party"
    listed = {a["agreement"]: a for a in client.get("/v1/agreements").json()}
    assert "vn" in listed["rcep"]["in_force_for"] and "vn" not in listed["ipef-scr"]["in_force_for"]

    hits = client.get("/v1/search", params={"q": "data", "bound": "vn", "limit": 50}).json()
    assert hits["total"] > 0
    assert {h["instrument_id"].split("/")[5] for h in hits["hits"] if h["instrument_id"]} <= {
        "cptpp", "cptpp-ch13", "cptpp-ch14", "rcep", "rcep-ch12", "asean-ecom"}
    assert not any("depa" in h["id"] for h in hits["hits"])
    before = client.get("/v1/search", params={"q": "data", "bound": "vn",
                                              "bound_on": "2018-06-01"}).json()
    assert before["total"] == 0


# -- curated links ----------------------------------------------------------------------------
def test_bundled_links_load_clean_and_cover_viet_nam() -> None:
    links = load_links()
    assert not links.errors, [str(e) for e in links.errors]
    assert len(links.links) >= 30
    assert set(Counter(s.link.relation for s in links.links)) <= set(RELATIONS)
    assert all(s.link.domestic.startswith("/akn/vn/") for s in links.links)
    # Viet Nam is not a DEPA party: only "relevant" links to DEPA
    assert {s.link.relation for s in links.links if "/depa/" in s.link.treaty} == {"relevant"}


def _write(tmp_path: Path, items: list[dict]) -> Path:
    folder = tmp_path / "links"
    folder.mkdir(exist_ok=True)
    path = folder / "xx.yaml"
    path.write_text("# test links\n" + yaml.safe_dump(items, sort_keys=False), "utf-8")
    return path


def test_link_errors_name_file_line_and_field(tmp_path: Path) -> None:
    good = {"domestic": VN_DATA_23, "treaty": CPTPP_1411, "relation": "relevant",
            "note": "A note of enough length.", "source": "CPTPP Article 14.11"}
    path = _write(tmp_path, [
        good,
        {**good, "relation": "agrees"},
        {**good, "domestic": "/akn/vn/act/2099/1-2099-qh99/~art_1"},
        {**good, "treaty": DEPA_43, "relation": "conforms"},
        {**good, "domestic": CPTPP_1413},
        {**good, "treaty": "not an id"},
        dict(good),
    ])
    result = load_links([path])
    errors = [str(e) for e in result.errors]
    lines = path.read_text("utf-8").splitlines()
    starts = [i + 1 for i, line in enumerate(lines) if line.startswith("- ")]
    assert len(result.links) == 1
    assert any(f":{starts[1] + 2}: [1].relation: 'agrees' is not one of 'implements'" in e
               for e in errors), errors
    assert any(f":{starts[2]}: [2].domestic: unknown provision" in e for e in errors), errors
    assert any("[3].relation: 'vn' is not a party to 'depa'" in e for e in errors), errors
    assert any("[4].domestic:" in e and "is treaty text" in e for e in errors), errors
    assert any("[5].treaty: not a provision id" in e for e in errors), errors
    assert any(f":{starts[6]}: treaty: this pair is already linked at" in e for e in errors), errors

    run = CliRunner().invoke(cli, ["check", str(path)])
    assert run.exit_code == 1
    assert f"xx.yaml:{starts[1] + 2}: [1].relation:" in run.output


def test_accept_appends_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "links" / "vn.yaml"
    path.parent.mkdir()
    shutil.copy(LINKS_DIR / "vn.yaml", path)
    before = path.read_bytes()
    entries = load_entries()
    existing = load_links([path], entries)
    link = Link(domestic=VN_DATA_23, treaty=CPTPP_146, relation="relevant",
                note="Test: security conditions on data leaving Viet Nam.", note_vi="Thử nghiệm.",
                source="https://www.mfat.govt.nz/")
    written = accept(link, path, entries, existing)
    after = path.read_bytes()
    assert after.startswith(before)  # comments and formatting untouched
    reread = load_links([path], entries)
    assert not reread.errors
    assert len(reread.links) == len(existing.links) + 1
    assert reread.links[-1].link == link and reread.links[-1].line == written.line
    # the same pair again, or an unknown provision: refused, file unchanged
    with pytest.raises(InvalidLink, match="already linked"):
        accept(link, path, entries, reread)
    bad = link.model_copy(update={"domestic": "/akn/vn/act/2099/1-2099-qh99/~art_1"})
    with pytest.raises(InvalidLink, match="unknown provision"):
        accept(bad, path, entries, reread)
    assert path.read_bytes() == after


def test_cli_accept_and_suggest(tmp_path: Path, kb: KnowledgeBase,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kb.cli._kb", lambda: kb)
    target = tmp_path / "new.links.yaml"
    run = CliRunner().invoke(cli, [
        "links", "accept", VN_DATA_23, CPTPP_146, "--relation", "relevant",
        "--note", "Test note on data transfer conditions.", "--source", "CPTPP 14.6",
        "--file", str(target)])
    assert run.exit_code == 0, run.output
    assert target.read_text("utf-8").startswith("# Links from VN provisions")
    assert load_links([target]).links[0].link.treaty == CPTPP_146
    bundled = (LINKS_DIR / "vn.yaml").read_bytes()
    run = CliRunner().invoke(cli, ["links", "suggest", VN_DATA_23, "-a", "cptpp", "--json"])
    assert run.exit_code == 0, run.output
    found = yaml.safe_load(run.stdout)
    assert found and all(s["agreement"] == "cptpp" for s in found)
    assert found[0]["score"] == 1.0 and all(0 < s["score"] <= 1 for s in found)
    assert any(s["treaty"] == CPTPP_1411 and s["already_linked"] for s in found)
    assert (LINKS_DIR / "vn.yaml").read_bytes() == bundled  # suggestions are never stored


def test_links_both_directions(kb: KnowledgeBase, client: TestClient) -> None:
    domestic = kb.links(VN_CSL_26)  # the article shows the links of its clause 3
    assert {r["treaty"] for r in domestic} >= {CPTPP_1413}
    row = next(r for r in domestic if r["treaty"] == CPTPP_1413)
    assert row["direction"] == "to-treaty" and row["relation"] == "conflicts"
    assert row["bound"] is True and row["bound_since"] == dt.date(2019, 1, 14)
    frame = domestic.to_pandas()
    assert {"relation", "note", "source", "other"} <= set(frame.columns)

    body = client.get(f"/v1/provisions{CPTPP_1413}/links").json()
    assert body["total"] >= 2
    assert {r["direction"] for r in body["links"]} == {"to-domestic"}
    assert VN_CSL_263 in {r["domestic"] for r in body["links"]}
    assert client.get("/v1/provisions/akn/sg/act/2012/26/~sec_26/links").json()["total"] == 0
    assert client.get("/v1/provisions/akn/xx/act/2000/1/~art_1/links").status_code == 404

    page = client.get(f"/provisions{CPTPP_1413}", params={"lang": "en"}).text
    assert "Domestic measures under this commitment" in page and "Conflicts" in page
    page_vi = client.get(f"/provisions{CPTPP_1413}", params={"lang": "vi"}).text
    assert "Biện pháp trong nước theo cam kết này" in page_vi and "Xung đột" in page_vi
    page = client.get(f"/provisions{VN_CSL_263}", params={"lang": "en"}).text
    assert "Treaty commitments this measure touches" in page and "bound since 2019-01-14" in page
