"""Curated YAML entries -> records, with errors that name file, line and field.

Every file is read and checked even when others are broken: the valid entries load, each
problem is reported once as ``path:line: field: message``, and nothing stops at the first error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kb.ids import InvalidId, WorkId, split_provision_id
from kb.models import DATE_FIELDS, CaseNote, Instrument, PartyDates, Record
from kb.taxonomy import Jurisdictions, Taxonomy, jurisdictions, taxonomy

ENTRIES_DIR = Path(__file__).parent / "entries"


@dataclass(frozen=True)
class EntryError:
    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.path}:{self.line}: {where}{self.message}"


@dataclass
class LoadResult:
    records: list[Record] = field(default_factory=list)
    errors: list[EntryError] = field(default_factory=list)
    files: int = 0
    warnings: list[EntryError] = field(default_factory=list)  # loaded, but should be updated
    # loaded, but not yet citable (short or untranslated summaries, no verification, unknown
    # related provisions): warnings for ``kb check``, errors for ``kb check --strict``
    incomplete: list[EntryError] = field(default_factory=list)

    @property
    def strict_violations(self) -> list[EntryError]:
        """Everything ``kb check --strict`` rejects: the warnings and the incomplete entries."""
        return [*self.warnings, *self.incomplete]

    @property
    def instruments(self) -> list[Instrument]:
        return [r for r in self.records if isinstance(r, Instrument)]

    @property
    def case_notes(self) -> list[CaseNote]:
        return [r for r in self.records if isinstance(r, CaseNote)]


# libyaml's parser when PyYAML has it (about ten times faster: a server reads every entry
# before its first answer), else the pure-Python one; the same safe constructor either way
_SafeBase: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _EntryLoader(_SafeBase):  # type: ignore[misc, valid-type]
    """SafeLoader that keeps dates as strings, so a bad date is a field error, not a crash."""


_EntryLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


MAX_ENTRY_BYTES = 1024 * 1024  # the largest bundled entry is about 10 KB
MAX_DEPTH = 64  # an entry nests a handful of levels
MAX_ALIASES = 100  # entries use none; many would let a small file expand into a huge one


def yaml_guard(text: str) -> tuple[int, str] | None:
    """(line, message) when a YAML text is too big, too deep or too aliased to parse safely.

    PyYAML composes nodes recursively: thousands of nested levels end in RecursionError with a
    traceback, and aliases can expand a small file into a huge object. The event stream is
    produced without recursion, so it is walked first and abandoned at the first excess.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_ENTRY_BYTES:
        return 1, f"the file is {size:,} bytes; an entry may be at most {MAX_ENTRY_BYTES:,}"
    depth = aliases = 0
    for event in yaml.parse(text, Loader=_EntryLoader):
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else 1
                return line, f"nested more than {MAX_DEPTH} levels deep"
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                line = event.start_mark.line + 1 if event.start_mark else 1
                return line, f"more than {MAX_ALIASES} aliases (*name)"
    return None


