"""`kb import --official`: the official texts listed in kb/official-texts.yaml, imported from the
shared corpus folders under the works they belong to."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb import ids
from kb.cli import app
from kb.official_texts import (
    MANIFEST,
    OfficialText,
    default_roots,
    import_official,
    load_manifest,
)
from kb.store import RecordStore

runner = CliRunner()

LAW_TEXT = """\
LUẬT VIỄN THÔNG THỬ NGHIỆM

Luật số: 99/2099/QH99

Điều 1. Phạm vi điều chỉnh

Luật này quy định về hoạt động viễn thông và tần số vô tuyến điện.

Điều 2. Đối tượng áp dụng

Luật này áp dụng đối với doanh nghiệp viễn thông.
"""


def test_the_manifest_lists_the_required_texts() -> None:
    items = load_manifest()
    works = {i.work for i in items}
    paths = [i.path for i in items]
    assert len(paths) == len(set(paths)), "a file is listed twice"
    for work in ("/akn/vn/act/2025/91-2025-qh15", "/akn/vn/act/2025/71-2025-qh15",
                 "/akn/vn/act/2025/134-2025-qh15", "/akn/vn/act/2006/67-2006-qh11",
                 "/akn/vn/act/2018/24-2018-qh14", "/akn/jp/act/1950/131",
                 "/akn/int/treaty/1994/wto-agreement", "/akn/int/treaty/1997/gats-fourth-protocol",
                 "/akn/int/treaty/1992/itu-constitution", "/akn/int/treaty/1981/coe-108",
                 "/akn/int/treaty/2001/budapest-convention", "/akn/eu/act/regulation/2016/679",
                 "/akn/int/treaty/2016/trans-pacific-partnership",
                 "/akn/int/treaty/2024/wto-ecom"):
        assert work in works, work
    assert len([p for p in paths if p.startswith("vn/phapdien/")
                and not p.startswith(("vn/phapdien/demuc-1.", "vn/phapdien/demuc-3.1-",
                                      "vn/phapdien/demuc-3.5-"))]) == 4
    for item in items:
        assert item.work == ids.clean_work_id(item.work)
        assert item.import_meta().id == item.work


def test_a_bad_manifest_item_is_named(tmp_path: Path) -> None:
    from kb.errors import ImportFailed

    bad = tmp_path / "official.yaml"
    bad.write_text("texts:\n  - path: ../outside.md\n    work: /akn/vn/act/2099/1\n",
                   encoding="utf-8")
    with pytest.raises(ImportFailed, match=r"texts\[0\]"):
        load_manifest(bad)


def test_default_roots_follow_kb_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus-more").mkdir()
    monkeypatch.setenv("KB_CORPUS", str(tmp_path / "corpus"))
    assert default_roots() == [tmp_path / "corpus", tmp_path / "corpus-more"]
    monkeypatch.delenv("KB_CORPUS")
    assert [r.name for r in default_roots()] == ["corpus", "corpus-more"]
    assert default_roots()[0].parent.name == "shared"


def test_each_file_is_reported_found_in_the_first_root_that_holds_it(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    (second / "vn").mkdir(parents=True)
    first.mkdir()
    (second / "vn" / "law.md").write_text(LAW_TEXT, encoding="utf-8")
    (second / "vn" / "other.md").write_text(LAW_TEXT, encoding="utf-8")
    meta = {"jurisdiction": "vn", "doc_type": "act", "language": "vi",
            "source_url": "https://vbpl.vn/TW/Pages/vbpq-toanvan.aspx?ItemID=1"}
    items = [
        OfficialText(path="vn/law.md", work="/akn/vn/act/2099/99-2099-qh99", meta=meta),
        OfficialText(path="vn/absent.md", work="/akn/vn/act/2099/98-2099-qh99", meta=meta),
        OfficialText(path="vn/other.md", work="/akn/vn/act/2099/97-2099-qh99",
                     meta={**meta, "expected_number": "97/2099/QH99"}),
    ]
    with RecordStore(tmp_path / "store.sqlite") as store:
        outcomes = list(import_official(store, [first, second], items))
        assert [o.status for o in outcomes] == ["new", "missing", "refused"]
        assert outcomes[0].file == second / "vn" / "law.md"
        assert outcomes[0].as_dict()["provisions"] == 2
        assert "not found under" in outcomes[1].message
        assert "97/2099/QH99" in outcomes[2].message
        assert store.get("/akn/vn/act/2099/99-2099-qh99") is not None
        assert store.get("/akn/vn/act/2099/97-2099-qh99") is None
        again = list(import_official(store, [first, second], items[:1]))
        assert [o.status for o in again] == ["unchanged"]


def _roots(corpus: Path) -> list[Path]:
    more = corpus.parent / "corpus-more"
    if not more.is_dir():
        if os.environ.get("KB_REQUIRE_CORPUS", "") not in ("", "0", "false"):
            pytest.fail(f"KB_REQUIRE_CORPUS is set but {more} does not exist")
        pytest.skip(f"corpus-more not found at {more} (it sits beside KB_CORPUS)")
    return [corpus, more]


def test_the_whole_manifest_imports_and_is_searchable(corpus: Path, kb_home: Path) -> None:
    roots = _roots(corpus)
    result = runner.invoke(app, ["import", "--official", *map(str, roots), "--json"])
    assert result.exit_code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["counts"].get("new", 0) == len(load_manifest()), report["counts"]
    for row in report["files"]:
        assert row["status"] == "new" and row["provisions"] > 0, row
    by_work = {row["work"]: row for row in report["files"]}
    assert by_work["/akn/vn/act/2025/91-2025-qh15"]["provisions"] >= 39

    assert runner.invoke(app, ["index"]).exit_code == 0
    found = runner.invoke(app, ["search", '"91/2025/QH15"', "--json"])
    assert found.exit_code == 0, found.stdout
    hits = json.loads(found.stdout)["hits"]
    assert hits and hits[0]["id"].startswith("/akn/vn/act/2025/91-2025-qh15"), hits[:3]

    again = runner.invoke(app, ["import", "--official", *map(str, roots), "--json"])
    assert json.loads(again.stdout)["counts"] == {"unchanged": len(load_manifest())}


def test_official_refuses_per_file_options(kb_home: Path) -> None:
    result = runner.invoke(app, ["import", "--official", "--force"])
    assert result.exit_code == 2 and "kb/official-texts.yaml" in result.stderr
    assert MANIFEST.name == "official-texts.yaml"
