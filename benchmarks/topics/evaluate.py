"""Precision and recall of kb.tagging against provisions labelled by reading them.

Parses each file named in benchmarks/topics/labels.yaml (under ../shared: corpus/ and
corpus-more/) with the project's own importers, takes curated provisions from the bundled
entries, tags each labelled provision from its own heading, text and summary, and compares
with the labels. Topics count with their ancestors (as the index stores them), sectors not.
Micro precision and recall are printed for the dev half (tuned on) and the test half
(reported untouched), overall and per language.

    python -m benchmarks.topics.evaluate [--shared PATH] [--split dev|test|all] [--errors]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb import importers  # noqa: E402
from kb.ingest import normalise_provisions  # noqa: E402
from kb.load import load_entries  # noqa: E402
from kb.models import Instrument, Provision  # noqa: E402
from kb.tagging import Tagger, tagger  # noqa: E402
from kb.taxonomy import taxonomy  # noqa: E402

LABELS = Path(__file__).with_name("labels.yaml")
SHARED = Path(os.environ.get("KB_SHARED", ROOT.parent / "shared"))


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    n: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load_labels(path: Path = LABELS) -> list[dict]:
    """The labels, checked: an unknown topic or a missing field fails loudly."""
    labels = yaml.safe_load(path.read_text(encoding="utf-8"))["labels"]
    tax = taxonomy()
    for i, item in enumerate(labels):
        where = f"{path.name} entry {i + 1} ({item.get('eid')})"
        if not (item.get("file") or item.get("entry")) or not item.get("eid"):
            raise ValueError(f"{where}: needs file or entry, and eid")
        if item.get("split") not in ("dev", "test"):
            raise ValueError(f"{where}: split must be dev or test")
        for topic in item.get("topics") or []:
            if topic not in tax:
                raise ValueError(f"{where}: unknown topic {topic!r}")
    return labels


def load_provisions(labels: list[dict], shared: Path = SHARED) -> dict[tuple[str, str], Provision]:
    """(file or entry id, eid) -> provision, for every labelled provision that can be found."""
    out: dict[tuple[str, str], Provision] = {}
    for rel in sorted({item["file"] for item in labels if item.get("file")}):
        path = shared / rel
        if not path.is_file():
            continue
        data = path.read_bytes()
        parsed = importers.detect(data, path.name).parse(data, path.name)
        for doc in parsed if isinstance(parsed, list) else [parsed]:
            for prov in normalise_provisions(doc.provisions):
                out.setdefault((rel, prov.eid), prov)
    wanted = {item["entry"] for item in labels if item.get("entry")}
    for record in load_entries().records:
        if isinstance(record, Instrument) and record.id in wanted:
            for prov in record.provisions:
                out[(record.id, prov.eid)] = prov
    return out


def closed(topics: list[str]) -> set[str]:
    """Topics with their ancestors, sectors left out (as a topic filter sees them)."""
    tax = taxonomy()
    return {t for t in tax.with_ancestors([t for t in topics if t in tax]) if "/" in t}


def evaluate(labels: list[dict], provisions: dict[tuple[str, str], Provision],
             split: str = "all", tag: Tagger | None = None
             ) -> tuple[dict[str, Counts], list[dict]]:
    """Counts per language (and "all"), and the labelled provisions tagged wrongly."""
    tag = tag or tagger()
    counts: dict[str, Counts] = defaultdict(Counts)
    errors: list[dict] = []
    for item in labels:
        if split != "all" and item["split"] != split:
            continue
        key = (item.get("file") or item["entry"], item["eid"])
        prov = provisions.get(key)
        if prov is None:
            continue
        if item.get("entry"):  # the curated topics are the editor's; tag the summary alone
            prov = prov.model_copy(update={"topics": []})
        got, want = closed(tag.tag_provision(prov)), closed(item.get("topics") or [])
        for lang in ("all", item["language"]):
            c = counts[lang]
            c.n += 1
            c.tp += len(got & want)
            c.fp += len(got - want)
            c.fn += len(want - got)
        if got != want:
            errors.append({"key": key, "note": item.get("note"), "missing": sorted(want - got),
                           "extra": sorted(got - want), "why": tag.explain(prov)})
    return dict(counts), errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=SHARED,
                        help="the directory holding corpus/ and corpus-more/")
    parser.add_argument("--split", choices=("dev", "test", "all"), default=None)
    parser.add_argument("--errors", action="store_true", help="list every disagreement")
    args = parser.parse_args(argv)
    labels = load_labels()
    provisions = load_provisions(labels, args.shared)
    missing = sum(1 for i in labels if (i.get("file") or i["entry"], i["eid"]) not in provisions)
    print(f"{len(labels)} labelled provisions, {missing} not found under {args.shared}")
    for split in ([args.split] if args.split else ["dev", "test"]):
        counts, errors = evaluate(labels, provisions, split)
        print(f"\n{split:5} {'n':>4} {'precision':>10} {'recall':>7}")
        for lang in sorted(counts, key=lambda k: (k != "all", k)):
            c = counts[lang]
            print(f"{lang:5} {c.n:4d} {c.precision:10.3f} {c.recall:7.3f}")
        if args.errors:
            for err in errors:
                print(f"\n{err['key'][0]} {err['key'][1]} ({err['note']})")
                print(f"  missing {err['missing']}  extra {err['extra']}")
                for topic, why in list(err["why"].items())[:4]:
                    print(f"  {topic}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