def _line_of(node: yaml.Node | None, loc: Iterable[str | int]) -> int:
    """The 1-based line of the YAML node at a pydantic error location (deepest one found)."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    node, line = value, value.start_mark.line + 1
                    if isinstance(value, yaml.MappingNode | yaml.SequenceNode):
                        line = key.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _message(err: dict) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (see docs/entries.md for the format)"
    if kind.startswith(("date_", "datetime_")):
        return f"not a date: {value!r} (expected YYYY-MM-DD)"
    if kind == "literal_error":
        return f"{value!r} is not one of {err['ctx']['expected']}"
    if kind in ("string_too_short", "too_short"):
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return f"not a valid value: {value!r}"
    if kind == "value_error":
        return str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
    if kind in ("int_parsing", "int_type"):
        return f"not a whole number: {value!r}"
    if kind in ("list_type",):
        return f"expected a list, got {value!r}"
    if kind in ("dict_type", "model_type"):
        return f"expected a mapping, got {value!r}"
    if kind == "string_type":
        return f"expected text, got {value!r}"
    return err["msg"]


RECORD_MODELS: dict[str, type[Instrument] | type[CaseNote]] = {
    "instrument": Instrument, "case-note": CaseNote,
}


def model_of(kind: Any) -> type[Instrument] | type[CaseNote] | None:
    """The record model a ``kind`` names (an entry's or a JSONL line's), or None for anything
    else, a list or a mapping included."""
    return RECORD_MODELS.get(kind) if isinstance(kind, str) else None


def unknown_kind(kind: Any) -> str:
    return f"unknown kind: {quoted(kind)} (expected instrument or case-note)"


def invalid_fields(exc: ValidationError, limit: int = 3) -> str:
    """What a ``ValidationError`` says, on one line: each bad field of the model with what is
    wrong with it (``Provision.number: a label ... has at most 200 characters``)."""
    errors = exc.errors()
    parts = [f"{exc.title}.{_field(err['loc'])}: {_message(err)}" if err["loc"]
             else f"{exc.title}: {_message(err)}" for err in errors[:limit]]
    more = f" (and {len(errors) - limit} more)" if len(errors) > limit else ""
    return "; ".join(parts) + more


def quoted(value: Any, limit: int = 80) -> str:
    """A value as an error message quotes it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _FileChecker:
    def __init__(self, path: str, text: str, tax: Taxonomy, juris: Jurisdictions):
        self.path, self.text, self.tax, self.juris = path, text, tax, juris
        self.errors: list[EntryError] = []

    @cached_property
    def root(self) -> yaml.Node | None:
        """The entry's node tree, where lines are found: composed only when a message
        needs a line (a clean entry never does)."""
        return yaml.compose(self.text, Loader=_EntryLoader)

    def error(self, loc: tuple[str | int, ...], message: str) -> None:
        self.errors.append(EntryError(self.path, _line_of(self.root, loc), _field(loc), message))

    def check_codes(self, loc: tuple, codes: list[str]) -> None:
        for i, code in enumerate(codes):
            if code not in self.juris:
                self.error((*loc, i), f"unknown jurisdiction: {code!r}")

    def check_tags(self, loc_prefix: tuple, sectors: list[str], topics: list[str]) -> None:
        for i, sector in enumerate(sectors):
            if sector not in self.tax or "/" in sector:
                self.error((*loc_prefix, "sectors", i), f"unknown sector: {sector!r}")
        for i, topic in enumerate(topics):
            if topic not in self.tax or "/" not in topic:
                self.error((*loc_prefix, "topics", i), f"unknown topic: {topic!r}")

    def check_date_range(self, loc: tuple, value: dt.date | None) -> None:
        if value and not (dt.date(1800, 1, 1) <= value <= dt.date.today() + dt.timedelta(3650)):
            self.error(loc, f"date out of range: {value.isoformat()}")

    def semantic(self, record: Record) -> None:
        if isinstance(record, Instrument):
            if record.jurisdiction not in self.juris:
                self.error(("jurisdiction",), f"unknown jurisdiction: {record.jurisdiction!r}")
            self.check_codes(("parties",), record.parties)
            country = WorkId.parse(record.id).country
            if country != record.jurisdiction:
                self.error(
                    ("id",),
                    f"id country {country!r} does not match jurisdiction {record.jurisdiction!r}",
                )
            self.check_tags((), record.sectors, record.topics)
            for name in ("adopted", "signed", "in_force", "last_amended"):
                self.check_date_range(("dates", name), getattr(record.dates, name))
            for i, prov in enumerate(record.provisions):
                self.check_tags(("provisions", i), [], prov.topics)
            self.check_party_dates(record)
        else:
            self.check_codes(("jurisdictions",), record.jurisdictions)
            country = record.id.split("/")[2]
            if country not in record.jurisdictions:
                self.error(("id",), f"id country {country!r} is not among the jurisdictions")
            self.check_tags((), record.sectors, record.topics)
            period = record.period
            if period and period.start and period.end and period.start > period.end:
                self.error(("period",), "period starts after it ends")


    def check_party_dates(self, record: Instrument) -> None:
        """Per-party dates: known codes listed in ``parties``, once each, in the order a
        treaty is joined (signature, ratification, entry into force, withdrawal), never in
        force for a party before the treaty itself, each with a depositary source."""
        if record.party_dates and record.doc_type not in ("treaty", "agreement-chapter"):
            self.error(("party_dates",), "party dates belong to treaties only")
        seen: set[str] = set()
        for i, item in enumerate(record.party_dates):
            loc: tuple[str | int, ...] = ("party_dates", i)
            if item.party not in self.juris:
                self.error((*loc, "party"), f"unknown jurisdiction: {item.party!r}")
            elif item.party not in record.parties:
                self.error((*loc, "party"), f"{item.party!r} is not listed in parties")
            if item.party in seen:
                self.error((*loc, "party"), f"{item.party!r} is listed twice")
            seen.add(item.party)
            for name in DATE_FIELDS:
                self.check_date_range((*loc, name), getattr(item, name))
            self.check_order(loc, item)
            treaty_in_force = record.dates.in_force
            if item.in_force and treaty_in_force and item.in_force < treaty_in_force:
                self.error((*loc, "in_force"),
                           f"{item.in_force.isoformat()} is before the treaty entered into "
                           f"force ({treaty_in_force.isoformat()})")
            for j, name in enumerate(item.uncertain):
                if getattr(item, name) is None:
                    self.error((*loc, "uncertain", j), f"{name!r} has no date to be unsure of")
            if item.ratification_kind and not item.ratified:
                self.error((*loc, "ratification_kind"), "ratification_kind without a date")
            if not (item.source or record.parties_source):
                self.error((*loc, "source"),
                           "required field is missing (or give parties_source)")

    def check_order(self, loc: tuple[str | int, ...], item: PartyDates) -> None:
        dated = [(name, getattr(item, name)) for name in DATE_FIELDS if getattr(item, name)]
        for (first, a), (then, b) in zip(dated, dated[1:], strict=False):
            if b < a:
                self.error((*loc, then), f"{then} ({b.isoformat()}) is before {first} "
                           f"({a.isoformat()})")


