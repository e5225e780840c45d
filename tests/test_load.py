"""The YAML loader: every kind of broken entry is reported with file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kb.load import load_entries

VALID = """\
kind: instrument
id: /akn/sg/act/2012/26
title: Personal Data Protection Act 2012
jurisdiction: sg
doc_type: act
status: in-force
dates:
  adopted: 2012-10-15
  in_force: 2014-07-02
sectors: [digital-economy]
topics:
  - digital-economy/personal-data
language: en
summary: Singapore's data protection law.
source_url: https://sso.agc.gov.sg/Act/PDPA2012
provisions:
  - number: Section 26
    eid: sec_26
    summary: Limits transfers abroad.
"""

NOTE = """\
kind: case-note
id: /notes/kr/2021/2g-shutdown
title: Korea 2G switch-off
jurisdictions: [kr]
sectors: [telecom]
topics: [telecom/2g-sunset]
summary: Operators closed 2G.
outcome: Subscribers migrated.
lessons:
  - Announce early.
sources:
  - title: Regulator
    url: https://example.org/2g
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def errors_for(tmp_path: Path, text: str, name: str = "entry.yaml") -> list[str]:
    write(tmp_path, name, text)
    return [str(e) for e in load_entries([tmp_path]).errors]


def test_a_label_written_over_lines_is_kept_on_one(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", VALID.replace("  - number: Section 26\n",
                                            '  - number: "Section\\n\\t26"\n'))
    result = load_entries([tmp_path])
    assert result.errors == []
    assert result.records[0].provisions[0].number == "Section 26"


