"""A real ``kb serve`` in a subprocess, on a free loopback port, with its own KB_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmarks.serving import ServeFailed, free_port, kb_served

__all__ = ["free_port", "kb_env", "run_kb", "serving", "write_note"]

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


def kb_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    return {**env, "KB_HOME": str(home), "KB_BACKEND": "embedded", **extra}


def run_kb(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kb.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[str]:
    """``kb serve ARGS`` until the block ends; yields the base URL."""
    log_path = Path(env["KB_HOME"]).parent / f"serve-{uuid.uuid4().hex[:8]}.log"
    try:
        with kb_served(env, *args, log_path=log_path) as (base, _port):
            yield base
    except ServeFailed as exc:
        pytest.fail(str(exc))

