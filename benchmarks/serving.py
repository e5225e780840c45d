"""`kb serve` in its own process on a free loopback port, for the benchmarks and the tests that
need a real server (a load run, hostile HTTP, workers and backups while serving)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


class ServeFailed(RuntimeError):
    """The server did not come up, or died while in use; the message holds its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def kb_served(
    env: dict[str, str], *args: str, log_path: Path, ready_timeout: float = 90
) -> Iterator[tuple[str, int]]:
    """``kb serve ARGS`` until the block ends, its output in ``log_path``; yields the base URL
    and the port once ``/v1/health`` answers 200. The server is stopped (killed if need be)
    whatever happens, and one that died during the block is an error."""
    port = free_port()
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "serve", "--port", str(port), *args],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise ServeFailed("kb serve did not start:\n" + log_path.read_text())
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield base, port
        if proc.poll() is not None:
            raise ServeFailed("kb serve died:\n" + log_path.read_text())
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
