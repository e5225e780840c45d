"""Search quality on a fixed, hand-judged query set over the real corpus.

Relevance judgments were made by reading the texts (see benchmarks/quality/README.md), so the
figures say how well the engine finds what a drafter or negotiator needs, independently of how
the engine works. Every query goes through the public facade (``KnowledgeBase.search``), as the
CLI, the API and the notebooks do.

    python benchmarks/quality.py                         # embedded backend, temporary home
    python benchmarks/quality.py --home /tmp/evalhome    # build once, reuse afterwards
    python benchmarks/quality.py --backend elasticsearch --es-url http://127.0.0.1:9200
    python benchmarks/quality.py --verbose               # one row per query
    python benchmarks/quality.py --json

Metrics: nDCG@10 (linear gain = grade, log2 discount, ideal ranking from all judgments),
Recall@20 (share of the ids graded 1 or 2 that appear in the first 20 hits) and MRR@10 (1/rank
of the first hit graded 1 or 2 within the first 10). Unjudged hits count as grade 0.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb.config import Settings  # noqa: E402
from kb.core import KnowledgeBase  # noqa: E402
from kb.importing import ImportMeta, import_paths  # noqa: E402
from kb.search import SearchQuery  # noqa: E402

QUERIES = Path(__file__).resolve().parent / "quality" / "queries.yaml"
CORPUS = Path(os.environ.get("KB_CORPUS", ROOT.parent / "shared" / "corpus"))
SLICES = ("all", "en", "vi", "vi-nodiacritics", "question", "cross-language")
TAGS = frozenset(SLICES) - {"all"}
LIMIT = 20
# corpus files that are not documents, and fixtures that are meant to fail
SKIP = {"MANIFEST.md", "README.tota.md"}
# written once the import has finished, so an interrupted build is redone rather than reused
MARKER = "quality-corpus.json"


# -- queries --------------------------------------------------------------------------------

@dataclass
class Query:
    """One information need, its query text and the graded judgments (id -> 0, 1 or 2)."""

    id: str
    text: str
    language: str
    slices: list[str]
    need: str
    judgments: dict[str, int] = field(default_factory=dict)

    @property
    def relevant(self) -> set[str]:
        return {doc for doc, grade in self.judgments.items() if grade > 0}


def load_queries(path: Path | str = QUERIES) -> list[Query]:
    """Read and check the query set, so a typo fails loudly instead of skewing a figure."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    items = data["queries"] if isinstance(data, dict) else data
    queries: list[Query] = []
    seen: set[str] = set()
    for item in items:
        query = Query(id=str(item["id"]), text=str(item["query"]), language=item["language"],
                      slices=list(item.get("slices", [])), need=str(item["need"]),
                      judgments={str(k): int(v) for k, v in (item.get("judgments") or {}).items()})
        if query.id in seen:
            raise ValueError(f"duplicate query id {query.id}")
        seen.add(query.id)
        unknown = set(query.slices) - TAGS
        if unknown:
            raise ValueError(f"{query.id}: unknown slice tags {sorted(unknown)}")
        bad = {k: v for k, v in query.judgments.items() if v not in (0, 1, 2)}
        if bad:
            raise ValueError(f"{query.id}: grades must be 0, 1 or 2: {bad}")
        if not query.relevant:
            raise ValueError(f"{query.id}: no relevant judgments")
        queries.append(query)
    return queries


# -- metrics --------------------------------------------------------------------------------

