"""Agreement of kb.strength with articles labelled by reading the treaties.

Parses the treaties in ../shared/corpus with the project's own importers (ToTA XML and the text
importer for the WTO e-commerce text), runs :func:`kb.strength.assess` on every labelled article
of benchmarks/strength/labels.yaml and prints, for the dev half (tuned on) and the test half
(reported untouched): strength accuracy per class with a confusion matrix, exception-type
agreement (exact set per article, and per type), scope-exclusion and procedural agreement.

    python -m benchmarks.strength.evaluate [--corpus PATH] [--split dev|test|all] [--errors]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.importers import text as text_importer
from kb.importers import tota
from kb.models import Provision
from kb.strength import STRENGTHS, assess

ROOT = Path(__file__).resolve().parents[2]
LABELS = Path(__file__).with_name("labels.yaml")
CORPUS = Path(os.environ.get("KB_CORPUS", ROOT.parent / "shared" / "corpus"))
TREATIES = {
    "tpp": "tota/pta_449.tpp-2016.en.xml",
    "korus": "tota/pta_159.korus-fta.en.xml",
    "ausfta": "tota/pta_37.us-australia-fta.en.xml",
    "safta": "tota/pta_54.singapore-australia-fta.en.xml",
    "aanzfta": "tota/pta_327.aanzfta.en.xml",
    "kvfta": "tota/pta_401.korea-vietnam-fta.en.xml",
    "eaeu-vn": "tota/pta_447.eaeu-vietnam-fta.en.xml",
    "wto-ecom": "wto-jsi-agreement-on-electronic-commerce.INF-ECOM-87.en.md",
}


@dataclass
class Result:
    label: dict
    strength: str
    exceptions: set[str]
    scope_exclusion: bool
    phrase: str | None


def load_labels(path: Path = LABELS) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["labels"]


def load_provisions(corpus: Path, agreements: set[str]) -> dict[tuple[str, str], Provision]:
    """(agreement, eId) -> provision, parsed by the importers the knowledge base uses."""
    out: dict[tuple[str, str], Provision] = {}
    for key in sorted(agreements):
        file = corpus / "treaties" / TREATIES[key]
        importer = text_importer if file.suffix == ".md" else tota
        doc = importer.parse(file.read_bytes(), file.name)[0]
        for prov in doc.provisions:
            out[(key, prov.eid)] = prov
    return out


def run(corpus: Path = CORPUS, labels: list[dict] | None = None) -> list[Result]:
    labels = labels if labels is not None else load_labels()
    provisions = load_provisions(corpus, {lab["agreement"] for lab in labels})
    results = []
    for lab in labels:
        prov = provisions.get((lab["agreement"], lab["eid"]))
        if prov is None:
            raise SystemExit(f"labelled article not found: {lab['agreement']} {lab['eid']}")
        got = assess(prov.text or "", prov.heading, prov.path)
        results.append(Result(lab, got.strength, set(got.exception_types),
                              bool(got.scope_exclusions), got.phrase))
    return results


def scores(results: list[Result]) -> dict[str, float]:
    """Headline figures: strength accuracy, exception-set agreement, procedural agreement."""
    n = len(results) or 1
    return {
        "strength": sum(r.strength == r.label["strength"] for r in results) / n,
        "exceptions": sum(r.exceptions == set(r.label["exceptions"]) for r in results) / n,
        "scope_exclusion": sum(r.scope_exclusion == r.label["scope_exclusion"]
                               for r in results) / n,
        "procedural": sum((r.strength == "procedural") == (r.label["strength"] == "procedural")
                          for r in results) / n,
    }


def report(results: list[Result], title: str, errors: bool = False) -> str:
    lines = [f"== {title}: {len(results)} articles"]
    s = scores(results)
    lines.append("strength {strength:.1%}  exceptions (exact set) {exceptions:.1%}  "
                 "scope exclusion {scope_exclusion:.1%}  procedural {procedural:.1%}".format(**s))
    classes = [c for c in STRENGTHS if any(r.label["strength"] == c or r.strength == c
                                            for r in results)]
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        confusion[r.label["strength"]][r.strength] += 1
    lines.append("per class (label -> recall):")
    for c in classes:
        total = sum(confusion[c].values())
        if total:
            hit = confusion[c][c]
            lines.append(f"  {c:15s} {hit:3d}/{total:<3d} {hit / total:6.1%}")
    width = max(len(c) for c in classes) + 1
    lines.append("confusion (rows: label, columns: classifier):")
    lines.append(" " * (width + 2) + " ".join(f"{c[:6]:>6s}" for c in classes))
    for c in classes:
        lines.append(f"  {c:{width}s}" + " ".join(f"{confusion[c][k]:6d}" for k in classes))
    types = sorted({t for r in results for t in set(r.label["exceptions"]) | r.exceptions})
    lines.append("exception types (true pos / labelled / predicted):")
    for t in types:
        tp = sum(t in r.exceptions and t in r.label["exceptions"] for r in results)
        lab = sum(t in r.label["exceptions"] for r in results)
        pred = sum(t in r.exceptions for r in results)
        lines.append(f"  {t:25s} {tp:3d} / {lab:3d} / {pred:3d}")
    if errors:
        lines.append("disagreements:")
        for r in results:
            lab = r.label
            if (r.strength != lab["strength"] or r.exceptions != set(lab["exceptions"])
                    or r.scope_exclusion != lab["scope_exclusion"]):
                lines.append(f"  {lab['agreement']} {lab['article']}: label {lab['strength']} "
                             f"{sorted(lab['exceptions'])} scope={lab['scope_exclusion']} | got "
                             f"{r.strength} {sorted(r.exceptions)} scope={r.scope_exclusion} "
                             f"({r.phrase!r})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--errors", action="store_true", help="list the disagreements")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    results = run(args.corpus)
    for split in ("dev", "test") if args.split == "all" else (args.split,):
        part = [r for r in results if r.label["split"] == split]
        print(report(part, f"{split} half", errors=args.errors))
        print()
    if args.split == "all":
        print(report(results, "all", errors=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