def _retire_amended(data: dict, checker: _FileChecker) -> EntryError | None:
    """``status: amended`` is retired: the act is ``in-force`` and ``dates.last_amended`` says
    when it last changed. An old file still loads, with a warning naming file, line and field.
    """
    if data.get("kind") != "instrument" or data.get("status") != "amended":
        return None
    data["status"] = "in-force"
    return EntryError(checker.path, _line_of(checker.root, ("status",)), "status",
                      "'amended' is deprecated: write 'in-force' and give dates.last_amended")


# A portal's front page, not the document: every segment of the URL's path is a language, an
# index page or a portal folder ("/", "/en/", "/eng/index.do", "/Pages/portal.aspx"). One list
# of rules for instruments' source_url and case notes' sources.
_LANDING_SEGMENTS = {"en", "english", "eng", "vi", "vn", "th", "id", "ko", "kor", "ja", "jp",
                     "zh", "ms", "fr", "home", "portal", "pages", "web", "main", "homepage"}
_LANDING_PAGE = re.compile(r"(index|default|home|main|portal|trang-chu)\.[a-z]{2,5}")


def is_home_page(url: str | None) -> bool:
    """Whether a URL is a portal's front page rather than the page of one document."""
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or parts.query:
        return False
    segments = [s.lower() for s in parts.path.split("/") if s]
    return all(s in _LANDING_SEGMENTS or _LANDING_PAGE.fullmatch(s) for s in segments)


