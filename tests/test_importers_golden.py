"""Golden files: every tests/examples/<format>/<name>.<ext> parses to <name>.expected.json.

Regenerate on purpose with ``pytest tests/test_importers_golden.py --regen-golden`` and read
the diff before committing it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb import importers

EXAMPLES = Path(__file__).parent / "examples"
CASES = sorted(
    p
    for p in EXAMPLES.glob("*/*")
    if p.is_file()
    and not p.name.endswith(".expected.json")
    and p.name != "README.md"
    and p.parent.name in importers.importers()
)


@pytest.mark.parametrize("sample", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_parse_matches_golden(sample: Path, request: pytest.FixtureRequest) -> None:
    module = importers.get(sample.parent.name)
    expected_path = sample.with_name(sample.name.rsplit(".", 1)[0] + ".expected.json")
    got = [doc.to_dict() for doc in module.parse(sample.read_bytes(), sample.name)]
    if request.config.getoption("--regen-golden"):
        expected_path.write_text(json.dumps(got, ensure_ascii=False, indent=2) + "\n")
    assert expected_path.exists(), f"no golden file {expected_path.name}: run with --regen-golden"
    assert got == json.loads(expected_path.read_text())


@pytest.mark.parametrize("sample", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_format_is_detected(sample: Path) -> None:
    assert importers.detect(sample.read_bytes(), sample.name).FORMAT == sample.parent.name
