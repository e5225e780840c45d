"""Crash safety: a real ``kb`` process killed with SIGKILL in the middle of an import, an index
build and a crawl, and an index build that runs out of disk space.

After each, what was there before is intact and answers the same searches, the record store
passes SQLite's integrity check, and running the same command again finishes with the same
works and versions as a run that was never interrupted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.corpus import generate
from kb.config import Settings
from kb.core import KnowledgeBase
from kb.ingest import import_paths
from kb.models import Instrument, Provision
from kb.store import RecordStore
from tests.reliability import crashkit
from tests.reliability.conftest import kb_env

BASE_PROVISIONS = 3000  # 60 instruments: an index build of a second or more
IMPORT_PROVISIONS = 3000  # 60 more, imported two to a file
PER_FILE = 2
TREATY = (Path(__file__).resolve().parents[2] / "crawlers" / "fixtures" / "tota"
          / "pta_449.xml").read_bytes()
CRAWL_KEYS = [f"pta_{n}" for n in range(901, 907)]


@dataclass
class Seeded:
    """A KB_HOME with stored records and a built index, and what it answered."""

    home: Path
    base: list[Instrument]
    incoming: list[Instrument]
    queries: list[str]


def settings(home: Path) -> Settings:
    return Settings(home=home, backend="embedded", entries=[])


def answers(home: Path, queries: list[str]) -> dict[str, tuple[int, list[str]]]:
    """Each query's total and ranked ids, through the KnowledgeBase a reader opens."""
    kb = KnowledgeBase(settings(home))
    try:
        return {q: (r.total, [h.id for h in r.hits])
                for q in queries for r in [kb.search(q, limit=20)]}
    finally:
        kb.close()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """Made once: records imported through the JSON Lines importer, then indexed."""
    root = tmp_path_factory.mktemp("crash-seed")
    records = list(generate(BASE_PROVISIONS + IMPORT_PROVISIONS))
    base, incoming = records[:BASE_PROVISIONS // 50], records[BASE_PROVISIONS // 50:]
    crashkit.write_jsonl(root / "base.jsonl", base)
    home = root / "home"
    kb = KnowledgeBase(settings(home))
    report = import_paths([root / "base.jsonl"], kb.store, curated=())
    assert not report.failed, report.failed
    kb.index()
    kb.close()
    queries = ["spectrum auction", "dữ liệu cá nhân", base[0].title,
               base[7].provisions[3].heading or "", "quillwort"]
    assert all(answers(home, queries)[q][0] > 0 for q in queries[:4])
    return Seeded(home, base, incoming, queries)


@pytest.fixture()
def home(seeded: Seeded, tmp_path: Path) -> Path:
    """A private copy of the seeded KB_HOME."""
    copy = tmp_path / "home"
    shutil.copytree(seeded.home, copy)
    return copy


def checked_store(home: Path) -> Path:
    store = home / "store.sqlite"
    assert crashkit.integrity(store) == "ok"
    return store


def marker() -> Instrument:
    """A record no search of the seeded home finds: it shows which generation is served."""
    return Instrument(
        id="/akn/nz/act/2024/quillwort", title="Quillwort Radio Licensing Act 2024",
        jurisdiction="nz", doc_type="act", sectors=["spectrum"], language="en",
        source_url="https://example.org/acts/quillwort",
        provisions=[Provision(eid=f"sec_{n}", number=str(n), heading=f"Quillwort licence {n}",
                              text="A quillwort licence authorises the use of a frequency band.")
                    for n in (1, 2)])


# -- import ------------------------------------------------------------------------------------

def test_import_killed_midway_keeps_every_file_whole_and_reruns_clean(
    seeded: Seeded, home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    files: list[list[str]] = []
    for i in range(0, len(seeded.incoming), PER_FILE):
        files.append(crashkit.write_jsonl(folder / f"part-{i:03d}.jsonl",
                                          seeded.incoming[i:i + PER_FILE]))
    incoming_ids = [rid for ids in files for rid in ids]
    store = home / "store.sqlite"
    before_state = crashkit.stored_state(store)
    before_answers = answers(home, seeded.queries)
    env = kb_env(home)

    child = crashkit.start(env, tmp_path / "logs", "import", str(folder))
    base_works = len(before_state)
    # a few files stored, most still to come
    crashkit.kill_when(child, lambda: crashkit.counts(store)[0] >= base_works + 6,
                       what="the first files stored")

    after = crashkit.stored_state(checked_store(home))
    assert {k: after[k] for k in before_state} == before_state
    assert answers(home, seeded.queries) == before_answers
    added = set(after) - set(before_state)
    assert 6 <= len(added) < len(incoming_ids), "the kill did not land mid-import"
    for ids in files:  # each file is stored whole or not at all
        assert set(ids) <= added or not set(ids) & added, ids
    assert all(after[rid][0] == 1 for rid in added)

    again = crashkit.run(env, tmp_path / "logs", "import", str(folder), "--json")
    assert again.proc.returncode == 0, again.output()
    outcome = json.loads(again.out.read_text())["counts"]
    assert outcome["new"] == len(incoming_ids) - len(added)
    assert outcome["unchanged"] == len(added) and outcome["new-version"] == 0

    clean = tmp_path / "clean"
    shutil.copytree(seeded.home, clean)
    with RecordStore(clean / "store.sqlite") as clean_store:
        assert not import_paths(sorted(folder.iterdir()), clean_store, curated=()).failed
    assert crashkit.counts(checked_store(home)) == crashkit.counts(clean / "store.sqlite")
    assert crashkit.stored_state(store).keys() == crashkit.stored_state(
        clean / "store.sqlite").keys()


# -- index build -------------------------------------------------------------------------------

def building_started(index: Path) -> bool:
    """A build folder whose segment files are being written."""
    try:
        return any(p.suffix == ".store" for b in index.glob(".building-*")
                   for p in b.iterdir())
    except OSError:  # the folder went between listing and reading: the build is over
        return False


def served(index: Path) -> dict:
    return json.loads((index / "CURRENT").read_text())


def test_index_build_killed_midway_keeps_the_old_generation_and_reruns_clean(
    seeded: Seeded, home: Path, tmp_path: Path
) -> None:
    index = home / "index"
    with RecordStore(home / "store.sqlite") as store:
        store.put(marker())
    before_answers = answers(home, seeded.queries)
    assert before_answers["quillwort"][0] == 0
    before_pointer = served(index)
    before_counts = crashkit.counts(home / "store.sqlite")
    env = kb_env(home)

    child = crashkit.start(env, tmp_path / "logs", "index")
    crashkit.kill_when(child, lambda: building_started(index), what="segment files written")

    assert served(index) == before_pointer
    assert list(index.glob(".building-*")), "the kill did not land mid-build"
    assert answers(home, seeded.queries) == before_answers
    assert crashkit.counts(checked_store(home)) == before_counts

    again = crashkit.run(env, tmp_path / "logs", "index")
    assert again.proc.returncode == 0, again.output()
    pointer = served(index)
    assert pointer["generation"] != before_pointer["generation"]
    # only the new generation is left: the killed build's folder was cleared away
    assert sorted(p.name for p in index.iterdir()) == sorted(["CURRENT", pointer["generation"]])
    assert answers(home, ["quillwort"])["quillwort"][0] >= 1
    kb = KnowledgeBase(settings(home))
    try:
        stats = kb.backend.stats()
        counted = stats["instruments"] + stats["provisions"] + stats["case_notes"]
        assert counted == pointer["documents"]
        for record in [*seeded.base, marker()]:  # every stored text once, every provision
            assert kb.backend.get(record.id) is not None, record.id
            assert len(kb.backend.provisions_of(record.id)) == len(record.provisions)
    finally:
        kb.close()
    assert crashkit.counts(checked_store(home)) == before_counts


# -- crawl -------------------------------------------------------------------------------------

def crawl_targets() -> list[dict]:
    return [{"key": key, "pta": key[4:], "id": f"/akn/int/treaty/2016/crash-{key[4:]}",
             "expected_title": "Trans-Pacific Partnership"} for key in CRAWL_KEYS]


@pytest.fixture()
def treaty_server() -> Iterator[crashkit.SlowServer]:
    pages = {f"/xml/{key}.xml": TREATY for key in CRAWL_KEYS}
    with crashkit.slow_server(pages, delay=0.25) as server:
        yield server


def test_crawl_killed_midway_resumes_without_duplicates(
    seeded: Seeded, home: Path, tmp_path: Path, treaty_server: crashkit.SlowServer
) -> None:
    store = home / "store.sqlite"
    state_file = home / "crawl-state" / "tota.json"
    before_state = crashkit.stored_state(store)
    before_answers = answers(home, seeded.queries)
    env = {**kb_env(home), **crashkit.crawl_env(treaty_server.base_url, crawl_targets())}

    def finished() -> list[str]:
        try:
            return json.loads(state_file.read_text())["completed"]
        except (OSError, ValueError):
            return []

    args = ("crawl", "tota", "--json")
    child = crashkit.start(env, tmp_path / "logs", *args, module="tests.reliability.crashkit")
    crashkit.kill_when(child, lambda: len(finished()) >= 2, what="two targets finished")

    done = finished()
    assert 2 <= len(done) < len(CRAWL_KEYS), "the kill did not land mid-crawl"
    after = crashkit.stored_state(checked_store(home))
    assert {k: after[k] for k in before_state} == before_state
    assert answers(home, seeded.queries) == before_answers
    crawled = set(after) - set(before_state)
    assert {f"/akn/int/treaty/2016/crash-{key[4:]}" for key in done} <= crawled
    with RecordStore(store) as records:
        sizes = {len(records.get(rid).provisions) for rid in crawled}
    assert len(sizes) == 1 and sizes.pop() > 0  # each stored treaty whole

    again = crashkit.run(env, tmp_path / "logs", *args, module="tests.reliability.crashkit")
    assert again.proc.returncode == 0, again.output()
    summary = json.loads(again.out.read_text())
    assert summary["skipped"] == len(done) and summary["failed"] == 0
    assert summary["changed"] == 0
    assert not state_file.exists()

    from crawlers.runner import crawl

    clean = tmp_path / "clean"
    shutil.copytree(seeded.home, clean)
    spec = {"base_url": treaty_server.base_url, "targets": crawl_targets()}
    with RecordStore(clean / "store.sqlite") as clean_store, \
            crashkit.local_fetcher(tmp_path / "clean-cache") as fetcher:
        result = crawl("tota", clean_store, settings(clean), fetcher=fetcher,
                       source=crashkit.local_source("tota", spec))
    assert result.ok and result.new == len(CRAWL_KEYS)
    assert crashkit.counts(checked_store(home)) == crashkit.counts(clean / "store.sqlite")
    assert crashkit.stored_state(store).keys() == crashkit.stored_state(
        clean / "store.sqlite").keys()


# -- disk full ---------------------------------------------------------------------------------

def _mount_tmpfs(where: Path, size: int) -> None:
    """Mount a tmpfs of ``size`` bytes, or skip saying why this machine cannot."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root, and the tests do not run as root")
    if shutil.which("mount") is None:
        pytest.skip("no mount command on this machine")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")


def _unmount(where: Path) -> None:
    if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _fill(folder: Path, leave: int) -> None:
    """Take all the free space of the file system but ``leave`` bytes."""
    stat = os.statvfs(folder)
    free = stat.f_bavail * stat.f_frsize - leave
    chunk = b"\0" * (1 << 20)
    with (folder / "filler").open("wb") as fh:
        while free > 0:
            fh.write(chunk[:min(len(chunk), free)])
            free -= len(chunk)


def test_index_build_out_of_space_fails_cleanly_and_keeps_serving(
    seeded: Seeded, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(seeded.home, home, ignore=shutil.ignore_patterns("index"))
    index = home / "index"
    index.mkdir()
    old = seeded.home / "index"
    used = sum(p.stat().st_size for p in old.rglob("*") if p.is_file())
    _mount_tmpfs(index, used + (2 << 20))
    try:
        shutil.copytree(old, index, dirs_exist_ok=True)
        with RecordStore(home / "store.sqlite") as store:
            store.put(marker())
        before_answers = answers(home, seeded.queries)
        before_pointer = served(index)
        _fill(index, leave=256 << 10)

        failed = crashkit.run(kb_env(home), tmp_path / "logs", "index")

        message = failed.err.read_text()
        assert failed.proc.returncode != 0, failed.output()
        assert "Traceback" not in message, message
        lines = [line for line in message.splitlines() if line.strip()]
        assert len(lines) == 1, message
        assert lines[0].startswith("error: index build failed, previous index kept: the disk "
                                   f"holding {index} is out of space"), message
        assert served(index) == before_pointer
        assert not list(index.glob(".building-*")), "the failed build left its folder behind"
        assert answers(home, seeded.queries) == before_answers
        assert crashkit.integrity(home / "store.sqlite") == "ok"
    finally:
        _unmount(index)
