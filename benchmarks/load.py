"""Closed-loop load on ``kb serve``: N clients, each sending its next request as soon as the
last is answered, for a fixed time; records requests/s, latency percentiles and errors.

Bounded on purpose: loopback only (it must never load someone else's server), at most 200
clients, at most 600 s, a timeout on every request. Without ``--url`` it starts
``kb serve --workers W`` itself on a free loopback port, on the bundled knowledge base in a
fresh KB_HOME, and stops it afterwards.

    python -m benchmarks.load                      # 50 clients, 60 s, prints the figures
    python -m benchmarks.load --write              # ... and records them in RESULTS.md
    python -m benchmarks.load --url http://127.0.0.1:8000 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import ipaddress
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.serving import kb_served  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "## Serving under load (closed loop)"
MAX_CLIENTS, MAX_SECONDS = 200, 600

QUERIES = ["spectrum auction", "personal data", "cross-border data", "SIM registration",
           "2G switch-off", "đấu giá tần số", "dau gia tan so", "dữ liệu cá nhân",
           "location of computing facilities", "universal service", "cybersecurity",
           "electronic signatures", "net neutrality", "source code", "spectrun auction"]
JURISDICTIONS = ["vn", "sg", "jp", "au", "ipef", "eu", "asean"]
LOOKUPS = ["/akn/sg/act/2012/26", "/akn/vn/act/2009/42-2009-qh12",
           "/akn/eu/act/directive/2018/1972/~art_55", "/notes/in/2022/5g-spectrum-auction"]


def request_mix(rng: random.Random) -> tuple[str, dict[str, str]]:
    """One request of the mix: searches, filters, facets, paging, lookups, a comparison."""
    roll = rng.random()
    q = rng.choice(QUERIES)
    if roll < 0.35:
        return "/v1/search", {"q": q}
    if roll < 0.55:
        return "/v1/search", {"q": q, "jurisdiction": rng.choice(JURISDICTIONS),
                              "kind": rng.choice(["provision", "instrument"])}
    if roll < 0.65:
        return "/v1/search", {"q": q, "offset": str(rng.choice([10, 20, 40])), "limit": "10"}
    if roll < 0.72:
        return "/v1/search", {"jurisdiction": rng.choice(JURISDICTIONS)}  # newest first
    if roll < 0.88:
        path = rng.choice(LOOKUPS)
        kind = "provisions" if "~" in path else "case-notes" if path.startswith(
            "/notes") else "instruments"
        return f"/v1/{kind}/{path}", {}
    if roll < 0.95:
        return "/v1/resolve", {"cite": rng.choice(["GDPR Art 44", "CPTPP 14.11",
                                                    "s 26 PDPA 2012 (Singapore)"])}
    return "/v1/compare", {"topic": "cross-border data flows", "jurisdiction": "ipef"}


def loopback_only(url: str) -> None:
    host = urlsplit(url).hostname or ""
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise SystemExit(f"refusing {url}: the load benchmark runs against loopback only")


async def client(base: str, until: float, seed: int, timeout: float,
                 latencies: list[float], errors: dict[str, int]) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=timeout) as http:
        while time.monotonic() < until:
            path, params = request_mix(rng)
            started = time.perf_counter()
            try:
                res = await http.get(path, params=params)
                ok = res.status_code < 500 and res.status_code != 429
                label = str(res.status_code)
            except httpx.HTTPError as exc:
                ok, label = False, type(exc).__name__
            latencies.append(time.perf_counter() - started)
            if not ok:
                errors[label] = errors.get(label, 0) + 1


async def run_load(base: str, clients: int, seconds: float, timeout: float) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    started = time.monotonic()
    until = started + seconds
    await asyncio.gather(*(client(base, until, i, timeout, latencies, errors)
                           for i in range(clients)))
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"requests": len(latencies), "seconds": round(elapsed, 1),
            "rps": round(len(latencies) / elapsed, 1), "p50_ms": round(cuts[49] * 1000),
            "p99_ms": round(cuts[98] * 1000), "errors": sum(errors.values()),
            "error_kinds": errors}


@contextmanager
def served(workers: int | None, result_cache: int | None = None) -> Iterator[str]:
    """``kb serve`` on the bundled knowledge base in a fresh KB_HOME, on a loopback port
    (``result_cache``: KB_RESULT_CACHE for it; default, the setting's default)."""
    with tempfile.TemporaryDirectory(prefix="regkb-load-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
        env.update(KB_HOME=home, KB_BACKEND="embedded")
        if result_cache is not None:
            env["KB_RESULT_CACHE"] = str(result_cache)
        args = ["--host", "127.0.0.1"] + (["--workers", str(workers)] if workers else [])
        with kb_served(env, *args, log_path=Path(home) / "serve.log", ready_timeout=120) as (
            base, _port
        ):
            yield base


def row(label: str, figures: dict) -> str:
    kinds = ", ".join(f"{k}: {v}" for k, v in sorted(figures["error_kinds"].items())) or "none"
    return (f"| {label} | {figures['requests']:,} | {figures['seconds']} s | {figures['rps']} | "
            f"{figures['p50_ms']} ms | {figures['p99_ms']} ms | {figures['errors']} ({kinds}) |")


def record(runs: list[tuple[str, dict]], clients: int, workers: str) -> None:
    """Put the figures in RESULTS.md, in their own section (replaced on the next run)."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip() or "unknown"
    day, cores = dt.date.today().isoformat(), os.cpu_count()
    rows = "\n".join(row(label, figures) for label, figures in runs)
    section = f"""{SECTION}

`python -m benchmarks.load --write --without-cache` ({day}, commit {commit}, {cores}
cores, the load generator on the same machine): {clients} clients in a closed loop against
`kb serve --workers {workers}` on the bundled knowledge base, over loopback. The mix:
searches (35%), searches with jurisdiction and kind filters (20%), deeper pages (10%),
filter-only listings (7%), instrument, provision and case-note lookups (16%), citations (7%)
and an IPEF comparison grid (5%), drawn from 15 queries. An error is a 5xx, a 429 or a failed
connection. The second row is the same server with its result cache off
(`KB_RESULT_CACHE=0`): every search runs in the engine.

| server | requests | time | req/s | p50 | p99 | errors |
|---|---:|---:|---:|---:|---:|---:|
{rows}
"""
    text = RESULTS.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(SECTION) + r".*?(?=\n## |\Z)", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip("\n") + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running kb serve on loopback (default: start one)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--timeout", type=float, default=10, help="per request, in seconds")
    parser.add_argument("--workers", type=int, help="for the server started here "
                        "(default: kb serve's, the number of cores)")
    parser.add_argument("--write", action="store_true", help="record the figures in RESULTS.md")
    parser.add_argument("--without-cache", action="store_true", help="then run again against "
                        "a server with its result cache off (KB_RESULT_CACHE=0)")
    args = parser.parse_args()
    if not (1 <= args.clients <= MAX_CLIENTS and 0 < args.seconds <= MAX_SECONDS):
        raise SystemExit(f"at most {MAX_CLIENTS} clients and {MAX_SECONDS} s")
    runs: list[tuple[str, dict]] = []
    if args.url:
        loopback_only(args.url)
        runs.append((args.url, asyncio.run(
            run_load(args.url, args.clients, args.seconds, args.timeout))))
    else:
        for label, cache in [("kb serve", None)] + (
                [("kb serve, KB_RESULT_CACHE=0", 0)] if args.without_cache else []):
            with served(args.workers, cache) as base:
                runs.append((label, asyncio.run(
                    run_load(base, args.clients, args.seconds, args.timeout))))
    for label, figures in runs:
        print(label, figures)
    if args.write:
        workers = str(args.workers or (os.cpu_count() or 1)) if not args.url else "?"
        record(runs, args.clients, workers)


if __name__ == "__main__":
    main()
