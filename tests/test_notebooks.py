"""The notebooks run top to bottom on a fresh knowledge base and show tables and figures.

They are committed with their outputs (so they read well where they are hosted); the test runs
copies in a temporary folder and never writes the committed files.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REFRESH = ROOT / "scripts" / "refresh-notebooks.sh"


def outputs(book: nbformat.NotebookNode, mime: str) -> list[str]:
    found = []
    for cell in book.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if mime in data:
                found.append(data[mime])
    return found


def tables_of(book: nbformat.NotebookNode) -> list[str]:
    return [t for t in outputs(book, "text/html") if "<table" in t and "<td" in t]


def errors_of(book: nbformat.NotebookNode) -> list[dict]:
    return [o for c in book.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_and_shows_tables_and_figures(path: Path, kb_home: Path,
                                                     tmp_path: Path) -> None:
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    book = nbformat.read(copy, as_version=4)
    for cell in book.cells:  # run from nothing: the committed outputs must not count
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    NotebookClient(book, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(book, copy)
    assert tables_of(book), "no non-empty table in the outputs"
    assert outputs(book, "image/png"), "no figure in the outputs"
    assert not errors_of(book)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before, "the committed file changed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_has_its_outputs(path: Path) -> None:
    """Every code cell was run, in order, and the tables and figures are in the file
    (scripts/refresh-notebooks.sh writes them)."""
    book = nbformat.read(path, as_version=4)
    code = [c for c in book.cells if c.cell_type == "code" and c.source.strip()]
    assert code
    counts = [c.execution_count for c in code]
    assert None not in counts, f"{path.name}: cells never run; run {REFRESH.name}"
    assert counts == sorted(counts), f"{path.name}: cells run out of order"
    assert tables_of(book), f"{path.name}: no table in the committed outputs"
    assert outputs(book, "image/png"), f"{path.name}: no figure in the committed outputs"
    assert not errors_of(book), f"{path.name}: an error is committed"
    text = path.read_text(encoding="utf-8")
    assert "regkb-notebooks." not in text, "a temporary KB_HOME leaked into the outputs"


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 3
    assert REFRESH.exists() and REFRESH.stat().st_mode & 0o111
