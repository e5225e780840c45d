"""`kb check --strict`: what keeps a valid entry from being cited is an error naming file, line
and field; plain `kb check` reports the same as warnings and exits 0."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.cli import app
from kb.load import load_entries
from kb.models import Instrument, Provenance, Provision
from kb.store import RecordStore

runner = CliRunner()

LONG_EN = (
    "Singapore's general law on personal data held by private organisations: it requires "
    "consent for collection, use and disclosure, limits use to the purposes notified, gives "
    "individuals access and correction rights, obliges organisations to protect the data and "
    "to notify significant breaches, and restricts transfers abroad to recipients bound to a "
    "comparable standard of protection."
)
LONG_VI = (
    "Luật chung của Xin-ga-po về dữ liệu cá nhân do các tổ chức tư nhân nắm giữ: yêu cầu có sự "
    "đồng ý khi thu thập, sử dụng và tiết lộ, giới hạn việc sử dụng theo mục đích đã thông báo, "
    "cho cá nhân quyền truy cập và chỉnh sửa, buộc tổ chức bảo vệ dữ liệu và thông báo vi phạm."
)

GOOD_INSTRUMENT = f"""\
kind: instrument
id: /akn/sg/act/2012/26
title: Personal Data Protection Act 2012
title_vi: Luật Bảo vệ dữ liệu cá nhân 2012
jurisdiction: sg
doc_type: act
status: in-force
dates:
  adopted: 2012-10-15
  last_amended: 2020-11-02
sectors: [digital-economy]
topics: [digital-economy/personal-data]
language: en
summary: >
  {LONG_EN}
summary_vi: >
  {LONG_VI}
source_url: https://sso.agc.gov.sg/Act/PDPA2012
verified:
  date: 2025-01-10
  source: https://sso.agc.gov.sg/Act/PDPA2012
provisions:
  - number: Section 26
    eid: sec_26
    summary: Limits transfers abroad.
"""

GOOD_NOTE = f"""\
kind: case-note
id: /notes/sg/2019/transfer-rules
title: Singapore's transfer rules in practice
title_vi: Quy định chuyển dữ liệu của Xin-ga-po trong thực tế
jurisdictions: [sg]
sectors: [digital-economy]
topics: [digital-economy/personal-data]
summary: >
  {LONG_EN}
summary_vi: >
  {LONG_VI}
outcome: Organisations adopted contractual clauses.
lessons:
  - Publish guidance with the law.
related_instruments: [/akn/sg/act/2012/26]
related_provisions: [/akn/sg/act/2012/26/~sec_26]
sources:
  - title: Regulator guidance
    url: https://www.pdpc.gov.sg/guidelines-and-consultation/2020/03/advisory-guidelines
verified:
  date: 2025-01-10
  source: https://www.pdpc.gov.sg/guidelines-and-consultation/2020/03/advisory-guidelines
"""


def _line_of(text: str, startswith: str) -> int:
    """The 1-based line of the first line that starts with ``startswith``."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(startswith):
            return number
    raise AssertionError(f"no line starts with {startswith!r}")


def _folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "entries"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def _check(folder: Path, *options: str) -> tuple[int, str]:
    result = runner.invoke(app, ["check", *options, str(folder)])
    return result.exit_code, result.stdout


@pytest.fixture(autouse=True)
def _home(kb_home: Path) -> Path:
    return kb_home


def test_good_entries_pass_strict(tmp_path: Path) -> None:
    folder = _folder(tmp_path, good=GOOD_INSTRUMENT, note=GOOD_NOTE)
    code, out = _check(folder, "--strict")
    assert code == 0, out
    result = load_entries([folder])
    assert not result.errors and not result.strict_violations


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


BAD = {
    # name: (file text, the line's start in that text, field, words in the message)
    "home-page": (_replace(GOOD_INSTRUMENT, "https://sso.agc.gov.sg/Act/PDPA2012\nverified",
                           "https://sso.agc.gov.sg/\nverified"),
                  "source_url:", "source_url", "portal's home page"),
    "landing-page": (_replace(GOOD_INSTRUMENT, "https://sso.agc.gov.sg/Act/PDPA2012\nverified",
                              "https://www.msit.go.kr/eng/index.do\nverified"),
                     "source_url:", "source_url", "portal's home page"),
    "short-summary": (_replace(GOOD_INSTRUMENT, f"  {LONG_EN}", "  Singapore's data law."),
                      "summary:", "summary", "3 words; a summary needs at least 40"),
    "short-summary-vi": (_replace(GOOD_INSTRUMENT, f"  {LONG_VI}", "  Luật dữ liệu."),
                         "summary_vi:", "summary_vi", "at least 40"),
    "no-title-vi": (_replace(GOOD_INSTRUMENT, "title_vi: Luật Bảo vệ dữ liệu cá nhân 2012\n", ""),
                    "title:", "title_vi", "required field is missing"),
    "no-summary-vi": (_replace(GOOD_INSTRUMENT, f"summary_vi: >\n  {LONG_VI}\n", ""),
                      "summary:", "summary_vi", "required field is missing"),
    "not-verified": (_replace(GOOD_INSTRUMENT,
                              "verified:\n  date: 2025-01-10\n  source: https://sso.agc.gov.sg/"
                              "Act/PDPA2012\n", ""),
                     "id:", "verified", "required field is missing"),
    "amended": (_replace(GOOD_INSTRUMENT, "status: in-force", "status: amended"),
                "status:", "status", "'amended' is deprecated"),
}

