"""The official texts of curated works that sit in the shared corpus folders, imported in one go.

``kb/official-texts.yaml`` says which files they are, the work each belongs to and what the
file does not say itself; ``kb import --official`` imports them all through the ordinary
importers (``kb.ingest``), so a text enters exactly as ``kb import PATH --meta ...`` would
bring it, with provenance, and a file that is not the document expected is refused.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from kb import ids
from kb.errors import ImportFailed
from kb.ingest import ImportMeta, ImportReport, import_paths
from kb.store import RecordStore

MANIFEST = Path(__file__).with_name("official-texts.yaml")
CHECKOUT = Path(__file__).resolve().parents[1]


class OfficialText(BaseModel):
    """One file of the manifest: where it is below a corpus root and the work it belongs to."""

    model_config = ConfigDict(extra="forbid")

    path: str
    work: str
    meta: ImportMeta = ImportMeta()
    note: str | None = None

    @field_validator("work")
    @classmethod
    def _work(cls, value: str) -> str:
        return ids.clean_work_id(value)

    @field_validator("path")
    @classmethod
    def _relative(cls, value: str) -> str:
        if value.startswith("/") or ".." in Path(value).parts:
            raise ValueError(f"{value!r}: give the path below a corpus root")
        return value

    def import_meta(self) -> ImportMeta:
        """The metadata to import with: the manifest's, filed under the work's id."""
        return self.meta.model_copy(update={"id": self.work})


def load_manifest(path: Path = MANIFEST) -> list[OfficialText]:
    """The listed texts, or ImportFailed naming the item that is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ImportFailed(f"{path}: cannot read the list of official texts: {exc}") from exc
    items: list[OfficialText] = []
    for i, item in enumerate(data.get("texts") or []):
        try:
            items.append(OfficialText.model_validate(item))
        except ValidationError as exc:
            raise ImportFailed(f"{path}: texts[{i}]: {exc.errors()[0]['msg']}") from exc
    return items


def default_roots() -> list[Path]:
    """``$KB_CORPUS`` (one or more folders, separated like PATH) and the ``corpus-more``
    beside it, else ``../shared/corpus`` and ``../shared/corpus-more`` next to the checkout."""
    configured = os.environ.get("KB_CORPUS", "")
    if configured:
        roots = [Path(p) for p in configured.split(os.pathsep) if p]
        more = roots[0].parent / "corpus-more"
        if len(roots) == 1 and more.is_dir() and more != roots[0]:
            roots.append(more)
        return roots
    shared = CHECKOUT.parent / "shared"
    return [shared / "corpus", shared / "corpus-more"]


def locate(item: OfficialText, roots: Iterable[Path]) -> Path | None:
    """The file under the first root that holds it."""
    for root in roots:
        candidate = root / item.path
        if candidate.is_file():
            return candidate
    return None


@dataclass
class Outcome:
    """What became of one listed file."""

    item: OfficialText
    file: Path | None
    status: str  # new | new-version | unchanged | refused | missing
    message: str = ""
    imported: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.item.path, "work": self.item.work, "status": self.status,
                "file": str(self.file) if self.file else None, "message": self.message,
                "provisions": sum(i["provisions"] for i in self.imported),
                "records": [{k: i[k] for k in ("id", "kind", "status", "provisions")}
                            for i in self.imported]}


def _belongs(record_id: str, work: str) -> bool:
    """The work itself or another-language expression of it (``{work}/fra@``)."""
    return record_id == work or record_id.startswith(work + "/")


def _outcome(item: OfficialText, file: Path, report: ImportReport) -> Outcome:
    if report.failed:
        return Outcome(item, file, "refused", "; ".join(f["error"] for f in report.failed))
    mine = [i for i in report.imported if _belongs(i["id"], item.work)]
    if not mine:
        got = ", ".join(sorted({i["id"] for i in report.imported})) or "nothing"
        reasons = "; ".join(s["reason"] for s in report.skipped)
        return Outcome(item, file, "refused", f"expected {item.work}, the import gave {got}"
                       + (f" ({reasons})" if reasons else ""), report.imported)
    order = ("new", "new-version", "unchanged")
    status = min((i["status"] for i in mine), key=lambda s: order.index(s) if s in order else 9)
    return Outcome(item, file, status, "", report.imported)


def import_official(
    store: RecordStore, roots: Iterable[Path] | None = None,
    items: list[OfficialText] | None = None, dry_run: bool = False,
    progress: Callable[[OfficialText], None] | None = None,
) -> Iterator[Outcome]:
    """Import every listed text found under the roots, one file at a time, in manifest order
    (so versions come out the same on every machine); yields what became of each."""
    roots = list(roots) if roots else default_roots()
    for item in items if items is not None else load_manifest():
        if progress:
            progress(item)
        file = locate(item, roots)
        if file is None:
            yield Outcome(item, None, "missing",
                          f"not found under {', '.join(str(r) for r in roots)}")
            continue
        report = import_paths([file], store, meta=item.import_meta(), dry_run=dry_run)
        yield _outcome(item, file, report)
