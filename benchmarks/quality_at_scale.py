"""Search quality at scale: the judged queries over the real corpus, alone and among distractors.

nDCG@10 (with Recall@20 and MRR@10) of ``benchmarks/quality``'s judged queries, first over the
real corpus alone, then over the same corpus with N synthetic provisions of
``benchmarks/corpus.py`` (legal-text vocabulary drawn from the corpus itself) added to the same
index, so BM25's statistics and the competition for the first ten places are those of a large
knowledge base. Target: nDCG@10 drops by no more than 0.02 with 1,000,000 distractors.

The distractors are tagged two ways, one run each: as ``kb import`` tags the texts it reads
(topics from their own words: what a large knowledge base of imported texts holds), and with
topics drawn at random whatever their words (a harsher case: a tag that lies).

    python benchmarks/quality_at_scale.py                        # embedded, 1,000,000
    python benchmarks/quality_at_scale.py --backends embedded,elasticsearch \\
        --es-url http://127.0.0.1:9200 --distractors 1000000
    python benchmarks/quality_at_scale.py --home /tmp/evalhome   # reuse an imported corpus

Results go to benchmarks/results/quality-at-scale.json (--out to change);
``python benchmarks/run.py --only-write-results`` puts them in RESULTS.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bm25_reference import PlainBM25  # noqa: E402
from benchmarks.corpus import generate  # noqa: E402
from benchmarks.quality import CORPUS, evaluate, load_queries, open_kb  # noqa: E402
from kb.core import KnowledgeBase  # noqa: E402
from kb.documents import record_docs  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "quality-at-scale.json"
TARGET_DROP = 0.02


def documents(kb: KnowledgeBase) -> int:
    stats = kb.stats()
    return int(stats["instruments"] + stats["provisions"] + stats["case_notes"])


def measure(kb: KnowledgeBase, distractors: int, tags: str = "import") -> dict[str, Any]:
    """Evaluate over the corpus alone, rebuild the same index with the distractors added
    (tagged as ``benchmarks.corpus.generate`` is told), evaluate again."""
    queries = load_queries()
    corpus = evaluate(kb, queries)
    corpus_docs = documents(kb)
    started = time.perf_counter()
    records = itertools.chain(kb.records(kb.load_entries(refresh=True)),
                              generate(distractors, tags=tags))
    report = kb.backend.rebuild(record_docs(records))
    build_s = time.perf_counter() - started
    scaled = evaluate(kb, queries)
    a, b = corpus["slices"]["all"], scaled["slices"]["all"]
    per_query = [
        {"id": x["id"], "query": x["query"], "ndcg_corpus": round(x["ndcg@10"], 4),
         "ndcg_scaled": round(y["ndcg@10"], 4), "total_scaled": y["total"]}
        for x, y in zip(corpus["queries"], scaled["queries"], strict=True)
        if abs(x["ndcg@10"] - y["ndcg@10"]) > 1e-9
    ]
    return {
        "distractors": distractors,
        "distractor_tags": tags,
        "documents_corpus": corpus_docs,
        "documents_scaled": report.documents,
        "build_seconds": round(build_s, 1),
        "corpus": a,
        "scaled": b,
        "ndcg_corpus": a["ndcg@10"],
        "ndcg_scaled": b["ndcg@10"],
        "drop": round(a["ndcg@10"] - b["ndcg@10"], 4),
        "meets_target": a["ndcg@10"] - b["ndcg@10"] <= TARGET_DROP,
        "slices_corpus": corpus["slices"],
        "slices_scaled": scaled["slices"],
        "changed_queries": sorted(per_query, key=lambda r: r["ndcg_scaled"] - r["ndcg_corpus"]),
    }


def measure_reference(kb: KnowledgeBase, distractors: int, tags: str = "import"
                      ) -> dict[str, Any]:
    """The same evaluation of plain BM25 (``benchmarks.bm25_reference``) over the same
    documents: the corpus and the bundled entries alone, then with the same distractors."""
    queries = load_queries()
    entries = kb.load_entries(refresh=True)
    alone = PlainBM25(record_docs(kb.records(entries)))
    try:
        corpus, corpus_docs = evaluate(alone, queries), alone.documents
    finally:
        alone.close()
    with_distractors = PlainBM25(record_docs(itertools.chain(
        kb.records(entries), generate(distractors, tags=tags))))
    try:
        scaled = evaluate(with_distractors, queries)
        scaled_docs = with_distractors.documents
    finally:
        with_distractors.close()
    a, b = corpus["slices"]["all"], scaled["slices"]["all"]
    return {
        "ranker": "plain BM25 (one field, any word, no bonus)",
        "date": time.strftime("%Y-%m-%d"),
        "distractors": distractors,
        "distractor_tags": tags,
        "documents_corpus": corpus_docs,
        "documents_scaled": scaled_docs,
        "corpus": a,
        "scaled": b,
        "ndcg_corpus": a["ndcg@10"],
        "ndcg_scaled": b["ndcg@10"],
        "drop": round(a["ndcg@10"] - b["ndcg@10"], 4),
        "slices_corpus": corpus["slices"],
        "slices_scaled": scaled["slices"],
    }


def run_backend(name: str, home: Path, distractors: int, es_url: str | None,
                tags: str = "import") -> dict[str, Any]:
    prefix = f"regkb-qscale{os.getpid()}"
    if name == "elasticsearch":
        os.environ["KB_INDEX_PREFIX"] = prefix  # indices of this run only
    kb, info = open_kb(home, name, es_url)
    try:
        result = measure(kb, distractors, tags)
        result["import_failures"] = len(info.get("failed", {}))
    finally:
        if name == "elasticsearch":
            es = kb.backend.es  # type: ignore[attr-defined]
            for index in es.indices.get(index=f"{prefix}-*"):  # ours only
                es.indices.delete(index=index, ignore_unavailable=True)
            os.environ.pop("KB_INDEX_PREFIX", None)
        kb.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--distractors", type=int, default=1_000_000,
                        help="synthetic provisions added to the corpus")
    parser.add_argument("--backends", default="embedded")
    parser.add_argument("--es-url", default=os.environ.get("KB_TEST_ELASTICSEARCH_URL"))
    parser.add_argument("--home", type=Path,
                        help="KB_HOME with the corpus imported, reused (default: temporary); "
                        "its index is rebuilt")
    parser.add_argument("--tags", default="import,random",
                        help="how the distractors are tagged, one run each: import (as "
                        "`kb import` tags a text: topics from its own words) and/or random "
                        "(topics drawn at random, whatever the words)")
    parser.add_argument("--reference", action="store_true",
                        help="also run plain BM25 over the same documents "
                        "(benchmarks/bm25_reference.py), for comparison")
    parser.add_argument("--only-reference", action="store_true",
                        help="run plain BM25 alone, keeping regkb's figures in --out")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--notes", default="")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        raise SystemExit(f"corpus not found: {CORPUS}")
    out: dict[str, Any] = {"queries": len(load_queries()), "distractors": args.distractors,
                           "date": time.strftime("%Y-%m-%d"), "backends": {},
                           "notes": args.notes}
    out["random_tags"] = {}
    if args.out.exists():  # keep the other backend's figures when only one is re-run
        previous = json.loads(args.out.read_text())
        if previous.get("distractors") == args.distractors:
            before = previous.get("backends", {})
            out["backends"] = {k: v for k, v in before.items()
                               if v.get("distractor_tags") == "import"}
            # runs from before the tags were told apart had random ones
            out["random_tags"] = {**{k: v for k, v in before.items()
                                     if v.get("distractor_tags", "random") == "random"},
                                  **previous.get("random_tags", {})}
            if "reference" in previous:
                out["reference"] = previous["reference"]
    with tempfile.TemporaryDirectory(prefix="regkb-qscale-") as tmp:
        home = args.home or Path(tmp) / "home"
        runs = [] if args.only_reference else list(
            itertools.product(args.backends.split(","), args.tags.split(",")))
        for name, tags in runs:
            print(f"{name}: corpus, then corpus + {args.distractors:,} distractors "
                  f"({tags} tags) ...", flush=True)
            result = run_backend(name, home, args.distractors, args.es_url, tags)
            out["backends" if tags == "import" else "random_tags"][name] = result
            print(f"{name}, {tags} tags: nDCG@10 {result['ndcg_corpus']:.4f} -> "
                  f"{result['ndcg_scaled']:.4f} (drop {result['drop']:+.4f}, target <= "
                  f"{TARGET_DROP}: {'met' if result['meets_target'] else 'MISSED'})",
                  flush=True)
        if args.reference or args.only_reference:
            print(f"plain BM25: corpus, then corpus + {args.distractors:,} distractors ...",
                  flush=True)
            kb, _ = open_kb(home, "embedded")
            try:
                out["reference"] = measure_reference(kb, args.distractors)
            finally:
                kb.close()
            ref = out["reference"]
            print(f"plain BM25: nDCG@10 {ref['ndcg_corpus']:.4f} -> {ref['ndcg_scaled']:.4f} "
                  f"(drop {ref['drop']:+.4f})", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
