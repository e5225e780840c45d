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
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


from benchmarks.bm25_reference import PlainBM25, document_text, query_stems  # noqa: E402
from benchmarks.corpus import ALL_QUERIES, generate  # noqa: E402
from benchmarks.run import machine, percentile, settle  # noqa: E402
from kb.documents import record_docs  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "bm25-speed.json"


def timed(ask: Callable[[Any], Any], queries: list[Any], rounds: int) -> dict[str, float]:
    """p50 / p95 of ``ask`` over the queries, ``rounds`` timed passes after as many untimed
    ones."""
    times: list[float] = []
    for counted in [False] * rounds + [True] * rounds:
        for q in queries:
            started = time.perf_counter()
            ask(q)
            if counted:
                times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(percentile(times, 50), 2), "p95_ms": round(percentile(times, 95), 2)}


def query_texts() -> list[str]:
    return [p["text"] for _, p in ALL_QUERIES if p.get("text") and query_stems(p["text"])]


def time_queries(ranker: PlainBM25, rounds: int) -> dict[str, Any]:
    """Each way of asking tantivy, over every query with words."""
    queries = [ranker.query(text) for text in query_texts()]
    search = ranker.searcher.search
    return {"queries": len(queries),
            "top10": timed(lambda q: search(q, 10, count=False), queries, rounds),
            "top10_count": timed(lambda q: search(q, 10, count=True), queries, rounds)}


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
        queries = [{"bool": {"should": [{"term": {"text": t}} for t in query_stems(text)]}}
                   for text in query_texts()]

        def ask(total: int | bool) -> Callable[[Any], Any]:
            return lambda q: es.search(index=name, query=q, size=10, track_total_hits=total,
                                       source=False)

        return {"queries": len(queries), "build_seconds": round(build_s, 1),
                "top10": timed(ask(False), queries, rounds),
                "top10_count": timed(ask(10_000), queries, rounds)}
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