BAD_NOTES = {
    "note-home-page": (_replace(GOOD_NOTE, "    url: https://www.pdpc.gov.sg/guidelines",
                                "    url: https://www.pdpc.gov.sg/\n    # was: https://x.sg/g"),
                       "    url:", "sources[0].url", "portal's home page"),
    "note-short-summary": (_replace(GOOD_NOTE, f"  {LONG_EN}", "  Transfers got easier."),
                           "summary:", "summary", "3 words"),
    "note-no-title-vi": (_replace(GOOD_NOTE, "title_vi: Quy định chuyển dữ liệu của Xin-ga-po "
                                  "trong thực tế\n", ""), "title:", "title_vi", "missing"),
    "note-unknown-provision": (_replace(GOOD_NOTE, "/~sec_26]", "/~sec_99]"),
                               "related_provisions:", "related_provisions[0]",
                               "unknown provision id: '/akn/sg/act/2012/26/~sec_99'"),
    "note-unrelated": (_replace(_replace(GOOD_NOTE, "related_instruments: [/akn/sg/act/2012/26]\n",
                                         ""),
                                "related_provisions: [/akn/sg/act/2012/26/~sec_26]\n", ""),
                       "id:", "related_instruments", "must name the instruments or provisions"),
}


@pytest.mark.parametrize("name", [*BAD, *BAD_NOTES])
def test_each_violation_fails_strict_naming_file_line_and_field(tmp_path: Path,
                                                                name: str) -> None:
    text, starts, field, words = {**BAD, **BAD_NOTES}[name]
    if name in BAD_NOTES:
        folder = _folder(tmp_path, good=GOOD_INSTRUMENT, **{name: text})
    else:
        folder = _folder(tmp_path, **{name: text})
    line = _line_of(textwrap.dedent(text), starts)

    code, out = _check(folder, "--strict")
    assert code == 1, out
    flat = out.replace("\n", " ")
    assert re.search(rf"{re.escape(name)}\.yaml:{line}: {re.escape(field)}: [^\n]*"
                     rf"{re.escape(words)}", out), out
    assert "good.yaml" not in flat  # the good entry beside it is not blamed

    plain_code, plain = _check(folder)
    assert plain_code == 0, plain
    assert re.search(rf"warning.*{re.escape(name)}\.yaml:{line}: {re.escape(field)}:", plain), \
        plain


def test_unknown_related_instrument_stays_an_error_without_strict(tmp_path: Path) -> None:
    unknown = _replace(GOOD_NOTE, "related_instruments: [/akn/sg/act/2012/26]",
                       "related_instruments: [/akn/sg/act/2012/99]")
    folder = _folder(tmp_path, note=unknown)
    code, out = _check(folder)
    assert code == 1
    line = _line_of(GOOD_NOTE, "related_instruments:")
    assert f"note.yaml:{line}: related_instruments[0]: unknown instrument id" in out


def test_a_provision_of_an_imported_text_counts(tmp_path: Path, kb_home: Path) -> None:
    """A case note may name a provision that only the official text in the store holds."""
    note = _replace(GOOD_NOTE, "/~sec_26]", "/~sec_24]")
    folder = _folder(tmp_path, good=GOOD_INSTRUMENT, note=note)
    assert _check(folder, "--strict")[0] == 1
    kb_home.mkdir(parents=True, exist_ok=True)
    official = Instrument(
        id="/akn/sg/act/2012/26", title="Personal Data Protection Act 2012", jurisdiction="sg",
        doc_type="act", source_url="https://sso.agc.gov.sg/Act/PDPA2012", origin="imported",
        provisions=[Provision(eid="sec_24", number="24", text="An organisation shall protect.")],
        provenance=Provenance(url="https://sso.agc.gov.sg/Act/PDPA2012",
                              fetched_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
                              sha256="0" * 64, agent="test"),
    )
    with RecordStore(kb_home / "store.sqlite") as store:
        store.put(official)
    code, out = _check(folder, "--strict")
    assert code == 0, out


def test_strict_count_on_the_bundled_entries_is_reported() -> None:
    """The bundled entries load; their strict violations are counted, not yet enforced."""
    result = load_entries()
    assert not result.errors
    for violation in result.strict_violations:
        assert re.fullmatch(r".+\.yaml:\d+: [\w.\[\]]+: .+", str(violation)), str(violation)
