"""How fast plain BM25 itself grows: the yardstick's search latency at 100k and 1M provisions.

The speed targets were set against "tantivy, block-max WAND": plain BM25 over one text field,
every word optional, its exact top 10 (``benchmarks/bm25_reference.py``). This times that
ranker on the same synthetic provisions as ``benchmarks/run.py`` (``benchmarks/corpus.py``,
same seed), with the same 29 queries' words, at each size given, so regkb's growth from 100k
to 1M can be read against the growth of the engine's best case:

- *top 10*: ``searcher.search(q, 10, count=False)``, the shape block-max WAND serves best
  (a flat union of term queries, no count);
- *top 10 + count*: the same with every match counted, as a search that reports its total.

With ``--es-url``, the same on Elasticsearch instead: one index of one text field (whitespace
analyser, the same stems), merged to one segment as regkb's build merges, a ``bool`` of
``should`` term queries; *top 10* without a total (``track_total_hits: false``, so Lucene
may skip what cannot reach the top 10), *+ count* with totals counted up to 10,000 as regkb
counts them.

    python benchmarks/bm25_speed.py --n 100000 1000000 [--es-url http://127.0.0.1:9200]

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

from benchmarks.bm25_reference import PlainBM25, document_text, query_stems  # noqa: E402
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


def elastic_figures(es_url: str, n: int, rounds: int) -> dict[str, Any]:
    """Plain BM25 on Elasticsearch: build the one-field index of N provisions, time the
    queries both ways, drop the index."""
    from elasticsearch import Elasticsearch, helpers

    es = Elasticsearch(es_url, request_timeout=3600)
    name = "regkb-bm25-speed"
    es.indices.delete(index=name, ignore_unavailable=True)
    es.indices.create(index=name, settings={
        "number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"},
        mappings={"dynamic": "strict", "properties": {
            "text": {"type": "text", "analyzer": "whitespace", "index_options": "freqs"}}})
    try:
        started = time.perf_counter()
        actions = ({"_index": name, "_id": d["id"], "text": document_text(d)}
                   for d in record_docs(generate(n)))
        for _ in helpers.streaming_bulk(es, actions, chunk_size=1000, raise_on_error=True):
            pass
        es.indices.refresh(index=name)
        es.indices.forcemerge(index=name, max_num_segments=1)
        build_s = time.perf_counter() - started
        settle()
        bodies = [[{"term": {"text": t}} for t in query_stems(p["text"])]
                  for _, p in ALL_QUERIES if p.get("text")]
        bodies = [b for b in bodies if b]
        out: dict[str, Any] = {"queries": len(bodies), "build_seconds": round(build_s, 1)}
        for way, total in (("top10", False), ("top10_count", 10_000)):
            times: list[float] = []
            for timed in [False] * rounds + [True] * rounds:
                for should in bodies:
                    started = time.perf_counter()
                    es.search(index=name, query={"bool": {"should": should}}, size=10,
                              track_total_hits=total, source=False)
                    if timed:
                        times.append((time.perf_counter() - started) * 1000)
            out[way] = {"p50_ms": round(percentile(times, 50), 2),
                        "p95_ms": round(percentile(times, 95), 2)}
        return out
    finally:
        es.indices.delete(index=name, ignore_unavailable=True)
        es.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--es-url", help="time plain BM25 on this Elasticsearch node instead "
                        "of tantivy (the tantivy figures already in --out are kept)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "machine": machine(),
                               "sizes": {}, "elasticsearch": {}}
    if args.out.exists():  # keep the other engine's figures when only one is run
        before = json.loads(args.out.read_text())
        results["sizes"] = before.get("sizes", {})
        results["elasticsearch"] = before.get("elasticsearch", {})
    for n in args.n:
        if args.es_url:
            figures = elastic_figures(args.es_url, n, args.rounds)
            results["elasticsearch"][str(n)] = figures
            print(f"{n:,}, Elasticsearch: top 10 p50 / p95 {figures['top10']['p50_ms']} / "
                  f"{figures['top10']['p95_ms']} ms; with totals to 10,000 "
                  f"{figures['top10_count']['p50_ms']} / {figures['top10_count']['p95_ms']} ms",
                  flush=True)
            continue
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
