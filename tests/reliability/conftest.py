"""A real ``kb serve`` in a subprocess, on a free loopback port, with its own KB_HOME."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]

NOTE = """\
kind: case-note
id: /notes/{country}/2024/{slug}
title: {title}
jurisdictions: [{country}]
sectors: [telecom]
topics: [telecom/universal-service]
summary: A note written for the reliability tests about {title}.
outcome: Nothing happened; the note exists to be found.
lessons:
  - A test entry teaches nothing.
sources:
  - title: A test source
    url: https://example.org/notes/{slug}
"""


def write_note(folder: Path, slug: str, title: str, country: str = "nz") -> Path:
    """An extra entry (a case note) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.yaml"
    path.write_text(NOTE.format(slug=slug, title=title, country=country), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kb_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    return {**env, "KB_HOME": str(home), "KB_BACKEND": "embedded", **extra}


def run_kb(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kb.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[str]:
    """``kb serve ARGS`` until the block ends; yields the base URL."""
    port = free_port()
    log_path = Path(env["KB_HOME"]).parent / f"serve-{port}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "serve", "--port", str(port), *args],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("kb serve did not start:\n" + log_path.read_text())
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield base
        assert proc.poll() is None, "kb serve died:\n" + log_path.read_text()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
