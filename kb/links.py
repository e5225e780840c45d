"""Links from a domestic provision to the treaty provision it touches, written by people.

A negotiator's question "which of our own measures does this commitment touch?" has no answer
in the texts themselves: it is a judgement, so it is curated. Links live in YAML files under
``kb/links/`` (one file per domestic jurisdiction, a list of records; docs/entries.md), are
validated by ``kb check`` with errors naming file, line and field, and are read in both
directions. Suggestions come from cross-language counterparts with a score; they are never
stored unless a person accepts one (``kb links accept``), which appends it to the file and
leaves everything already there (comments, formatting) as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kb.errors import InvalidQuery
from kb.ids import InvalidId, WorkId, split_provision_id
from kb.load import EntryError, LoadResult, _EntryLoader, _field, _line_of, _message
from kb.models import Instrument, check_url

if TYPE_CHECKING:
    from kb.core import KnowledgeBase

LINKS_DIR = Path(__file__).parent / "links"
Relation = Literal["implements", "conforms", "conflicts", "reserved-nonconforming", "relevant"]
RELATIONS: tuple[str, ...] = get_args(Relation)
TREATY_TYPES = ("treaty", "agreement-chapter")
HEADER = ("# Links from {country} provisions to treaty provisions (docs/entries.md, \"Links\").\n"
          "# Add with `kb links accept`; check with `kb check`.\n")


class InvalidLink(InvalidQuery):
    """A link that names an unknown provision, a wrong relation, or one already recorded."""


class Link(BaseModel):
    """One curated link: the two provisions, how they relate, why, and on what authority."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    domestic: str = Field(description="provision id of the domestic measure")
    treaty: str = Field(description="provision id of the treaty commitment")
    relation: Relation
    note: str = Field(min_length=10, description="English, our own words")
    note_vi: str | None = None
    source: str = Field(min_length=3, description="URL or citation the judgement rests on")

    @field_validator("domestic", "treaty")
    @classmethod
    def _provision(cls, value: str) -> str:
        work, eid = split_provision_id(value)
        return f"{work}/~{eid}"

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        return check_url(value) if value.startswith(("http://", "https://")) else value

    def dump(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


@dataclass(frozen=True)
class StoredLink:
    """A link and where it is written."""

    link: Link
    path: str
    line: int


@dataclass
class LinkSet:
    links: list[StoredLink] = field(default_factory=list)
    errors: list[EntryError] = field(default_factory=list)
    files: int = 0

    def of(self, provision_id: str) -> list[tuple[str, StoredLink]]:
        """(side, link) for every link on this provision or on a part of it (a clause of an
        article); side is the side this provision is on: ``domestic`` or ``treaty``."""
        pid = provision_id.strip().lower()
        out = []
        for stored in self.links:
            for side in ("domestic", "treaty"):
                other = getattr(stored.link, side)
                if other == pid or other.startswith(pid + "__"):
                    out.append((side, stored))
        return out

    def pairs(self) -> set[tuple[str, str]]:
        return {(s.link.domestic, s.link.treaty) for s in self.links}


def is_link_file(path: Path) -> bool:
    """Link files sit in a folder named ``links`` or are named ``*.links.yaml``."""
    return path.suffix in (".yaml", ".yml") and (
        path.parent.name == "links" or path.name.endswith((".links.yaml", ".links.yml")))


class _Known:
    """What a link may name: the curated works and provisions (plus any stored works)."""

    def __init__(self, entries: LoadResult, extra_works: Iterable[str] = ()):
        self.works: dict[str, Instrument | None] = {r.id: r for r in entries.instruments}
        for work in extra_works:
            self.works.setdefault(work, None)
        self.provisions = {r.provision_id(p) for r in entries.instruments for p in r.provisions}

    def problems(self, link: Link) -> list[tuple[str, str]]:
        """(field, message) for each thing wrong with a well-formed link."""
        out: list[tuple[str, str]] = []
        for side in ("domestic", "treaty"):
            pid = getattr(link, side)
            work = pid.split("/~")[0]
            if pid not in self.provisions and work not in self.works:
                out.append((side, f"unknown provision {pid!r}: its work {work!r} is not in the "
                                  "knowledge base"))
                continue
            treaty = self._is_treaty(work)
            if side == "domestic" and treaty:
                out.append((side, f"{pid!r} is treaty text: the domestic side must be a "
                                  "domestic measure"))
            if side == "treaty" and not treaty:
                out.append((side, f"{pid!r} is not treaty text (a treaty or agreement chapter)"))
        if out:
            return out
        country = WorkId.parse(link.domestic.split("/~")[0]).country
        inst = self.works.get(link.treaty.split("/~")[0])
        if link.relation != "relevant" and inst is not None and inst.parties \
                and country not in inst.parties:
            out.append(("relation", f"{country!r} is not a party to {inst.agreement or inst.id!r}"
                                    ": only 'relevant' fits"))
        return out

    def _is_treaty(self, work: str) -> bool:
        inst = self.works.get(work)
        if inst is not None:
            return inst.doc_type in TREATY_TYPES
        return WorkId.parse(work).country == "int"


def link_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")))
        elif path.exists():
            files.append(path)
    return files


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_file(path: Path, known: _Known, shown: str | None = None) -> LinkSet:
    """Parse and check one link file; every problem is reported, none stops the rest."""
    shown = shown or _display(path)
    result = LinkSet(files=1)
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=_EntryLoader)
        data = yaml.load(text, Loader=_EntryLoader)  # noqa: S506 - SafeLoader subclass
    except (OSError, UnicodeDecodeError) as exc:
        result.errors.append(EntryError(shown, 1, "", f"cannot read file: {exc}"))
        return result
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        result.errors.append(EntryError(shown, mark.line + 1 if mark else 1, "",
                                        f"invalid YAML: {getattr(exc, 'problem', exc)}"))
        return result
    if data is None:
        return result
    if not isinstance(data, list):
        result.errors.append(EntryError(shown, 1, "", "a link file is a YAML list of links "
                                                      "(see docs/entries.md)"))
        return result

    def error(loc: tuple[str | int, ...], message: str) -> None:
        result.errors.append(EntryError(shown, _line_of(root, loc), _field(loc), message))

    for i, item in enumerate(data):
        if not isinstance(item, dict):
            error((i,), "a link must be a mapping (domestic, treaty, relation, note, source)")
            continue
        try:
            link = Link.model_validate(item)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err["loc"])
                message = _message(err)
                if err["type"] == "value_error" and isinstance(err.get("ctx", {}).get("error"),
                                                               InvalidId):
                    message = str(err["ctx"]["error"])
                error((i, *loc), message)
            continue
        problems = known.problems(link)
        for name, message in problems:
            error((i, name), message)
        if not problems:
            result.links.append(StoredLink(link, shown, _line_of(root, (i,))))
    return result


