"""Tools for the crash tests: start a real ``kb`` process, SIGKILL it at a moment seen from
outside, look at what it left; a slow local HTTP server; seeded record files.

Run as a module it is a ``kb`` whose crawl sources point at a local server
(``python -m tests.reliability.crashkit crawl tota``, with ``CRASHKIT_CRAWL`` saying where):
``kb crawl`` has no option for another server, and a test must not reach the internet.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]
CRAWL_ENV = "CRASHKIT_CRAWL"


# -- processes ---------------------------------------------------------------------------------

@dataclass
class Child:
    """A started process with its output in files (a pipe nobody reads could block it)."""

    proc: subprocess.Popen
    out: Path
    err: Path

    def output(self) -> str:
        return (f"exit {self.proc.returncode}\nstdout:\n{self.out.read_text(errors='replace')}"
                f"\nstderr:\n{self.err.read_text(errors='replace')}")


def start(env: dict[str, str], logs: Path, *args: str, module: str = "kb.cli") -> Child:
    """``python -m MODULE ARGS`` (the ``kb`` command by default) in the project folder."""
    logs.mkdir(parents=True, exist_ok=True)
    stem = f"{args[0] if args else module}-{time.monotonic_ns()}"
    out, err = logs / f"{stem}.out", logs / f"{stem}.err"
    with out.open("wb") as out_fh, err.open("wb") as err_fh:
        proc = subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, env=env,
                                stdout=out_fh, stderr=err_fh)
    return Child(proc, out, err)


def kill_when(child: Child, ready: Callable[[], bool], timeout: float = 60.0,
              what: str = "the moment to kill") -> None:
    """SIGKILL the child as soon as ``ready()`` holds, while it is still running.

    Fails (and kills it anyway) if it ends first or ``ready`` never holds: a kill that came
    too late would test nothing.
    """
    deadline = time.monotonic() + timeout
    try:
        while True:
            if child.proc.poll() is not None:
                raise AssertionError(f"the process ended before {what}:\n{child.output()}")
            if ready():
                os.kill(child.proc.pid, signal.SIGKILL)
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"no sign of {what} within {timeout:.0f}s")
            time.sleep(0.005)
    finally:
        if child.proc.poll() is None:
            os.kill(child.proc.pid, signal.SIGKILL)
        child.proc.wait(30)
    assert child.proc.returncode == -signal.SIGKILL, child.output()


def run(env: dict[str, str], logs: Path, *args: str, module: str = "kb.cli",
        timeout: float = 120.0) -> Child:
    """Run to the end."""
    child = start(env, logs, *args, module=module)
    try:
        child.proc.wait(timeout)
    finally:
        if child.proc.poll() is None:
            os.kill(child.proc.pid, signal.SIGKILL)
            child.proc.wait(30)
    return child


# -- what is on disk -----------------------------------------------------------------------------

def integrity(store: Path) -> str:
    with closing(sqlite3.connect(store)) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def query(store: Path, sql: str, *params: object) -> list[tuple]:
    """One read in its own short connection (never holding a snapshot across a writer)."""
    if not store.exists():
        return []
    with closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5)) as db:
        return db.execute(sql, params).fetchall()


def counts(store: Path) -> tuple[int, int]:
    """(works, versions) in the store."""
    works = query(store, "SELECT count(*) FROM works")
    versions = query(store, "SELECT count(*) FROM versions")
    return (works[0][0] if works else 0, versions[0][0] if versions else 0)


def stored_state(store: Path) -> dict[str, tuple[int, str]]:
    """Each work's current version and its content hash: what "intact" compares."""
    return {wid: (version, digest) for wid, version, digest in query(
        store, "SELECT w.id, w.current_version, v.content_sha256 FROM works w JOIN versions v "
        "ON v.work_id = w.id AND v.version = w.current_version")}


# -- records -------------------------------------------------------------------------------------

def jsonl_line(record) -> bytes:
    """A record as a line of a JSON Lines import file (docs/jsonl.md)."""
    data = record.model_dump(mode="json", exclude={"provenance", "origin"}, exclude_none=True)
    return orjson.dumps(data) + b"\n"


def write_jsonl(path: Path, records: Iterable) -> list[str]:
    """Write the records; returns their ids."""
    ids = []
    with path.open("wb") as fh:
        for record in records:
            fh.write(jsonl_line(record))
            ids.append(record.id)
    return ids


# -- a slow local web server -------------------------------------------------------------------

@dataclass
class SlowServer:
    """Pages by path, each answered after ``delay`` seconds, with ETags and 304s."""

    pages: dict[str, bytes]
    delay: float
    requests: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def slow_server(pages: dict[str, bytes], delay: float) -> Iterator[SlowServer]:
    """``http.server`` in a thread on a free loopback port until the block ends."""
    state = SlowServer(pages, delay)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server name)
            state.requests.append(self.path)
            body = state.pages.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            time.sleep(state.delay)
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


# -- crawl sources pointed at a local server --------------------------------------------------

def crawl_env(base_url: str, targets: list[dict]) -> dict[str, str]:
    """The environment that points the ``tota`` source of a crashkit ``kb`` at ``base_url``."""
    return {CRAWL_ENV: json.dumps({"base_url": base_url, "targets": targets})}


def local_source(source_id: str, spec: dict):
    """The configured source with the local server and targets of ``spec``, no delay."""
    from crawlers.runner import load_sources, source_from_config

    config = load_sources()[source_id].with_base_url(
        spec["base_url"], ["127.0.0.1"], min_delay=0.0,
        targets=tuple(spec["targets"]))
    return source_from_config(config)


def local_fetcher(cache: Path):
    """The fetcher ``kb crawl`` makes, allowed to reach the loopback server, quickly."""
    from crawlers.fetcher import Fetcher

    return Fetcher(cache, min_delay=0.0, backoff_base=0.01, backoff_max=0.05, max_retries=2,
                   connect_timeout=5.0, read_timeout=10.0,
                   allow_private_hosts_for_tests=("127.0.0.1",), trust_env=False)


def main() -> None:
    """``kb ARGS`` with every crawl source pointed at the server in ``CRASHKIT_CRAWL``."""
    from crawlers import runner
    from kb import cli

    spec = json.loads(os.environ[CRAWL_ENV])
    runner.get_source = lambda source_id, **_: local_source(source_id, spec)
    runner.make_fetcher = lambda settings, **_: local_fetcher(settings.cache_dir / "http")
    sys.argv = ["kb", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