def ndcg(ranked: list[str], judgments: dict[str, int], k: int = 10) -> float:
    """Graded gain with a log2 discount, against the best ordering of all judged ids."""
    dcg = sum(judgments.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted((g for g in judgments.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranked: list[str], judgments: dict[str, int], k: int = 20) -> float:
    relevant = {doc for doc, grade in judgments.items() if grade > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: list[str], judgments: dict[str, int], k: int = 10) -> float:
    for i, doc in enumerate(ranked[:k]):
        if judgments.get(doc, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def _dedupe(ids: Iterable[str]) -> list[str]:
    """A document listed twice earns its gain once (the second listing is a wasted slot)."""
    seen: set[str] = set()
    out: list[str] = []
    for doc in ids:
        out.append(doc if doc not in seen else f"{doc}#duplicate")
        seen.add(doc)
    return out


class Ranker(Protocol):
    """What ``evaluate`` asks of what it scores: a knowledge base, or the plain BM25 yardstick
    (``benchmarks.bm25_reference``). Hits need an ``id``; the result a ``total``."""

    def search(self, q: SearchQuery) -> Any: ...


def evaluate(kb: Ranker, queries: list[Query] | None = None) -> dict[str, Any]:
    """Run every query through the facade (or a ranker); figures per slice and per query."""
    queries = queries if queries is not None else load_queries()
    rows: list[dict[str, Any]] = []
    for query in queries:
        result = kb.search(SearchQuery(text=query.text, limit=LIMIT))
        ranked = _dedupe(hit.id for hit in result.hits)
        rows.append({
            "id": query.id, "query": query.text, "slices": query.slices,
            "total": result.total, "judged_relevant": len(query.relevant),
            "ndcg@10": ndcg(ranked, query.judgments),
            "recall@20": recall(ranked, query.judgments),
            "mrr@10": reciprocal_rank(ranked, query.judgments),
            "top": ranked[:5],
        })
    slices: dict[str, dict[str, float]] = {}
    for name in SLICES:
        chosen = [r for r in rows if name == "all" or name in r["slices"]]
        if not chosen:
            continue
        slices[name] = {"queries": len(chosen)} | {
            metric: round(sum(r[metric] for r in chosen) / len(chosen), 4)
            for metric in ("ndcg@10", "recall@20", "mrr@10")
        }
    return {"slices": slices, "queries": rows}


# -- the knowledge base it runs on ----------------------------------------------------------

def meta_for(path: Path) -> ImportMeta | None:
    """What a person tells ``kb import --meta`` about files that do not say it themselves."""
    name = path.name
    if name.startswith("wto-jsi"):
        return ImportMeta(jurisdiction="int", doc_type="treaty", status="draft",
                          id="/akn/int/treaty/2024/wto-ecom", agreement="wto-ecom",
                          title="WTO Agreement on Electronic Commerce (INF/ECOM/87)")
    match = re.match(r"demuc-(\d+\.\d+)-", name)
    if match:
        number = match.group(1).replace(".", "-")
        return ImportMeta(jurisdiction="vn", doc_type="doc", status="in-force",
                          id=f"/akn/vn/doc/2021/phapdien-{number}")
    if name.startswith("pta_449"):
        return ImportMeta(agreement="tpp")
    return None


def import_corpus(kb: KnowledgeBase, corpus: Path = CORPUS) -> dict[str, Any]:
    """Import every file of the corpus, one at a time in name order (so versions are stable)."""
    imported, failed = 0, {}
    for path in sorted(p for p in corpus.rglob("*") if p.is_file() and p.name not in SKIP):
        report = import_paths([path], kb.store, meta=meta_for(path))
        imported += len(report.imported)
        for item in report.failed:
            failed[str(Path(item["path"]).relative_to(corpus))] = item["error"]
    return {"corpus": str(corpus), "imported": imported, "failed": failed}


def open_kb(home: Path, backend: str | None = None, es_url: str | None = None,
            corpus: Path = CORPUS, reindex: bool = True) -> tuple[KnowledgeBase, dict[str, Any]]:
    """A knowledge base over the corpus: imported once per home, indexed on every run."""
    options: dict[str, Any] = {"home": home}
    if backend:
        options["backend"] = backend  # Settings says which names are valid
    if es_url:
        options["elasticsearch_url"] = es_url
    kb = KnowledgeBase(Settings(**options))
    marker = home / MARKER
    if marker.exists():
        info = json.loads(marker.read_text(encoding="utf-8"))
    else:
        if not corpus.is_dir():
            raise SystemExit(f"corpus not found: {corpus}")
        home.mkdir(parents=True, exist_ok=True)
        info = import_corpus(kb, corpus)
        marker.write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")
    if reindex or not kb.backend.exists():
        kb.index()
    return kb, info


# -- output ---------------------------------------------------------------------------------

def print_report(result: dict[str, Any], verbose: bool = False) -> None:
    print(f"{'slice':<17}{'queries':>8}{'nDCG@10':>10}{'Recall@20':>11}{'MRR@10':>9}")
    for name, row in result["slices"].items():
        print(f"{name:<17}{row['queries']:>8}{row['ndcg@10']:>10.3f}"
              f"{row['recall@20']:>11.3f}{row['mrr@10']:>9.3f}")
    if verbose:
        print()
        print(f"{'id':<7}{'nDCG':>6}{'R@20':>6}{'RR':>6}{'hits':>7}{'rel':>5}  query")
        for row in result["queries"]:
            print(f"{row['id']:<7}{row['ndcg@10']:>6.2f}{row['recall@20']:>6.2f}"
                  f"{row['mrr@10']:>6.2f}{row['total']:>7}{row['judged_relevant']:>5}  "
                  f"{row['query']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", help="backend name, as KB_BACKEND takes it")
    parser.add_argument("--es-url", help="Elasticsearch URL (with --backend elasticsearch)")
    parser.add_argument("--home", type=Path,
                        help="KB_HOME to build or reuse (default: a temporary one)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--no-reindex", action="store_true",
                        help="reuse the existing index of --home instead of rebuilding it")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--verbose", "-v", action="store_true", help="one row per query")
    args = parser.parse_args(argv)

    queries = load_queries(args.queries)
    with tempfile.TemporaryDirectory(prefix="regkb-quality-") as tmp:
        home = args.home or Path(tmp)
        kb, info = open_kb(home, args.backend, args.es_url, args.corpus,
                           reindex=not args.no_reindex)
        try:
            result = evaluate(kb, queries)
        finally:
            kb.close()
    result["backend"] = kb.settings.backend
    result["import_failures"] = info.get("failed", {})
    if args.json:
        if not args.verbose:
            result.pop("queries")
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(f"backend: {result['backend']}; {len(queries)} queries")
        print_report(result, args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