def _home_pages(record: Record, checker: _FileChecker) -> list[EntryError]:
    """Warnings for source URLs that are a portal's home page rather than the document's own."""
    if isinstance(record, Instrument):
        urls = [(("source_url",), record.source_url), (("parties_source",), record.parties_source)]
    else:
        urls = [(("sources", i, "url"), s.url) for i, s in enumerate(record.sources)]
    return [EntryError(checker.path, _line_of(checker.root, loc), _field(loc),
                       f"{url} is a portal's home page: give the document's own page")
            for loc, url in urls if is_home_page(url)]


MIN_SUMMARY_WORDS = 40  # enough to say what the act does, to whom, and since when


def _incomplete(record: Record, checker: _FileChecker) -> list[EntryError]:
    """What keeps a valid entry from being cited as it is: a summary too short to say what the
    act or case is, no Vietnamese title or summary for the ministry's readers, and no record
    of who checked it against what."""
    out: list[EntryError] = []

    def add(loc: tuple[str | int, ...], message: str, at: tuple[str | int, ...] = ()) -> None:
        line = _line_of(checker.root, at or loc)
        out.append(EntryError(checker.path, line, _field(loc), message))

    for name in ("summary", "summary_vi"):
        text = getattr(record, name)
        if text is None:
            continue
        words = len(text.split())
        if words < MIN_SUMMARY_WORDS:
            add((name,), f"{words} words; a summary needs at least {MIN_SUMMARY_WORDS}")
    if isinstance(record, Instrument) and not record.summary:
        add(("summary",), "required field is missing", ("title",))
    if not record.title_vi:
        add(("title_vi",), "required field is missing", ("title",))
    if not record.summary_vi:
        add(("summary_vi",), "required field is missing", ("summary",))
    if record.verified is None:
        add(("verified",), "required field is missing (date: and source: of the last check)",
            ("id",))
    return out


