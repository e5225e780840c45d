"""The notebooks run top to bottom on a fresh knowledge base and show tables and figures."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def outputs(book: nbformat.NotebookNode, mime: str) -> list[str]:
    found = []
    for cell in book.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if mime in data:
                found.append(data[mime])
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_and_shows_tables_and_figures(path: Path, kb_home: Path) -> None:
    book = nbformat.read(path, as_version=4)
    NotebookClient(book, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    tables = [t for t in outputs(book, "text/html") if "<table" in t and "<td" in t]
    assert tables, "no non-empty table in the outputs"
    assert outputs(book, "image/png"), "no figure in the outputs"
    cells = book.cells
    assert not [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 3
