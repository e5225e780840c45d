"""``kb serve --workers 2`` under a live load: every worker follows an index rebuild by
``kb index``, and ``kb backup`` / ``kb restore`` round-trip the record store and the extra
entries while the server keeps answering."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kb.load import load_file
from kb.store import RecordStore
from tests.reliability.conftest import kb_env, run_kb, serving, write_note

INSTRUMENT = """\
kind: instrument
id: /akn/nz/act/2024/{n}
title: Quillwort Spectrum Licensing Act {n}
jurisdiction: nz
doc_type: act
status: in-force
sectors: [spectrum]
language: en
summary: A stored act written for the reliability tests.
source_url: https://example.org/acts/{n}
"""


def stored_record(tmp: Path, n: int):
    path = tmp / f"act-{n}.yaml"
    path.write_text(INSTRUMENT.format(n=n), encoding="utf-8")
    record, errors = load_file(path)
    assert record is not None, errors
    return record


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict, Path]]:
    root = tmp_path_factory.mktemp("serving")
    extra = root / "extra"
    write_note(extra, "kept-note", "Kestrel backhaul sharing")
    env = kb_env(root / "home", KB_ENTRIES=json.dumps([str(extra)]))
    with serving(env, "--workers", "2") as base:
        yield base, env, extra


def total(base: str, q: str) -> int:
    # a new connection each time, so the requests spread over the workers
    res = httpx.get(f"{base}/v1/search", params={"q": q}, timeout=10,
                    headers={"connection": "close"})
    assert res.status_code == 200, res.text
    return int(res.json()["total"])


class Load:
    """Searches and health checks in a thread until stopped; counts what was not a 200."""

    def __init__(self, base: str) -> None:
        self.base, self.done, self.failures, self.count = base, threading.Event(), [], 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=10) as client:
            while not self.done.is_set():
                for path in ("/v1/search?q=spectrum", "/v1/health"):
                    try:
                        status = client.get(path).status_code
                    except httpx.HTTPError as exc:
                        status = repr(exc)
                    self.count += 1
                    if status != 200:
                        self.failures.append((path, status))

    def __enter__(self) -> Load:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(30)


def test_every_worker_follows_a_rebuild(live: tuple[str, dict, Path]) -> None:
    base, env, extra = live
    assert total(base, "zebrafinch") == 0
    write_note(extra, "rebuilt-note", "Zebrafinch relay licensing")
    with Load(base) as load:
        done = run_kb(env, "index")
        assert done.returncode == 0, done.stderr
        counts = [total(base, "zebrafinch") for _ in range(40)]
    assert counts == [1] * 40  # no worker still reads the old generation
    assert load.failures == [] and load.count > 0


def test_backup_and_restore_round_trip_while_serving(
    live: tuple[str, dict, Path], tmp_path: Path
) -> None:
    base, env, extra = live
    store_path = Path(env["KB_HOME"]) / "store.sqlite"
    with RecordStore(store_path) as store:
        store.put(stored_record(tmp_path, 1))
    assert run_kb(env, "index").returncode == 0
    assert total(base, "quillwort") == 1
    with Load(base) as load:
        made = run_kb(env, "backup", str(tmp_path / "backup"))
        assert made.returncode == 0, made.stderr
        manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
        assert manifest["store"]["works"] == 1 and len(manifest["entries"]) == 1
        # then things go wrong: a record that should not be there, an entry lost
        with RecordStore(store_path) as store:
            store.put(stored_record(tmp_path, 2))
        (extra / "kept-note.yaml").unlink()
        assert run_kb(env, "index").returncode == 0
        assert total(base, "kestrel") == 0 and total(base, "quillwort") == 2
        again = run_kb(env, "restore", str(tmp_path / "backup"))
        assert again.returncode == 0, again.stderr
        time.sleep(0.2)
    assert load.failures == [] and load.count > 0
    assert (extra / "kept-note.yaml").is_file()
    with RecordStore(store_path) as store:
        assert store.ids() == ["/akn/nz/act/2024/1"]
    with sqlite3.connect(store_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert total(base, "kestrel") == 1 and total(base, "quillwort") == 1


def test_backup_refuses_a_used_folder_and_restore_a_non_backup(
    live: tuple[str, dict, Path], tmp_path: Path
) -> None:
    _, env, _ = live
    used = tmp_path / f"used-{'x' * 80}"  # longer than a terminal line: never wrapped
    used.mkdir()
    (used / "file").write_text("x")
    refused = run_kb(env, "backup", str(used))
    assert refused.returncode == 1 and f"{used} is not empty" in refused.stderr
    refused = run_kb(env, "restore", str(used))
    assert refused.returncode == 1 and "not a regkb backup" in refused.stderr
    assert "Traceback" not in refused.stderr