def load_file(
    path: Path,
    tax: Taxonomy | None = None,
    juris: Jurisdictions | None = None,
    display: str | None = None,
    warnings: list[EntryError] | None = None,
    incomplete: list[EntryError] | None = None,
) -> tuple[Record | None, list[EntryError]]:
    """Parse and validate one entry file: (record or None, errors); deprecations and home pages
    are appended to ``warnings``, what is missing for a citable entry to ``incomplete``."""
    tax, juris = tax or taxonomy(), juris or jurisdictions()
    shown = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_ENTRY_BYTES:  # refused unread: memory stays bounded
            return None, [EntryError(shown, 1, "", f"the file is {size:,} bytes; an entry may "
                                     f"be at most {MAX_ENTRY_BYTES:,}")]
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [EntryError(shown, 1, "", f"cannot read file: {exc}")]
    try:
        refused = yaml_guard(text)
        if refused is not None:
            return None, [EntryError(shown, refused[0], "", f"invalid YAML: {refused[1]}")]
        data = yaml.load(text, Loader=_EntryLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [EntryError(shown, line, "", f"invalid YAML: {problem}")]
    checker = _FileChecker(shown, text, tax, juris)
    if not isinstance(data, dict):
        checker.error((), "an entry must be a YAML mapping (see docs/entries.md)")
        return None, checker.errors
    deprecated = _retire_amended(data, checker)
    if deprecated is not None and warnings is not None:
        warnings.append(deprecated)
    model = model_of(data.get("kind"))
    if model is None:
        checker.error(("kind",), unknown_kind(data.get("kind")))
        return None, checker.errors
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            checker.error(tuple(err["loc"]), _message(err))
        return None, checker.errors
    except InvalidId as exc:  # pragma: no cover - validators wrap it as ValidationError
        checker.error(("id",), str(exc))
        return None, checker.errors
    checker.semantic(record)
    if warnings is not None and not checker.errors:
        warnings.extend(_home_pages(record, checker))
    if incomplete is not None and not checker.errors:
        incomplete.extend(_incomplete(record, checker))
    return (None if checker.errors else record), checker.errors


def _one_party_list_per_agreement(result: LoadResult, first_seen: dict[str, str]) -> None:
    """An agreement's party dates live in one entry (the treaty's), so two can never
    disagree about when a party was bound."""
    holder: dict[str, str] = {}
    for record in result.instruments:
        if not (record.party_dates and record.agreement):
            continue
        shown = first_seen[record.id]
        if record.agreement in holder:
            root = yaml.compose(Path(shown).read_text("utf-8"), Loader=_EntryLoader)
            result.errors.append(EntryError(
                shown, _line_of(root, ("party_dates",)), "party_dates",
                f"party dates of {record.agreement!r} are already given in "
                f"{holder[record.agreement]}"))
        else:
            holder[record.agreement] = shown


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def entry_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")))
        else:
            files.append(path)
    return files


def load_entries(
    paths: Iterable[Path] | None = None,
    stored_eids: Callable[[str], Collection[str]] | None = None,
) -> LoadResult:
    """Load every entry below the given files/folders (default: the bundled entries).

    ``stored_eids`` gives the provision eIds the record store holds for a work id, so a case
    note may name a provision that only an imported official text contains.
    """
    tax, juris = taxonomy(), jurisdictions()
    result = LoadResult()
    first_seen: dict[str, str] = {}
    files = entry_files(list(paths) if paths else [ENTRIES_DIR])
    for path in files:
        result.files += 1
        shown = _display(path)
        record, errors = load_file(path, tax, juris, display=shown, warnings=result.warnings,
                                   incomplete=result.incomplete)
        result.errors.extend(errors)
        if record is None:
            continue
        if record.id in first_seen:
            result.errors.append(
                EntryError(
                    shown,
                    _line_of(yaml.compose(path.read_text("utf-8"), Loader=_EntryLoader), ("id",)),
                    "id",
                    f"duplicate id {record.id!r} (first defined in {first_seen[record.id]})",
                )
            )
            continue
        first_seen[record.id] = shown
        result.records.append(record)
    _one_party_list_per_agreement(result, first_seen)
    _check_related(result, first_seen, stored_eids)
    return result


def _check_related(result: LoadResult, first_seen: dict[str, str],
                   stored_eids: Callable[[str], Collection[str]] | None) -> None:
    """A case note's related instruments must be in the base (an error: the link would be
    dead); its related provisions too, and it must name at least one of either (not yet
    citable: ``kb check --strict``)."""
    curated = {r.id: {p.eid for p in r.provisions} for r in result.instruments}
    stored: dict[str, Collection[str]] = {}

    def eids_of(work_id: str) -> Collection[str]:
        if work_id not in stored:
            stored[work_id] = stored_eids(work_id) if stored_eids else ()
        return stored[work_id]

    roots: dict[str, yaml.Node | None] = {}

    def line(shown: str, loc: tuple[str | int, ...]) -> int:
        if shown not in roots:
            roots[shown] = yaml.compose(Path(shown).read_text("utf-8"), Loader=_EntryLoader)
        return _line_of(roots[shown], loc)

    for record in result.case_notes:
        shown = first_seen[record.id]
        for i, rel in enumerate(record.related_instruments):
            if rel not in first_seen:
                result.errors.append(EntryError(
                    shown, line(shown, ("related_instruments", i)), f"related_instruments[{i}]",
                    f"unknown instrument id: {rel!r}"))
        for i, rel in enumerate(record.related_provisions):
            try:
                work_id, eid = split_provision_id(rel)
            except InvalidId:  # pragma: no cover - the model has validated it
                continue
            if eid in curated.get(work_id, ()) or eid in eids_of(work_id):
                continue
            why = (f"{work_id!r} has no provision {eid!r}"
                   if work_id in first_seen or eids_of(work_id) else f"no instrument {work_id!r}")
            result.incomplete.append(EntryError(
                shown, line(shown, ("related_provisions", i)), f"related_provisions[{i}]",
                f"unknown provision id: {rel!r} ({why})"))
        if not (record.related_instruments or record.related_provisions):
            result.incomplete.append(EntryError(
                shown, line(shown, ("id",)), "related_instruments",
                "a case note must name the instruments or provisions it concerns "
                "(related_instruments or related_provisions)"))
