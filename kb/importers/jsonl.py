"""JSON Lines records: one complete instrument (with its provisions) or case note per line.

Format: docs/jsonl.md. Each line is a record in the shape of ``kb.models.Instrument`` or
``kb.models.CaseNote``; its ``kind`` (``instrument`` or ``case-note``) says which, or, when
absent, the id does (``/akn/...`` or ``/notes/...``). Unlike the other formats, the lines are
finished records: nothing is inferred, minted or auto-tagged, so ``parse_records`` is the entry
point and ``kb.importing`` stores its result as one all-or-nothing batch. The lines get the same
checks as curated entries (``kb check``), and every problem is reported as
``file:line: field: message`` so a person can fix the file in one pass.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from kb.errors import ImportFailed
from kb.importers.base import ParsedDocument
from kb.load import (
    RECORD_MODELS,
    EntryError,
    _field,
    _FileChecker,
    _message,
    model_of,
    quoted,
    unknown_kind,
)
from kb.models import Record
from kb.taxonomy import Jurisdictions, Taxonomy, jurisdictions, taxonomy

FORMAT = "jsonl"
_SET_BY_IMPORTER = ("provenance", "origin")
_EXTENSIONS = (".jsonl", ".ndjson")


class RecordsInvalid(ImportFailed):
    """A records file with bad lines; ``errors`` names each line and field."""

    def __init__(self, name: str, errors: list[EntryError]):
        self.errors = errors
        super().__init__(f"{name}: {len(errors)} invalid line(s); nothing was stored")


def sniff(data: bytes, filename: str) -> int:
    """Sure for a .jsonl/.ndjson file; fairly sure for an object line that names its kind."""
    first = next((line for line in data[:65536].splitlines() if line.strip()), b"")
    if filename.lower().endswith(_EXTENSIONS):
        return 95 if first.lstrip().startswith(b"{") else 60
    try:
        head = orjson.loads(first)
    except orjson.JSONDecodeError:
        return 0
    if isinstance(head, dict) and model_of(head.get("kind")) and "id" in head:
        return 70
    return 0


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    """Not a document format: the lines are complete records (see ``parse_records``)."""
    raise ImportFailed(
        f"{filename}: a JSON Lines file holds complete records, not a document to complete; "
        "import it on its own with `kb import FILE.jsonl` (without --meta)"
    )


class _LineChecker(_FileChecker):
    """The semantic checks of `kb check`, reporting the line of the records file."""

    def __init__(self, path: str, line: int, tax: Taxonomy, juris: Jurisdictions):
        super().__init__(path, None, tax, juris)
        self.line = line

    def error(self, loc: tuple[str | int, ...], message: str) -> None:
        self.errors.append(EntryError(self.path, self.line, _field(loc), message))


def _kind(obj: dict[str, Any]) -> tuple[str | None, tuple[str, str] | None]:
    """(kind, None), or (None, (field, message)) when the line does not say what it is."""
    kind = obj.get("kind")
    if kind is not None:
        if model_of(kind):
            return kind, None
        return None, ("kind", unknown_kind(kind))
    record_id = obj.get("id")
    if record_id is None:
        return None, ("id", "required field is missing")
    text = record_id.strip().lower() if isinstance(record_id, str) else ""
    if text.startswith("/akn/"):
        return "instrument", None
    if text.startswith("/notes/"):
        return "case-note", None
    return None, ("id", f"neither an instrument id (/akn/...) nor a case-note id (/notes/...), "
                        f"and no kind: {quoted(record_id)}")


def _validation_message(err: dict[str, Any]) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field (see docs/jsonl.md for the format)"
    return _message(err)


def parse_line(
    raw: bytes, name: str, line: int, tax: Taxonomy, juris: Jurisdictions
) -> tuple[Record | None, list[EntryError]]:
    """One line -> (record or None, errors). A blank line is (None, [])."""

    def fail(field: str, message: str) -> tuple[None, list[EntryError]]:
        return None, [EntryError(name, line, field, message)]

    if not raw.strip():
        return None, []
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            return fail("", f"not UTF-8 text (byte {bad.start + 1} of the line)")
        return fail("", f"invalid JSON at column {exc.colno}: {exc.msg}")
    if not isinstance(obj, dict):
        return fail("", f"expected a JSON object, got {type(obj).__name__} (see docs/jsonl.md)")
    kind, problem = _kind(obj)
    if problem:
        return fail(*problem)
    errors = [
        EntryError(name, line, key, "set by the importer (file URL, sha256, time); leave it out")
        for key in _SET_BY_IMPORTER if key in obj
    ]
    if errors:
        return None, errors
    try:
        record = RECORD_MODELS[kind].model_validate({**obj, "kind": kind})
    except ValidationError as exc:
        return None, [
            EntryError(name, line, _field(err["loc"]), _validation_message(err))
            for err in exc.errors()
        ]
    checker = _LineChecker(name, line, tax, juris)
    checker.semantic(record)
    return (None if checker.errors else record), checker.errors


def parse_records(data: bytes, name: str) -> list[Record]:
    """Every line of a records file, validated; raises ``RecordsInvalid`` listing all bad lines.

    All lines are read even after an error, so one run reports every problem in the file.
    """
    tax, juris = taxonomy(), jurisdictions()
    records: list[Record] = []
    errors: list[EntryError] = []
    first_line: dict[str, int] = {}
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.split(b"\n"), start=1):
        record, line_errors = parse_line(raw, name, number, tax, juris)
        errors.extend(line_errors)
        if record is None:
            continue
        if record.id in first_line:
            errors.append(EntryError(name, number, "id", f"duplicate id {record.id!r} "
                                     f"(first on line {first_line[record.id]})"))
            continue
        first_line[record.id] = number
        records.append(record)
    if errors:
        raise RecordsInvalid(name, errors)
    return records