def test_valid_entries_load(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", VALID)
    write(tmp_path, "b.yaml", NOTE)
    result = load_entries([tmp_path])
    assert result.errors == []
    assert [r.id for r in result.records] == ["/akn/sg/act/2012/26", "/notes/kr/2021/2g-shutdown"]


CASES = [
    # (description, old, new, expected message: line, field, text)
    (
        "bad date",
        "in_force: 2014-07-02",
        "in_force: 2012-13-01",
        ":9: dates.in_force: not a date: '2012-13-01'",
    ),
    (
        "unknown topic",
        "- digital-economy/personal-data",
        "- digital-economy/telepathy",
        ":12: topics[0]: unknown topic: 'digital-economy/telepathy'",
    ),
    (
        "unknown sector",
        "sectors: [digital-economy]",
        "sectors: [fisheries]",
        ":10: sectors[0]: unknown sector: 'fisheries'",
    ),
    (
        "unknown jurisdiction",
        "jurisdiction: sg",
        "jurisdiction: xq",
        ":4: jurisdiction: unknown jurisdiction: 'xq'",
    ),
    (
        "bad url",
        "source_url: https://sso.agc.gov.sg/Act/PDPA2012",
        "source_url: sso dot gov",
        ":15: source_url: not a URL: 'sso dot gov'",
    ),
    (
        "bad id",
        "id: /akn/sg/act/2012/26",
        "id: sg-pdpa",
        ":2: id: not an Akoma Ntoso work id: 'sg-pdpa'",
    ),
    (
        "id country mismatch",
        "jurisdiction: sg",
        "jurisdiction: my",
        ":2: id: id country 'sg' does not match jurisdiction 'my'",
    ),
    (
        "missing title",
        "title: Personal Data Protection Act 2012\n",
        "",
        ":1: title: required field is missing",
    ),
    ("unknown field", "language: en", "language: en\nlanguge: en", ":14: languge: unknown field"),
    ("bad status", "status: in-force", "status: alive", ":6: status: 'alive' is not one of"),
    ("bad doc type", "doc_type: act", "doc_type: poem", ":5: doc_type: 'poem' is not one of"),
    (
        "bad eid",
        "eid: sec_26",
        "eid: 'Sec 26!'",
        ":18: provisions[0].eid: not an Akoma Ntoso eId: 'Sec 26!'",
    ),
    (
        "provision without number",
        "  - number: Section 26\n",
        "  - heading: x\n",
        ":17: provisions[0].number: required field is missing",
    ),
    (
        "label of a page",
        "  - number: Section 26\n",
        "  - number: " + "Section 26 " * 30 + "\n",
        ":17: provisions[0].number: a label such as 'Article 14.13' has at most 200 characters",
    ),
    (
        "date out of range",
        "adopted: 2012-10-15",
        "adopted: 1212-10-15",
        ":8: dates.adopted: date out of range: 1212-10-15",
    ),
    (
        "topics not a list",
        "topics:\n  - digital-economy/personal-data",
        "topics: 7",
        ":11: topics: expected a list, got 7",
    ),
    ("invalid yaml", "sectors: [digital-economy]", "sectors: [digital-economy", "invalid YAML"),
    ("not a mapping", None, "- just\n- a list\n", ":1: an entry must be a YAML mapping"),
    ("unknown kind", "kind: instrument", "kind: statute", ":1: kind: unknown kind: 'statute'"),
    ("kind a mapping", "kind: instrument", "kind: {a: b}", ":1: kind: unknown kind: {'a': 'b'}"),
    ("kind a list", "kind: instrument", "kind: [instrument]",
     ":1: kind: unknown kind: ['instrument']"),
    (
        "unknown provision topic",
        "    summary: Limits transfers abroad.",
        "    summary: Limits transfers abroad.\n    topics: [spectrum/nothing]",
        ":20: provisions[0].topics[0]: unknown topic: 'spectrum/nothing'",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_broken_entry_is_reported_with_line_and_field(tmp_path: Path, case) -> None:
    _, old, new, expected = case
    text = new if old is None else VALID.replace(old, new, 1)
    assert old is None or text != VALID, "test case does not change the entry"
    errors = errors_for(tmp_path, text)
    assert any(expected in e for e in errors), errors
    assert all(
        e.startswith(
            str(tmp_path.resolve().relative_to(Path.cwd()))
            if tmp_path.resolve().is_relative_to(Path.cwd())
            else str(tmp_path)
        )
        for e in errors
    )


def test_note_errors(tmp_path: Path) -> None:
    errors = errors_for(
        tmp_path,
        NOTE.replace("lessons:\n  - Announce early.\n", "lessons: []\n").replace(
            "url: https://example.org/2g", "url: ftp://x"
        ),
    )
    assert any(":9: lessons: must not be empty" in e for e in errors), errors
    assert any(":12: sources[0].url: not a URL: 'ftp://x'" in e for e in errors), errors


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", VALID)
    write(tmp_path, "b.yaml", VALID)
    result = load_entries([tmp_path])
    assert len(result.records) == 1
    assert len(result.errors) == 1
    assert "b.yaml:2: id: duplicate id '/akn/sg/act/2012/26' (first defined in" in str(
        result.errors[0]
    )


def test_unknown_related_instrument(tmp_path: Path) -> None:
    errors = errors_for(tmp_path, NOTE + "related_instruments: [/akn/kr/act/2020/1]\n")
    assert any(":14: related_instruments[0]: unknown instrument id" in e for e in errors), errors


def test_every_error_reported_and_valid_entries_still_load(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", VALID)
    write(tmp_path, "note.yaml", NOTE)
    write(
        tmp_path,
        "bad1.yaml",
        VALID.replace("/26", "/27")
        .replace("2014-07-02", "2014-02-30")
        .replace("status: in-force", "status: alive"),
    )
    write(tmp_path, "bad2.yaml", "kind: [")
    result = load_entries([tmp_path])
    assert {r.id for r in result.records} == {"/akn/sg/act/2012/26", "/notes/kr/2021/2g-shutdown"}
    messages = [str(e) for e in result.errors]
    assert len(messages) == 3
    assert any("bad1.yaml:9: dates.in_force: not a date" in m for m in messages)
    assert any("bad1.yaml:6: status:" in m for m in messages)
    assert any("bad2.yaml:" in m and "invalid YAML" in m for m in messages)


def test_a_portal_home_page_as_source_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "home.yaml", VALID.replace("https://sso.agc.gov.sg/Act/PDPA2012",
                                               "https://vbpl.vn/"))
    write(tmp_path, "note.yaml", NOTE.replace("https://example.org/2g", "https://www.imda.gov.sg/en"))
    result = load_entries([tmp_path])
    assert not result.errors and len(result.records) == 2
    warnings = sorted(str(w) for w in result.warnings)
    assert len(warnings) == 2, warnings
    assert "home.yaml:15: source_url: https://vbpl.vn/ is a portal's home page" in warnings[0]
    assert "note.yaml:13: sources[0].url:" in warnings[1]


def test_bundled_entries_are_valid() -> None:
    result = load_entries()
    assert [str(e) for e in result.errors] == []
    assert len(result.instruments) >= 60
    assert len(result.case_notes) >= 20
