"""How often a comparison grid's first provision is the one that answers its topic.

    python benchmarks/grid/measure.py [--home KB_HOME] [--es-url URL] [-v]

Reads benchmarks/grid/cells.yaml (cells judged by reading) and prints, for an index, how many
counted cells have an expected provision first. A cell counts on an index that holds at least
one of its expected provisions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kb.core import KnowledgeBase  # noqa: E402

CELLS = Path(__file__).with_name("cells.yaml")


def load_cells(path: Path = CELLS) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def evaluate(kb: KnowledgeBase, cells: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Per cell: the first provision and whether it is expected; counted cells only."""
    cells = cells if cells is not None else load_cells()
    present = {d["id"] for d in kb.get_many([i for c in cells for i in c["expected"]])}
    out = []
    for cell in cells:
        if not present.intersection(cell["expected"]):
            continue
        row = cell["row"]
        agreements = [row.split(":", 1)[1]] if row.startswith("agreement:") else []
        grid = kb.compare([cell["topic"]], [] if agreements else [row], agreements, per_cell=3)
        hits = grid.cell(row, cell["topic"]).hits
        first = hits[0].id if hits else None
        out.append({"row": row, "topic": cell["topic"], "first": first,
                    "ok": first in cell["expected"]})
    return {"cells": out, "correct": sum(c["ok"] for c in out), "counted": len(out)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="KB_HOME of the index to measure (default: configured)")
    parser.add_argument("--es-url", help="measure the Elasticsearch backend at this URL")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every cell")
    args = parser.parse_args()
    kb = KnowledgeBase.open(elasticsearch=args.es_url, home=args.home)
    result = evaluate(kb)
    for cell in result["cells"]:
        if args.verbose or not cell["ok"]:
            mark = "ok  " if cell["ok"] else "MISS"
            print(f"{mark} {cell['row']:<18} {cell['topic']:<36} {cell['first']}")
    print(f"first provision expected: {result['correct']}/{result['counted']} cells")


if __name__ == "__main__":
    main()