def load_links(
    paths: Iterable[Path] | None = None, entries: LoadResult | None = None,
    extra_works: Iterable[str] = (),
) -> LinkSet:
    """Every link below the given files or folders (default: ``kb/links``), checked against
    the curated entries (default: the bundled ones) and any ``extra_works`` (stored texts)."""
    from kb.load import load_entries

    known = _Known(entries if entries is not None else load_entries(), extra_works)
    result = LinkSet()
    seen: dict[tuple[str, str], StoredLink] = {}
    for path in link_files(list(paths) if paths else [LINKS_DIR]):
        part = load_file(path, known)
        result.files += part.files
        result.errors.extend(part.errors)
        for stored in part.links:
            key = (stored.link.domestic, stored.link.treaty)
            if key in seen:
                first = seen[key]
                result.errors.append(EntryError(
                    stored.path, stored.line, "treaty",
                    f"this pair is already linked at {first.path}:{first.line}"))
                continue
            seen[key] = stored
            result.links.append(stored)
    return result


# -- reading ----------------------------------------------------------------------------------
def link_rows(kb: KnowledgeBase, provision_id: str, links: LinkSet) -> list[dict[str, Any]]:
    """The links of a provision, both directions, as flat rows (a DataFrame's, a page's):
    the other side's id, citation and heading where it is indexed, and whether the domestic
    jurisdiction is bound by the treaty today."""
    found = links.of(provision_id)
    others = [getattr(s.link, "treaty" if side == "domestic" else "domestic") for side, s in found]
    docs = {d["id"]: d for d in kb.get_many(sorted(set(others)))} if others else {}
    rows = []
    for (side, stored), other in zip(found, others, strict=True):
        link = stored.link
        doc = docs.get(other) or {}
        treaty_work = link.treaty.split("/~")[0]
        inst = kb.entry(treaty_work)
        agreement = inst.agreement if isinstance(inst, Instrument) else doc.get("agreement")
        country = WorkId.parse(link.domestic.split("/~")[0]).country
        bound, since = None, None
        if agreement:
            try:
                answer = kb.bound(agreement, country)
                bound, since = answer.bound, answer.since
            except InvalidQuery:
                pass
        rows.append({
            "direction": "to-treaty" if side == "domestic" else "to-domestic",
            "provision": provision_id, "other": other,
            "other_title": _citation(doc) if doc else other,
            "other_heading": doc.get("heading"), "other_jurisdiction": doc.get("jurisdiction"),
            "other_indexed": bool(doc),
            "domestic": link.domestic, "treaty": link.treaty, "relation": link.relation,
            "agreement": agreement, "bound": bound, "bound_since": since,
            "note": link.note, "note_vi": link.note_vi, "source": link.source,
            "file": stored.path, "line": stored.line,
        })
    return rows


