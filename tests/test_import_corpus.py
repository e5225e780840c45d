"""Every real document of ../shared/corpus goes through `kb import`, gets indexed and searched.

Files that do not state their jurisdiction or date get it from a metadata file, as a user
would pass it with ``kb import --meta``.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kb.cli import app
from kb.core import KnowledgeBase
from kb.importing import import_paths
from kb.search import SearchQuery
from tests.conftest import quality_module

runner = CliRunner()
SKIP = {"MANIFEST.md", "README.tota.md"}
EXPECTED_FAILURES = {
    "egov-api-v1.error-no-result.ja.xml": "e-Gov API returned code 1",
    "demuc-3.4-giao-dich-dien-tu.EMPTY-STUB.aac1fa20.vi.html": "has no provisions",
    "demuc-3.6-vien-thong.EMPTY-STUB.a20d4a54.vi.html": "has no provisions",
    # on no subject of the knowledge base: imported only with --force
    "eu-COM-2013-619.akn4eu-proposal.akn.xml": "matches no topic of the taxonomy",
    "us-publaw-112-61.oasis-example.akn.xml": "matches no topic of the taxonomy",
    "405AC0000000088_20240401_504AC0100000052.gyosei-tetsuzuki-ho.ja.xml":
        "matches no topic of the taxonomy",
    "MISMATCH.expected-luat-gddt-2023.got-qd-1456-ubnd-nam-dinh.tvpl.vi.html":
        "matches no topic of the taxonomy",
}


# what a person would tell `kb import --meta` about files that do not say it (shared with the
# quality benchmark, which imports the same corpus)
meta_for = quality_module().meta_for


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.name not in SKIP)


@pytest.fixture(scope="module")
def imported(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    from kb.config import Settings

    kb = KnowledgeBase(Settings(home=tmp_path_factory.mktemp("corpus")))
    failed: dict[str, str] = {}
    statuses: dict[str, list[str]] = {}
    for path in corpus_files(corpus):
        report = import_paths([path], kb.store, meta=meta_for(path))
        for item in report.failed:
            failed[Path(item["path"]).name] = item["error"]
        statuses[path.name] = [i["status"] for i in report.imported]
    kb.failed, kb.statuses = failed, statuses  # type: ignore[attr-defined]
    kb.index()
    yield kb
    kb.close()


def test_every_file_imports_except_the_error_fixtures(imported: KnowledgeBase) -> None:
    failed = imported.failed  # type: ignore[attr-defined]
    assert set(failed) == set(EXPECTED_FAILURES), failed
    for name, reason in EXPECTED_FAILURES.items():
        assert reason in failed[name]


def provisions(kb: KnowledgeBase, work_id: str, kind: str | None = None) -> list[dict]:
    provs = kb.backend.provisions_of(work_id)
    return [p for p in provs if (kind is None or p["provision_kind"] == kind)
            and p["text_source"] == "official"]


def test_known_provision_counts(imported: KnowledgeBase) -> None:
    assert len(provisions(imported, "/akn/eu/act/regulation/2016/679", "article")) == 99
    assert len(provisions(imported, "/akn/eu/act/regulation/2016/679", "recital")) == 173
    tpp = [p for p in provisions(imported, "/akn/int/treaty/2016/trans-pacific-partnership")
           if p["id"].split("~")[1].startswith("chp_14__")]
    assert [p["number"].split()[-1] for p in tpp] == [f"14.{i}" for i in range(1, 19)]
    wto = provisions(imported, "/akn/int/treaty/2024/wto-ecom", "article")
    assert len([p for p in wto if re.fullmatch(r"Article \d+", p["number"])]) == 38
    assert len(provisions(imported, "/akn/vn/act/2006/67-2006-qh11", "article")) == 79
    assert len(provisions(imported, "/akn/vn/act/2018/24-2018-qh14", "article")) == 43



def test_curated_entry_and_official_text_are_merged(imported: KnowledgeBase) -> None:
    doc = imported.instrument("/akn/eu/act/regulation/2016/679")
    assert doc["title_vi"]  # curated metadata kept
    art44 = next(p for p in doc["provisions"] if p["number"] == "Article 44")
    assert art44["text_source"] == "official" and "third country" in art44["text"]
    assert doc["versions"] and doc["provenance"]["sha256"]


def test_other_languages_are_kept_as_expressions(imported: KnowledgeBase) -> None:
    assert imported.store.expressions("/akn/eu/act/regulation/2016/679") == [
        "/akn/eu/act/regulation/2016/679/fra@"]
    assert imported.instrument("/akn/eu/act/regulation/2016/679")["language"] == "en"
    french = imported.get("/akn/eu/act/regulation/2016/679/fra@/~art_4")
    assert french["language"] == "fr" and "responsable du traitement" in french["text"]
    assert french["expression_of"] == "/akn/eu/act/regulation/2016/679/~art_4"
    hits = imported.search(SearchQuery(text="responsable du traitement", languages=["fr"],
                                       kinds=["provision"], limit=100)).hits
    assert french["id"] in [h.id for h in hits]


def test_us_code_chunks_are_one_work_per_section(imported: KnowledgeBase) -> None:
    work = imported.store.get("/akn/us/act/1934/47-usc-230")
    assert [p.eid.rsplit("_", 1)[1] for p in work.provisions] == list("abcdef")
    assert [v.version for v in imported.store.versions(work.id)] == [1]
    assert not [i for i in imported.store.ids() if "-part-" in i]


def test_searching_imported_texts(imported: KnowledgeBase) -> None:
    hits = imported.search(SearchQuery(text='"location of computing facilities"',
                                       kinds=["provision"], limit=50)).hits
    numbers = {(h.instrument_id, h.number) for h in hits}
    assert ("/akn/int/treaty/2016/trans-pacific-partnership", "Article 14.13") in numbers
    assert all(h.source_url for h in hits)
    vi = imported.search(SearchQuery(text="an ninh mạng", jurisdictions=["vn"],
                                     kinds=["provision"], limit=10)).hits
    assert vi and all(h.number for h in vi)
    folded = imported.search(SearchQuery(text="an ninh mang", jurisdictions=["vn"],
                                         kinds=["provision"], limit=10)).hits
    assert [h.id for h in folded] == [h.id for h in vi]
    jp = imported.search(SearchQuery(text="電気通信事業", kinds=["provision"], limit=5)).hits
    assert jp and jp[0].jurisdiction == "jp"


def test_strength_on_real_treaty_sentences(imported: KnowledgeBase) -> None:
    by_number = {p["number"]: p for p in
                 provisions(imported, "/akn/int/treaty/2016/trans-pacific-partnership")}
    assert by_number["Article 14.13"]["strength"] == "binding"
    assert "legitimate-public-policy" in by_number["Article 14.13"]["exceptions"]
    assert by_number["Article 14.15"]["strength"] == "best-endeavour"  # cooperation


def test_reimport_changes_nothing(imported: KnowledgeBase, corpus: Path) -> None:
    paths = [corpus / "akn" / "uk-ukpga-2014-27.enacted.akn.xml",
             corpus / "treaties" / "tota" / "pta_54.singapore-australia-fta.en.xml"]
    report = import_paths(paths, imported.store)
    assert [i["status"] for i in report.imported] == ["unchanged", "unchanged"]


def test_changed_file_adds_a_version_and_keeps_the_old(tmp_path: Path, corpus: Path) -> None:
    from kb.config import Settings

    kb = KnowledgeBase(Settings(home=tmp_path / "home"))
    source = tmp_path / "dripa.akn.xml"
    shutil.copy(corpus / "akn" / "uk-ukpga-2014-27.enacted.akn.xml", source)
    first = import_paths([source], kb.store).imported[0]
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("A retention notice", "A keeping notice", 1), encoding="utf-8")
    second = import_paths([source], kb.store).imported[0]
    assert (first["status"], second["status"]) == ("new", "new-version")
    versions = kb.store.versions(first["id"])
    assert [v.version for v in versions] == [1, 2] and versions[1].current
    assert kb.store.get(first["id"], version=1) != kb.store.get(first["id"])


def test_wrong_page_is_refused(corpus: Path, tmp_path: Path) -> None:
    meta = tmp_path / "meta.yaml"
    meta.write_text(yaml.safe_dump({"expected_number": "20/2023/QH15",
                                    "expected_title": "Luật Giao dịch điện tử"}))
    page = next((corpus / "vn" / "thuvienphapluat").glob("MISMATCH*"))
    result = runner.invoke(app, ["import", str(page), "--meta", str(meta), "--json"],
                           env={"KB_HOME": str(tmp_path / "home")})
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["imported"] == []
    assert "expected document number '20/2023/QH15'" in data["failed"][0]["error"]
    assert "1456" in data["failed"][0]["error"]


def test_cli_import_json_shape(corpus: Path, tmp_path: Path) -> None:
    env = {"KB_HOME": str(tmp_path / "home")}
    result = runner.invoke(app, ["import", str(corpus / "akn"), "--json"], env=env)
    assert result.exit_code == 1, result.stdout  # two documents on no subject of the KB
    data = json.loads(result.stdout)
    assert data["counts"] == {"new": 2, "new-version": 0, "unchanged": 0, "refused": 2,
                              "skipped": 0}
    forced = runner.invoke(app, ["import", str(corpus / "akn"), "--json", "--force"], env=env)
    assert forced.exit_code == 0, forced.stdout
    data = json.loads(forced.stdout)
    assert len(data["imported"]) == 4 and data["failed"] == []
    item = data["imported"][0]
    assert set(item) >= {"id", "title", "provisions", "source_url", "status"}
    assert item["source_url"].startswith("https://") and item["status"] == "new"


def test_out_of_scope_act_imports_with_force(corpus: Path, tmp_path: Path) -> None:
    from kb.config import Settings

    kb = KnowledgeBase(Settings(home=tmp_path / "home"))
    path = next((corpus / "jp" / "egov").glob("405AC0000000088*"))
    assert import_paths([path], kb.store).counts["refused"] == 1
    assert import_paths([path], kb.store, force=True).counts["new"] == 1
    assert len(kb.store.get("/akn/jp/act/1993/88").provisions) == 71


def test_diff_of_two_versions_of_a_provision(tmp_path: Path, corpus: Path) -> None:
    from kb.config import Settings

    kb = KnowledgeBase(Settings(home=tmp_path / "home"))
    source = tmp_path / "dripa.akn.xml"
    shutil.copy(corpus / "akn" / "uk-ukpga-2014-27.enacted.akn.xml", source)
    work = import_paths([source], kb.store).imported[0]["id"]
    first = kb.store.get(work).provisions
    target = next(p for p in first if p.text and " retention " in p.text)
    source.write_text(source.read_text(encoding="utf-8").replace(" retention ", " keeping "),
                      encoding="utf-8")
    import_paths([source], kb.store)
    ref = f"{work}/~{target.eid}"
    diff = kb.diff(f"{ref}@v1", f"{ref}@v2")
    assert "[-retention-]{+keeping+}" in diff.text()
    with pytest.raises(Exception, match="no version 9"):
        kb.diff(f"{ref}@v1", f"{ref}@v9")
