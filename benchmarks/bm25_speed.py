"""How fast plain BM25 itself grows: the yardstick's search latency at 100k and 1M provisions.

The speed targets were set against "tantivy, block-max WAND": plain BM25 over one text field,
every word optional, its exact top 10 (``benchmarks/bm25_reference.py``). This times that
ranker on the same synthetic provisions as ``benchmarks/run.py`` (``benchmarks/corpus.py``,
same seed), with the same 29 queries' words, at each size given, so regkb's growth from 100k
to 1M can be read against the growth of the engine's best case:

- *top 10*: ``searcher.search(q, 10, count=False)``, the shape block-max WAND serves best
  (a flat union of term queries, no count);
- *top 10 + count*: the same with every match counted, as a search that reports its total.

    python benchmarks/bm25_speed.py --n 100000 1000000

Results go to benchmarks/results/bm25-speed.json; ``python benchmarks/run.py
--only-write-results`` puts them in RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tantivy  # noqa: E402

from benchmarks.bm25_reference import PlainBM25, query_stems  # noqa: E402
from benchmarks.corpus import ALL_QUERIES, generate  # noqa: E402
from benchmarks.run import machine, percentile, settle  # noqa: E402
from kb.documents import record_docs  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "bm25-speed.json"


def flat_union(ranker: PlainBM25, text: str) -> tantivy.Query | None:
    stems = query_stems(text)
    if not stems:
        return None
    return tantivy.Query.boolean_query([
        (tantivy.Occur.Should, tantivy.Query.term_query(ranker.schema, "text", s))
        for s in stems
    ])


def time_queries(ranker: PlainBM25, rounds: int) -> dict[str, Any]:
    """p50 / p95 of each way of asking, over every query with words, ``rounds`` timed passes
    after as many untimed ones."""
    queries = [q for q in (flat_union(ranker, p["text"]) for _, p in ALL_QUERIES if p.get("text"))
               if q is not None]
    ways = {"top10": {"count": False}, "top10_count": {"count": True}}
    out: dict[str, Any] = {"queries": len(queries)}
    for name, kwargs in ways.items():
        times: list[float] = []
        for timed in [False] * rounds + [True] * rounds:
            for q in queries:
                started = time.perf_counter()
                ranker.searcher.search(q, 10, **kwargs)
                if timed:
                    times.append((time.perf_counter() - started) * 1000)
        out[name] = {"p50_ms": round(percentile(times, 50), 2),
                     "p95_ms": round(percentile(times, 95), 2)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "machine": machine(),
                               "sizes": {}}
    for n in args.n:
        with tempfile.TemporaryDirectory(prefix="regkb-bm25-speed-") as tmp:
            started = time.perf_counter()
            ranker = PlainBM25(record_docs(generate(n)), Path(tmp))
            build_s = time.perf_counter() - started
            settle()
            figures = time_queries(ranker, args.rounds)
            ranker.close()
        figures["build_seconds"] = round(build_s, 1)
        results["sizes"][str(n)] = figures
        print(f"{n:,}: top 10 p50 / p95 {figures['top10']['p50_ms']} / "
              f"{figures['top10']['p95_ms']} ms; with the count "
              f"{figures['top10_count']['p50_ms']} / {figures['top10_count']['p95_ms']} ms",
              flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
