"""`kb import FILE.jsonl`: whole files of records, checked line by line, stored all or nothing.

Real files in tmp_path and a real record store and index (``kb_home``); nothing is mocked.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kb.cli import app
from kb.core import KnowledgeBase
from kb.importing import import_paths
from kb.models import CaseNote, Instrument
from kb.search import SearchQuery

DOC = Path(__file__).resolve().parents[1] / "docs" / "jsonl.md"
runner = CliRunner()


def instrument(n: int, **changes: Any) -> dict[str, Any]:
    """A valid instrument line with two provisions; ``n`` makes its id and wording unique."""
    record = {
        "kind": "instrument",
        "id": f"/akn/sg/act/2020/bulk-{n}",
        "title": f"Bulk Spectrum Act {n}",
        "jurisdiction": "sg",
        "doc_type": "act",
        "dates": {"adopted": "2020-03-01"},
        "sectors": ["spectrum"],
        "topics": ["spectrum/auction"],
        "source_url": f"https://example.org/sg/bulk-{n}",
        "provisions": [
            {"eid": "sec_1", "number": "1", "heading": "Auctions",
             "text": f"The authority may assign frequencies by quokkaphone auction {n}."},
            {"eid": "sec_2", "number": "2", "heading": "Reserve prices",
             "text": "The authority shall publish reserve prices before the auction."},
        ],
    }
    record.update(changes)
    return record


def note(**changes: Any) -> dict[str, Any]:
    record = {
        "kind": "case-note",
        "id": "/notes/kr/2021/bulk-2g-closure",
        "title": "Bulk-loaded 2G closure",
        "jurisdictions": ["kr"],
        "sectors": ["telecom"],
        "topics": ["telecom/2g-sunset"],
        "summary": "Operators closed their 2G networks with a wombatphone migration scheme.",
        "outcome": "Subscribers moved to LTE.",
        "lessons": ["Announce the date early."],
        "sources": [{"title": "Regulator", "url": "https://example.org/2g"}],
    }
    record.update(changes)
    return record


def write(path: Path, lines: list[dict[str, Any] | str]) -> Path:
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def kb(kb_home: Path) -> Iterator[KnowledgeBase]:
    base = KnowledgeBase()
    yield base
    base.close()


def test_good_file_is_stored_with_provenance(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = write(tmp_path / "records.jsonl", [instrument(1), instrument(2), instrument(3)])
    report = import_paths([path], kb.store)
    assert report.failed == []
    assert [(i["status"], i["provisions"]) for i in report.imported] == [("new", 2)] * 3

    stored = kb.store.get("/akn/sg/act/2020/bulk-2")
    assert isinstance(stored, Instrument) and stored.origin == "imported"
    assert [p.number for p in stored.provisions] == ["1", "2"]
    prov = stored.provenance
    assert prov is not None and prov.url == path.resolve().as_uri()
    assert prov.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert prov.agent == "import/jsonl 1" and prov.fetched_at.tzinfo is not None


def test_mixed_file_is_stored_and_searchable_after_index(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    """Instruments and case notes in one file, with and without ``kind`` (the id says it)."""
    inferred = instrument(2)
    del inferred["kind"]  # the /akn/ id says it is an instrument
    untyped_note = note(id="/notes/kr/2022/bulk-other")
    del untyped_note["kind"]
    path = write(tmp_path / "mixed.ndjson",
                 [instrument(1), note(), "", inferred, untyped_note])
    report = import_paths([path], kb.store)
    assert report.failed == []
    assert [i["kind"] for i in report.imported] == ["instrument", "case-note", "instrument",
                                                     "case-note"]
    stored = kb.store.get("/notes/kr/2021/bulk-2g-closure")
    assert isinstance(stored, CaseNote)
    (version,) = kb.store.versions(stored.id)
    assert version.provenance["agent"] == "import/jsonl 1"
    assert version.provenance["url"] == path.resolve().as_uri()

    kb.index()
    hits = kb.search(SearchQuery(text="quokkaphone", kinds=["provision"], limit=20)).hits
    assert {h.id for h in hits} == {f"/akn/sg/act/2020/bulk-{n}/~sec_1" for n in (1, 2)}
    hits = kb.search(SearchQuery(text="wombatphone")).hits
    assert {(h.id, h.kind) for h in hits} == {("/notes/kr/2021/bulk-2g-closure", "case-note"),
                                              ("/notes/kr/2022/bulk-other", "case-note")}


def test_reimport_is_idempotent_and_a_change_is_a_new_version(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    path = write(tmp_path / "records.jsonl", [instrument(1), instrument(2), note()])
    import_paths([path], kb.store)
    again = import_paths([path], kb.store)
    assert {i["status"] for i in again.imported} == {"unchanged"}
    assert all(len(kb.store.versions(i["id"])) == 1 for i in again.imported)
    # the bulk path hashes records exactly as a single put does
    assert kb.store.put(kb.store.get("/akn/sg/act/2020/bulk-1")).status == "unchanged"

    changed = instrument(2, title="Bulk Spectrum Act 2 (amended)")
    write(path, [instrument(1), changed, note()])
    report = import_paths([path], kb.store)
    assert [i["status"] for i in report.imported] == ["unchanged", "new-version", "unchanged"]
    versions = kb.store.versions("/akn/sg/act/2020/bulk-2")
    assert [(v.version, v.current) for v in versions] == [(1, False), (2, True)]
    assert kb.store.get("/akn/sg/act/2020/bulk-2", version=1).title == "Bulk Spectrum Act 2"


def _without(record: dict[str, Any], *path: str | int) -> dict[str, Any]:
    out = copy.deepcopy(record)
    target = out
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return out


def _with(record: dict[str, Any], value: Any, *path: str | int) -> dict[str, Any]:
    out = copy.deepcopy(record)
    target = out
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return out


BAD_LINES = {
    "wrong type": (_with(instrument(9), "first", "provisions", 1, "order"),
                   "provisions[1].order: not a whole number: 'first'"),
    "missing field": (_without(instrument(9), "provisions", 1, "number"),
                      "provisions[1].number: required field is missing"),
    "label with a control character": (
        _with(instrument(9), "Art\x001", "provisions", 1, "number"),
        "provisions[1].number: a label holds no control character (found '\\x00')"),
    "label of a page": (_with(instrument(9), "A" * 20_000, "provisions", 1, "number"),
                        "provisions[1].number: a label such as 'Article 14.13' has at most 200"),
    "empty provision": (_with(instrument(9), [{"eid": "sec_1", "number": "1"}], "provisions"),
                        "provisions[0]: a provision needs a text, a summary or a heading"),
    "bad JSON": ('{"kind": "instrument", "id": ', "invalid JSON at column"),
    "not an object": ('["/akn/sg/act/2020/x"]', "expected a JSON object, got list"),
    "bad id": (instrument(9, id="/akn/sg/26"), "id: not an Akoma Ntoso work id: '/akn/sg/26'"),
    "bad note id": (note(id="/notes/kr/2g"), "id: not a case-note id"),
    "unknown kind": (instrument(9, kind="law"), "kind: unknown kind: 'law'"),
    "kind a list": (instrument(9, kind=["instrument"]), "kind: unknown kind: ['instrument']"),
    "kind an object": (instrument(9, kind={"x": "y" * 200}), "kind: unknown kind: {'x': 'yyy"),
    "no kind, id a list": (_without(instrument(9, id=["/akn/sg"]), "kind"),
                           "id: neither an instrument id"),
    "no kind, odd id": (_without(instrument(9, id="sg-26"), "kind"),
                        "id: neither an instrument id"),
    "unknown field": (instrument(9, colour="red"), "colour: unknown field"),
    "unknown topic": (instrument(9, topics=["spectrum/nowhere"]),
                      "topics[0]: unknown topic: 'spectrum/nowhere'"),
    "id country": (instrument(9, jurisdiction="jp"), "id: id country 'sg' does not match"),
    "provenance given": (instrument(9, provenance={"url": "https://example.org"}),
                         "provenance: set by the importer"),
    "duplicate id": (instrument(1), "id: duplicate id '/akn/sg/act/2020/bulk-1' "
                                    "(first on line 1)"),
}


@pytest.mark.parametrize("bad,expected", BAD_LINES.values(), ids=BAD_LINES.keys())
def test_a_bad_line_is_named_and_nothing_of_the_file_is_stored(
    tmp_path: Path, kb: KnowledgeBase, bad: dict[str, Any] | str, expected: str
) -> None:
    path = write(tmp_path / "records.jsonl", [instrument(1), bad, note()])
    report = import_paths([path], kb.store)
    assert report.imported == []
    messages = [item["error"] for item in report.failed]
    assert any(f"records.jsonl:2: {expected}" in m for m in messages), messages
    assert all(item["line"] == 2 for item in report.failed)
    assert kb.store.ids() == []


def test_a_bad_file_leaves_stored_records_as_they_were(tmp_path: Path, kb: KnowledgeBase) -> None:
    good = write(tmp_path / "good.jsonl", [instrument(1)])
    import_paths([good], kb.store)
    bad = write(tmp_path / "bad.jsonl", [instrument(1, title="Renamed"), instrument(2),
                                         _without(instrument(3), "title")])
    report = import_paths([good, bad], kb.store)
    assert [i["status"] for i in report.imported] == ["unchanged"]
    assert [Path(f["path"]).name for f in report.failed] == ["bad.jsonl"]
    assert kb.store.ids() == ["/akn/sg/act/2020/bulk-1"]
    assert len(kb.store.versions("/akn/sg/act/2020/bulk-1")) == 1


def test_every_bad_line_is_reported_in_one_pass(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = write(tmp_path / "records.jsonl", [
        instrument(1), "{", instrument(3, doc_type="novel"), instrument(4), "\xff oops",
    ])
    report = import_paths([path], kb.store)
    assert [(f["line"], f["field"]) for f in report.failed] == [(2, ""), (3, "doc_type"),
                                                                (5, "")]


def test_cli_reports_file_line_and_field_and_exits_1(tmp_path: Path, kb_home: Path) -> None:
    bad = write(tmp_path / "bad.jsonl",
                [instrument(1), _without(instrument(2), "provisions", 1, "number")])
    result = runner.invoke(app, ["import", str(bad)])
    assert result.exit_code == 1
    assert "bad.jsonl:2: provisions[1].number: required field is missing" in result.stdout
    assert "0 new, 0 new-version, 0 unchanged, 1 refused" in result.stderr

    good = write(tmp_path / "good.jsonl", [instrument(1), note()])
    result = runner.invoke(app, ["import", str(good), "--json"])
    assert result.exit_code == 0, result.stdout
    assert [i["status"] for i in json.loads(result.stdout)["imported"]] == ["new", "new"]

    meta = write(tmp_path / "meta.yaml", [])
    result = runner.invoke(app, ["import", str(good), "--meta", str(meta)])
    assert result.exit_code == 1 and "--meta does not apply" in result.stdout


def test_jsonl_is_listed_and_detected(tmp_path: Path) -> None:
    result = runner.invoke(app, ["formats"])
    assert result.exit_code == 0 and "jsonl" in result.stdout
    from kb import importers

    line = json.dumps(instrument(1)).encode()
    assert importers.detect(line + b"\n", "dump.txt").FORMAT == "jsonl"
    assert importers.detect(b"", "empty.jsonl").FORMAT == "jsonl"


def test_the_documented_examples_import(tmp_path: Path, kb: KnowledgeBase) -> None:
    """docs/jsonl.md cannot drift: its example lines are a valid file."""
    examples = re.findall(r"```json\n(.*?)\n```", DOC.read_text(encoding="utf-8"), re.S)
    kinds = [json.loads(line)["kind"] for line in examples]
    assert kinds == ["instrument", "case-note"]
    assert len(json.loads(examples[0])["provisions"]) == 2
    path = write(tmp_path / "examples.jsonl", examples)
    report = import_paths([path], kb.store)
    assert report.failed == [] and len(report.imported) == 2


@pytest.mark.parametrize("kind", [["instrument"], {"a": "b"}, 7])
def test_a_file_whose_first_object_names_no_kind_is_not_taken_for_records(
    tmp_path: Path, kb: KnowledgeBase, kind: Any
) -> None:
    """Detection read the first line's kind as a dict key: a list raised TypeError."""
    path = write(tmp_path / "records.txt", [{"kind": kind, "id": "/akn/sg/act/2020/x"}])
    report = import_paths([path], kb.store)
    assert report.imported == []
    assert [Path(f["path"]).name for f in report.failed] == ["records.txt"]
    assert kb.store.ids() == []
