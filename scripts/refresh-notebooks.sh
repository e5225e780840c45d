#!/usr/bin/env bash
# Re-execute the notebooks in place, so they are committed with their tables and figures.
#
# Each run uses a fresh, temporary KB_HOME: the embedded index is built from the bundled
# entries alone, so the outputs do not depend on what has been imported on this machine.
#
#   scripts/refresh-notebooks.sh                      # every notebook in notebooks/
#   scripts/refresh-notebooks.sh notebooks/x.ipynb    # only these
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="$(mktemp -d "${TMPDIR:-/tmp}/regkb-notebooks.XXXXXX")"
trap 'rm -rf "$home"' EXIT

if [ "$#" -eq 0 ]; then
  set -- "$root"/notebooks/*.ipynb
fi

KB_HOME="$home" KB_BACKEND=embedded MPLBACKEND=Agg PYTHONHASHSEED=0 \
python - "$@" <<'PY'
"""Execute each notebook in its own folder and write it back with its outputs."""
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

for name in sys.argv[1:]:
    path = Path(name).resolve()
    book = nbformat.read(path, as_version=4)
    # no timings in cell metadata: a refresh changes only what the outputs show
    NotebookClient(book, timeout=600, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in book.cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    if errors:
        sys.exit(f"{path.name}: a cell failed: {errors[0].get('ename')}: {errors[0].get('evalue')}")
    nbformat.write(book, path)
    print(f"refreshed {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
PY