def _citation(doc: dict[str, Any]) -> str:
    if doc.get("kind") == "provision" and doc.get("number"):
        return f"{doc.get('instrument_title')}, {doc['number']}"
    return doc.get("title") or doc.get("id", "")


class LinkList(list):
    """Rows of ``KB.links(id)``: a plain list of dicts, with ``to_pandas()``."""

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame(list(self))


# -- suggestions ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Suggestion:
    domestic: str
    treaty: str
    score: float  # relative to the best suggestion (1.0)
    raw_score: float
    citation: str
    agreement: str | None
    already_linked: bool


def suggest(
    kb: KnowledgeBase, provision_id: str, agreements: list[str] | None = None,
    jurisdiction: str | None = None, limit: int = 10,
) -> list[Suggestion]:
    """Candidate links for a provision from its cross-language counterparts: treaty
    provisions for a domestic one (optionally of given agreements), domestic provisions for a
    treaty one (optionally of one jurisdiction). Nothing is stored."""
    from kb.compare import citation

    doc = kb.get(provision_id)
    if doc["kind"] != "provision":
        raise InvalidQuery(f"{doc['id']!r} is a {doc['kind']}, not a provision")
    treaty_side = doc["jurisdiction"] != "int"  # a domestic source looks for treaty text
    scope = ["int"] if treaty_side else ([jurisdiction] if jurisdiction else [])
    found = kb.counterparts(doc["id"], limit=100, per_group=100, jurisdictions=scope)
    hits = [h for hits in found.groups.values() for h in hits
            if (h.jurisdiction == "int") == treaty_side]
    wanted = {a.lower() for a in agreements or []}
    instruments = {d["id"]: d for d in kb.get_many(sorted({h.instrument_id for h in hits
                                                           if h.instrument_id}))}
    linked = kb.link_set().pairs()
    out: list[Suggestion] = []
    for hit in sorted(hits, key=lambda h: -h.score):
        agreement = (instruments.get(hit.instrument_id or "") or {}).get("agreement")
        if treaty_side and wanted and agreement not in wanted:
            continue
        domestic, treaty = (doc["id"], hit.id) if treaty_side else (hit.id, doc["id"])
        if not treaty_side:
            agreement = doc.get("agreement")
        out.append(Suggestion(domestic, treaty, 0.0, hit.score, citation(hit), agreement,
                              (domestic, treaty) in linked))
        if len(out) >= limit:
            break
    top = max((s.raw_score for s in out), default=0.0) or 1.0
    return [Suggestion(s.domestic, s.treaty, round(s.raw_score / top, 3), s.raw_score,
                       s.citation, s.agreement, s.already_linked) for s in out]


# -- accepting --------------------------------------------------------------------------------
def default_file(link: Link, folder: Path = LINKS_DIR) -> Path:
    return folder / f"{WorkId.parse(link.domestic.split('/~')[0]).country}.yaml"


def render(link: Link) -> str:
    """The YAML block one link is appended as (block style, wrapped, Unicode kept)."""
    return yaml.safe_dump([link.dump()], allow_unicode=True, sort_keys=False, width=92,
                          default_flow_style=False)


def accept(
    link: Link, path: Path, entries: LoadResult, existing: LinkSet,
    extra_works: Iterable[str] = (),
) -> StoredLink:
    """Append a checked link to ``path``, leaving the bytes already there untouched; the file
    is read back and restored if the result does not load with the new link last."""
    known = _Known(entries, extra_works)
    problems = known.problems(link)
    if problems:
        raise InvalidLink("; ".join(f"{name}: {message}" for name, message in problems))
    pair = (link.domestic, link.treaty)
    for stored in existing.links:
        if (stored.link.domestic, stored.link.treaty) == pair:
            raise InvalidLink(f"already linked at {stored.path}:{stored.line} "
                              f"({stored.link.relation})")
    before = path.read_bytes() if path.exists() else None
    text = before.decode("utf-8") if before is not None else HEADER.format(
        country=WorkId.parse(link.domestic.split("/~")[0]).country.upper())
    if text and not text.endswith("\n"):
        text += "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + ("\n" if text.strip() else "") + render(link), encoding="utf-8")
    check = load_file(path, known)
    if check.errors or not check.links or check.links[-1].link != link:
        if before is None:
            path.unlink()
        else:
            path.write_bytes(before)
        reasons = "; ".join(str(e) for e in check.errors) or "the link did not read back"
        raise InvalidLink(f"not written: {reasons}")
    return check.links[-1]
