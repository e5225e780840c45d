"""The knowledge base as one object: entries + record store -> index -> search.

The CLI, the HTTP API and notebooks all go through ``KnowledgeBase``, so they answer alike.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from kb.asof import AsOf, InForce, parse_as_of, provision_in
from kb.asof import note as as_of_note
from kb.backends import open_backend
from kb.backends.base import Backend, BuildReport
from kb.citations import CitationResolver, Resolution, cite_first
from kb.compare import (
    MAX_PER_CELL,
    Counterparts,
    Coverage,
    CuratedTopics,
    Diff,
    Grid,
    compare,
    counterparts,
    coverage,
    diff_texts,
)
from kb.config import Settings, get_settings
from kb.documents import IndexDoc, in_index_order, listing_date, record_date, record_docs
from kb.errors import InvalidQuery, RecordNotFound
from kb.ids import InvalidId, kind_of, normalise_eid, split_provision_id
from kb.ingest import current_text
from kb.links import LINKS_DIR, LinkList, LinkSet, link_rows, load_links
from kb.load import LoadResult, load_entries
from kb.models import CaseNote, Instrument, Record
from kb.parties import Bound, bound_agreements
from kb.parties import bound as _bound
from kb.parties import parties as _parties
from kb.search import MAX_LIMIT, PUBLIC_NAMES, SearchQuery, SearchResult, snippet
from kb.store import RecordStore
from kb.suggest import did_you_mean


def _portion_key(eid: str) -> str:
    """``art_26__cl_3``, ``dieu_26__khoan_3`` -> ``26__3``: the same portion, whatever its names.

    Every level is kept, so a clause never matches the article of its own number; only the
    names of numbered articles are interchangeable (a recital 33 is not an Article 33).
    """
    return "__".join(re.sub(r"^(?:art|sec|rule|reg)_", "", part)
                     for part in normalise_eid(eid).split("__"))


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def merge(curated: Instrument, imported: Instrument) -> Instrument:
    """A curated entry enriched with the official text of the same work, losing nothing.

    The curated metadata (titles, summaries, topics, dates, source) is kept. The provisions are
    the imported ones in document order, under the curated eId of the same portion (matched by
    eId, else by the numbers of every level). A matched provision keeps its curated heading,
    summary, topics (its own and those found in the text; never the instrument's), strength and
    exceptions, and gains the official text; curated provisions the import lacks are kept.
    """
    curated_by_eid = {normalise_eid(p.eid): p for p in curated.provisions}
    key_counts: dict[str, int] = {}
    for prov in curated.provisions:
        key_counts[_portion_key(prov.eid)] = key_counts.get(_portion_key(prov.eid), 0) + 1
    by_key = {_portion_key(p.eid): normalise_eid(p.eid) for p in curated.provisions
              if key_counts[_portion_key(p.eid)] == 1}
    provisions = []
    taken: set[str] = set()
    for prov in imported.provisions:
        eid = normalise_eid(prov.eid)
        if eid not in curated_by_eid:
            eid = by_key.get(_portion_key(eid), eid)
        kept = curated_by_eid.pop(eid, None)
        if kept is not None:
            prov = prov.model_copy(update={
                "eid": kept.eid,
                "heading": kept.heading or prov.heading,
                "summary": kept.summary or prov.summary,
                "topics": _unique([*kept.topics, *prov.topics]),
                "strength": kept.strength or prov.strength,
                "exceptions": kept.exceptions or prov.exceptions,
                "path": prov.path or kept.path,
            })
        elif prov.eid != eid:
            prov = prov.model_copy(update={"eid": eid})
        if prov.eid in taken:
            continue
        taken.add(prov.eid)
        provisions.append(prov)
    provisions.extend(p for p in curated_by_eid.values() if p.eid not in taken)
    return curated.model_copy(update={
        "provisions": provisions,
        "native_ids": {**imported.native_ids, **curated.native_ids},
        "provenance": imported.provenance,
        "version": imported.version,
    })


@dataclass
class IndexOutcome:
    report: BuildReport
    entries: LoadResult
    stored: int


# filters with no fixed list of values: a value must occur in the index
INDEXED_FILTERS = {"language": "languages", "agreement": "agreements"}


class KnowledgeBase:
    def __init__(self, settings: Settings | None = None, backend: Backend | None = None):
        self.settings = settings or get_settings()
        self._backend = backend
        self._entries: LoadResult | None = None
        # one reading of the entries at a time: a server's first requests all need them, and
        # forty threads each reading them would take forty times as long
        self._entries_lock = threading.Lock()
        self._links: LinkSet | None = None
        # (entries, store size) -> the case notes, for backlinks (``notes_about``)
        self._notes: tuple[LoadResult, int, list[CaseNote]] | None = None
        # index field -> the values it holds, read when a filter first asks (INDEXED_FILTERS)
        self._indexed_values: dict[str, set[str]] = {}

    @classmethod
    def open(
        cls, elasticsearch: str | None = None, home: str | Path | None = None
    ) -> KnowledgeBase:
        """Open the configured knowledge base (embedded by default)."""
        updates: dict[str, Any] = {}
        if elasticsearch:
            updates.update(backend="elasticsearch", elasticsearch_url=elasticsearch)
        if home:
            updates["home"] = Path(home)
        settings = get_settings().model_copy(update=updates) if updates else get_settings()
        return cls(settings)

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = open_backend(self.settings)
        return self._backend

    @property
    def backend_name(self) -> str:
        """``embedded`` or ``elasticsearch``."""
        return self.backend.name

    def health(self) -> dict[str, Any]:
        """``{"status": "ok" | "empty" | "unavailable", "detail": ...}`` of the backend."""
        return self.backend.health()

    @cached_property
    def store(self) -> RecordStore:
        return RecordStore(self.settings.store_path)

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
        if "store" in self.__dict__:
            self.store.close()

    # -- records -----------------------------------------------------------------------
    def load_entries(self, refresh: bool = False) -> LoadResult:
        """The curated entries, read once per knowledge base (``refresh`` to re-read)."""
        if not refresh and self._entries is not None:
            return self._entries
        with self._entries_lock:
            if refresh or self._entries is None:
                self._entries = load_entries([Path(__file__).parent / "entries",
                                              *self.settings.entries])
            return self._entries

    def records(self, entries: LoadResult | None = None) -> Iterator[Record]:
        """Every record to index: curated entries merged with stored texts, then the rest."""
        entries = entries or self.load_entries()
        curated = {r.id: r for r in entries.records}
        stored_ids: set[str] = set()
        if self.settings.store_path.exists():
            for record in self.store.iter_current():
                stored_ids.add(record.id)
                yield self._as_indexed(record, curated)
        for record in entries.records:
            if record.id not in stored_ids:
                yield record

    def _as_indexed(self, stored: Record, curated: dict[str, Record]) -> Record:
        """A stored record as indexed: its current text, merged into the curated entry of
        the same work if there is one."""
        if isinstance(stored, Instrument):
            stored = current_text(self.store, stored)
        base = curated.get(stored.id)
        if isinstance(base, Instrument) and isinstance(stored, Instrument):
            return merge(base, stored)
        return stored

    def records_in_index_order(self, entries: LoadResult | None = None) -> Iterator[Record]:
        """``records`` in index order (``kb.documents.index_order``), read one at a time: the
        order comes from the records' ids and dates alone (``RecordStore.current_dates``), so
        a build never holds every record of a large knowledge base at once."""
        entries = entries or self.load_entries()
        curated = {r.id: r for r in entries.records}
        keyed: list[tuple[str, str, str | Record]] = []  # (id, date, store key or record)
        stored_ids: set[str] = set()
        if self.settings.store_path.exists():
            for record_id, key, kind, dates in self.store.current_dates():
                stored_ids.add(record_id)
                base = curated.get(record_id)
                if isinstance(base, Instrument) and kind != "case-note":
                    dates = base.dates  # a merge keeps the curated dates
                keyed.append((record_id, listing_date(dates), key))
        keyed += [(r.id, record_date(r), r) for r in entries.records if r.id not in stored_ids]
        for _, _, source in in_index_order(keyed):
            if not isinstance(source, str):
                yield source
                continue
            stored = self.store.current(source)
            if stored is not None:
                yield self._as_indexed(stored, curated)

    def documents(self, entries: LoadResult | None = None) -> Iterator[IndexDoc]:
        return record_docs(self.records_in_index_order(entries), ordered=True)

    def index(self, progress: Callable[[int], None] | None = None) -> IndexOutcome:
        """Rebuild the search index from the entries and the record store."""
        entries = self.load_entries(refresh=True)
        stored = self.store.count() if self.settings.store_path.exists() else 0
        report = self.backend.rebuild(self.documents(entries), progress)
        self._indexed_values.clear()
        from kb.watch import note_curated  # the change feed: curated edits between builds

        note_curated(self.store, entries.records)
        return IndexOutcome(report, entries, stored)

    def ensure_index(self) -> IndexOutcome | None:
        if self.backend.exists():
            return None
        return self.index()

    # -- reading -----------------------------------------------------------------------
    def search(self, q: SearchQuery | str | None = None, **params: Any) -> SearchResult:
        """Search with the parameter names of the CLI and the API (``SearchQuery.from_params``),
        or run a ``SearchQuery``.

        A query that is a citation ("GDPR Art 44") has the cited record first (``resolve``).
        A word the index does not know brings ``did_you_mean``, a corrected query
        (``kb.suggest``).

        Example: ``kb.search("spectrum auction", jurisdiction="vn", kind="provision")``
        """
        party, on = params.pop("bound", None), params.pop("bound_on", None)
        if isinstance(q, SearchQuery):
            if params:
                raise TypeError("pass a SearchQuery or search parameters, not both")
            query = q
        else:
            query = SearchQuery.from_params(q, **_public_params(params))
        if party:
            narrowed = self.restrict_bound(query, party, on)
            if narrowed is None:
                return SearchResult(total=0, hits=[])
            query = narrowed
        if query.as_of is not None:
            asof = AsOf(self, query.as_of)
            result = cite_first(self.citations, query, self._search_as_of(query, asof))
            result.hits = self._in_force_hits(result.hits, asof, query)  # a cited record too
        else:
            result = cite_first(self.citations, query, self.search_many([query])[0])
        suggestion = did_you_mean(
            self.backend, query, result,
            is_citation=lambda text: self.citations.quietly(text) is not None,
        )
        if suggestion is not None:
            result.did_you_mean = suggestion
        return result

    @cached_property
    def citations(self) -> CitationResolver:
        return CitationResolver(self)

    def resolve(self, cite: str) -> Resolution:
        """The record a legal citation names ("GDPR Art 44", "Điều 26 Luật ANM 2018",
        "47 U.S.C. 230"), or ``CitationNotFound`` with the closest records (kb.citations).

        Example: ``kb.resolve("CPTPP 14.11").provision["id"]``
        """
        return self.citations.resolve(cite)

    def _search_as_of(self, query: SearchQuery, asof: AsOf) -> SearchResult:
        """A search kept to the works in force on ``query.as_of`` (``kb.asof.in_force_on``).

        The index ranks the current texts; the matches are read in ranked pages of
        ``MAX_LIMIT``, up to ``AS_OF_SCAN``, and those of works not in force on the date are
        left out, so ``total`` counts what is left (``total_exact`` False when matches were
        left unread). Facet counts are those of the matches before the date was applied
        (``facets_exact`` False when any was left out).
        """
        page = query.model_copy(update={"as_of": None, "offset": 0, "limit": MAX_LIMIT})
        kept, scanned, first, dropped = [], 0, None, False
        while True:
            result = self.search_many([page])[0]
            first = first or result
            scanned += len(result.hits)
            in_force = self._in_force_hits(result.hits, asof, query)
            dropped = dropped or len(in_force) < len(result.hits)
            kept.extend(in_force)
            done = len(result.hits) < page.limit or (result.total_exact
                                                     and scanned >= result.total)
            if done or scanned >= AS_OF_SCAN or not result.hits:
                break
            if query.search_after is not None and result.hits[-1].sort is not None:
                page = page.model_copy(update={"search_after": result.hits[-1].sort})
            else:
                page = page.model_copy(update={"offset": scanned})
        return SearchResult(
            total=len(kept), total_exact=done, facets=first.facets,
            hits=kept[query.offset:query.offset + query.limit],
            facets_exact=first.facets_exact and not dropped,
            query={**first.query, "as_of": query.as_of.isoformat() if query.as_of else None},
        )

    def _in_force_hits(self, hits: list, asof: AsOf, query: SearchQuery) -> list:
        """The hits whose work was in force on the date; those whose text then was an older
        stored version say which (``as_of_version``, ``as_of_date``, ``as_of_note``), a
        provision with its excerpt from that text, or is left out if that text lacks it.
        Case notes have no text in force and are kept."""
        out = []
        for hit in hits:
            if hit.kind == "case-note":
                out.append(hit)
                continue
            answer = asof.of(hit.instrument_id or hit.id, hit.date)
            if not answer.in_force:
                continue
            if answer.older and answer.text is not None:
                update: dict[str, Any] = {
                    "as_of_version": answer.version, "as_of_note": as_of_note(answer),
                    "as_of_date": answer.version_date.isoformat() if answer.version_date
                    else None}
                if hit.kind == "provision":
                    old = provision_in(answer.text.record, split_provision_id(hit.id)[1])
                    if old is None:
                        continue  # not in the text of that date
                    excerpt = snippet(old.text or old.summary or "", query.parsed())
                    update.update(excerpt=excerpt.text, highlights=excerpt.highlights,
                                  as_of_note=update["as_of_note"] + "; the excerpt is "
                                  "from the text of that date")
                hit = hit.model_copy(update=update)
            elif answer.reason:
                hit = hit.model_copy(update={"as_of_note": answer.reason})
            out.append(hit)
        return out

    def in_force(self, work_id: str, on: dt.date | str) -> InForce:
        """Whether a work was in force on a date and which of its texts was
        (``kb.asof.in_force_on``).

        Example: ``kb.in_force("/akn/sg/act/2012/26", "2015-01-01").version``
        """
        day = parse_as_of(on)
        if day is None:
            raise InvalidQuery("as_of: a date is needed (YYYY-MM-DD)")
        doc = self.backend.get(work_id.strip().lower())
        return AsOf(self, day).of(work_id.strip().lower(), doc.get("date") if doc else None)

    def search_many(self, queries: list[SearchQuery]) -> list[SearchResult]:
        """Several searches in one round trip (facet counts of a page, one per period)."""
        for query in queries:
            query.parsed()  # once, up front: a syntax error before any I/O; backends reuse it
            self.check_indexed_values(query)
        if len(queries) == 1:
            return [self.backend.search(queries[0])]
        return self.backend.search_many(queries)

    def show_query(self, query: SearchQuery) -> str:
        """The engine request a query becomes (``kb search --show-query``)."""
        return self.backend.show_query(query)

    def check_indexed_values(self, query: SearchQuery) -> None:
        """Languages and agreements have no fixed list: a value no record has is an error
        naming those there are, not an empty result."""
        for param, field_name in INDEXED_FILTERS.items():
            self._check_indexed(param, getattr(query, field_name))

    def _check_indexed(self, param: str, asked: list[str]) -> None:
        if not asked:
            return
        known = self._values_of(param)
        if any(v not in known for v in asked):  # maybe indexed since: read them again
            known = self._values_of(param, refresh=True)
        unknown = [v for v in asked if v not in known]
        if unknown:
            raise InvalidQuery(
                f"unknown {param}: {unknown[0]!r} (one of {', '.join(sorted(known))})"
            )

    def _values_of(self, index_field: str, refresh: bool = False) -> set[str]:
        if refresh or index_field not in self._indexed_values:
            every = SearchQuery(limit=1, facets=False)
            counts = self.backend.counts(index_field, "kind", every)
            self._indexed_values[index_field] = set(counts)
        return self._indexed_values[index_field]

    def get(self, record_id: str) -> IndexDoc:
        try:
            kind_of(record_id)
        except InvalidId as exc:
            raise RecordNotFound(f"no record {record_id!r}: {exc}") from exc
        doc = self.backend.get(record_id.strip().lower())
        if doc is None:
            raise RecordNotFound(f"no record with id {record_id!r}")
        return doc

    def get_many(self, record_ids: list[str]) -> list[IndexDoc]:
        """The records with these ids, in one round trip; unknown ids are left out."""
        return self.backend.get_many(record_ids)

    def instrument(self, instrument_id: str, with_provisions: bool = True,
                   as_of: dt.date | str | None = None) -> dict[str, Any]:
        """One instrument with its provisions, stored versions and provenance.

        ``as_of`` (YYYY-MM-DD): the text in force on that date (``kb.asof``), under ``as_of``
        (``in_force``, ``version``, ``version_date``, ``reason``); a work not in force then
        has no provisions and ``as_of.message`` says why.
        """
        day = parse_as_of(as_of)
        doc = self.get(instrument_id)
        if doc["kind"] != "instrument":
            raise RecordNotFound(f"{instrument_id!r} is a {doc['kind']}, not an instrument")
        out = dict(doc)
        answer = AsOf(self, day).of(doc["id"], doc.get("date")) if day else None
        if answer is not None and not answer.in_force:
            with_provisions = False
            out["provisions"] = []
        if with_provisions and answer is not None and answer.older and answer.text:
            out["provisions"] = self._provisions_of_text(answer.text.record)
        elif with_provisions:
            out["provisions"] = self.backend.provisions_of(doc["id"])
        if answer is not None:
            out["as_of"] = {**answer.to_dict(), "message": _as_of_message(answer)}
        record = self.stored_record(doc["id"])
        if record is not None:
            out["versions"] = [v.__dict__ for v in self.store.versions(doc["id"])]
            out["provenance"] = (
                record.provenance.model_dump(mode="json") if record.provenance else None
            )
        return out

    def _provisions_of_text(self, record: Instrument) -> list[dict[str, Any]]:
        """The provisions of a stored text as index documents (the shape ``provisions_of``
        gives), merged with the curated entry of the work as the index merges the current
        one."""
        from kb.documents import instrument_docs

        curated = self.entry(record.id)
        text = merge(curated, record) if isinstance(curated, Instrument) else record
        return [{k: v for k, v in d.items() if not k.startswith("a_")}
                for d in instrument_docs(text) if d["kind"] == "provision"]

    def stored_record(self, record_id: str) -> Record | None:
        if not self.settings.store_path.exists():
            return None
        return self.store.get(record_id)

    def entry(self, record_id: str) -> Record | None:
        """The curated entry with this id, if there is one."""
        return next((r for r in self.load_entries().records if r.id == record_id), None)

    def case_note(self, note_id: str) -> CaseNote:
        """The full case note (lessons, sources) from its entry."""
        for record in self.load_entries().case_notes:
            if record.id == note_id:
                return record
        raise RecordNotFound(f"no case note with id {note_id!r}")

    # -- case notes about a record (backlinks) ------------------------------------------
    def notes_about(self, record_id: str) -> list[dict[str, Any]]:
        """The case notes that concern an instrument or a provision, newest first: those naming
        it in ``related_instruments`` / ``related_provisions`` and, for an instrument, those
        naming one of its provisions. Each is ``{id, title, title_vi, jurisdictions, period,
        via}``, ``via`` listing the ids by which the note names it.

        Example: ``kb.notes_about("/akn/vn/act/2018/24-2018-qh14")[0]["title_vi"]``
        """
        rid = record_id.strip().lower()
        found: dict[str, dict[str, Any]] = {}
        for note in self._case_notes():
            via = [r for r in note.related_instruments if r == rid]
            via += [p for p in note.related_provisions
                    if p == rid or p.startswith(rid + "/~")]
            if not via:
                continue
            found[note.id] = {
                "id": note.id, "title": note.title, "title_vi": note.title_vi,
                "jurisdictions": note.jurisdictions,
                "period": note.period.model_dump() if note.period else None,
                "via": via,
            }
        return sorted(found.values(), key=lambda n: (-((n["period"] or {}).get("end")
                                                        or (n["period"] or {}).get("start")
                                                        or 0), n["id"]))

    def _case_notes(self) -> list[CaseNote]:
        """Every case note as indexed: a stored one replaces the curated entry of its id.

        Read once per set of entries and store size, so a page view costs one count."""
        entries = self.load_entries()
        stored_count = self.store.count() if self.settings.store_path.exists() else 0
        if self._notes is not None and self._notes[0] is entries \
                and self._notes[1] == stored_count:
            return self._notes[2]
        notes = {n.id: n for n in entries.case_notes}
        if stored_count:
            for note_id in self.store.ids():
                if note_id.startswith("/notes/"):
                    record = self.store.get(note_id)
                    if isinstance(record, CaseNote):
                        notes[note_id] = record
        self._notes = (entries, stored_count, list(notes.values()))
        return self._notes[2]

    def stats(self) -> dict[str, Any]:
        return self.backend.stats()

    # -- treaty parties (kb.parties) and links (kb.links) --------------------------------
    def bound(self, agreement: str, jurisdiction: str, on: dt.date | str | None = None) -> Bound:
        """``(bound, since, status)``: is ``jurisdiction`` bound by ``agreement`` on ``on``
        (default today), from the per-party dates of the treaty's entry.

        Example: ``kb.bound("cptpp", "vn")`` -> ``Bound(True, date(2019, 1, 14), "in-force")``
        """
        return _bound(self.load_entries(), agreement, jurisdiction, _date(on))

    def parties(self, agreement: str, on: dt.date | str | None = None) -> dict[str, Any]:
        """The agreement's parties with signature, ratification, entry into force, source and
        status on a date (``GET /v1/agreements/{code}/parties``)."""
        return _parties(self.load_entries(), agreement, _date(on))

    def restrict_bound(
        self, query: SearchQuery, party: str, on: dt.date | str | None = None
    ) -> SearchQuery | None:
        """The query kept to the agreements binding ``party`` on a date (the ``bound`` filter),
        within any agreements it already names; None when no indexed agreement qualifies."""
        codes = bound_agreements(self.load_entries(), party, _date(on))
        if query.agreements:
            codes = [c for c in codes if c in query.agreements]
        codes = [c for c in codes if c in self._values_of("agreement")]
        return query.model_copy(update={"agreements": codes}) if codes else None

    def link_set(self, refresh: bool = False) -> LinkSet:
        """The curated links (kb/links), read once per knowledge base."""
        if refresh or self._links is None:
            stored = self.store.ids() if self.settings.store_path.exists() else []
            self._links = load_links([LINKS_DIR], self.load_entries(), stored)
        return self._links

    def links(self, provision_id: str) -> LinkList:
        """Curated links of a provision in both directions, one flat dict each (DataFrame-able:
        ``kb.links(id).to_pandas()``). A provision that is neither indexed nor linked is a
        ``RecordNotFound``.

        Example: ``kb.links("/akn/int/agreement-chapter/2018/cptpp-ch14/~chp_14__art_14.13")``
        """
        pid = provision_id.strip().lower()
        rows = link_rows(self, pid, self.link_set())
        if not rows:
            doc = self.get(pid)
            if doc["kind"] != "provision":
                raise RecordNotFound(f"{doc['id']!r} is a {doc['kind']}, not a provision")
        return LinkList(rows)

    # -- comparisons (kb.compare) ------------------------------------------------------
    def compare(
        self, topics: list[str] | str, jurisdictions: list[str] | str | None = None,
        agreements: list[str] | str | None = None, per_cell: int = 3, text: str = "",
        party: str | None = "vn", as_of: dt.date | str | None = None,
    ) -> Grid:
        """Rows (jurisdictions, groups such as ``ipef``, agreements) x topics -> best provisions;
        for ``party`` (Viet Nam unless told otherwise, ``None`` for none), whether each agreement
        binds it and its measures linked to the provisions shown. ``as_of`` (YYYY-MM-DD) keeps
        the provisions of instruments in force on that date (``kb.asof``)."""
        day = parse_as_of(as_of)
        self._check_indexed("agreement", [a.lower() for a in _listed(agreements)])
        grid = compare(self.backend, _listed(jurisdictions), _listed(topics),
                       _listed(agreements), per_cell=MAX_PER_CELL if day else per_cell,
                       text=text, curated=self.curated_topics())
        if day:
            asof = AsOf(self, day)
            query = SearchQuery(text=text, as_of=day)
            for cell in grid.cells.values():
                cell.hits = self._in_force_hits(cell.hits, asof, query)[:per_cell]
                cell.level = cell.level if cell.hits else "none"
        if party:
            self._for_party(grid, party.strip().lower())
        return grid

    def _for_party(self, grid: Grid, party: str) -> None:
        """Whether each agreement row binds ``party`` and since when, and ``party``'s own
        measures linked to each treaty provision in the grid ("Viet Nam's measures under this
        commitment")."""
        grid.party = party
        for row in grid.rows:
            if row.kind != "agreement":
                continue
            try:
                answer = self.bound(row.code, party)
            except (InvalidQuery, RecordNotFound):
                continue
            grid.bound[row.key] = {"bound": answer.bound, "status": answer.status,
                                   "since": answer.since.isoformat() if answer.since else None}
        links = self.link_set()
        for cell in grid.cells.values():
            for hit in cell.hits:
                if hit.id in grid.measures or not links.of(hit.id):
                    continue
                rows = [r for r in link_rows(self, hit.id, links)
                        if r["direction"] == "to-domestic"
                        and r["domestic"].startswith(f"/akn/{party}/")]
                if rows:
                    grid.measures[hit.id] = [
                        {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in r.items()}
                        for r in rows
                    ]

    def curated_topics(self) -> CuratedTopics:
        """Provision id -> the topics an editor filed it under, for curated provisions with a
        summary: a grid cell puts these first (an editor read them; a tagger guessed)."""
        from kb.taxonomy import taxonomy

        tax = taxonomy()
        out: CuratedTopics = {}
        for record in self.load_entries().records:
            if not isinstance(record, Instrument):
                continue
            for prov in record.provisions:
                own = [t for t in prov.topics if t in tax]
                if prov.summary and own:
                    out[f"{record.id}/~{prov.eid}"] = frozenset(tax.with_ancestors(own))
        return out

    def coverage(
        self, jurisdictions: list[str] | str | None = None, by: str = "topic",
        kinds: list[str] | None = None, topics: list[str] | None = None,
        count: str = "instruments",
    ) -> Coverage:
        """Counts of instruments (``count="provisions"``: of provisions) per jurisdiction x
        topic (or sector): the map of legal documents."""
        return coverage(self.backend, _listed(jurisdictions), by=by, kinds=kinds,
                        topic_names=topics, count=count)

    def diff(self, left: str, right: str) -> Diff:
        """Word-level diff of two provisions or two texts.

        A provision is named by its id, or by ``{id}@v{N}`` for the text it had in version N
        of its instrument in the record store (two versions of the same provision).
        """
        texts = [(self.provision_text(v), v) if v.startswith("/akn/") else (v, None)
                 for v in (left, right)]
        return diff_texts(texts[0][0], texts[1][0], texts[0][1], texts[1][1])

    def provision_text(self, ref: str) -> str:
        match = re.fullmatch(r"(?P<id>/akn/.+)@v(?P<version>\d+)", ref.strip())
        if not match:
            return self.get(ref)["text"] or ""
        work_id, eid = split_provision_id(match["id"])
        record = self.store.get(work_id, version=int(match["version"])) if \
            self.settings.store_path.exists() else None
        if not isinstance(record, Instrument):
            raise RecordNotFound(f"no version {match['version']} of {work_id!r} in the store")
        for prov in record.provisions:
            if prov.eid == eid:
                return prov.text or prov.summary or ""
        raise RecordNotFound(f"{eid!r} is not in version {match['version']} of {work_id!r}")

    def counterparts(
        self, provision_or_text: str, limit: int = 20, per_group: int = 3,
        jurisdictions: list[str] | str | None = None,
    ) -> Counterparts:
        """Closest provisions in other jurisdictions and agreements, from an id or a pasted text."""
        if provision_or_text.startswith("/akn/") and "/~" in provision_or_text:
            doc = self.get(provision_or_text)
            return counterparts(self.backend, doc["text"] or doc["title"], source_id=doc["id"],
                                limit=limit, per_group=per_group,
                                jurisdiction_names=_listed(jurisdictions),
                                exclude_jurisdiction=None if doc["jurisdiction"] == "int"
                                else doc["jurisdiction"], topics=doc.get("topics") or [])
        return counterparts(self.backend, provision_or_text, limit=limit, per_group=per_group,
                            jurisdiction_names=_listed(jurisdictions))


# a search as of a date reads at most this many ranked matches (kb.asof)
AS_OF_SCAN = 1000


def _as_of_message(answer: InForce) -> str:
    """One sentence for a reader: which text was in force on the date, or why none was."""
    if not answer.in_force:
        return f"{answer.work_id} was not in force on {answer.on}: {answer.reason}"
    if answer.older:
        return (f"the text in force on {answer.on} is version {answer.version} "
                f"(of {answer.version_date or 'no date'}), not the current one")
    return answer.reason or f"the current text was in force on {answer.on}"


def _public_params(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` unchanged, or a TypeError naming the public name for a field name
    (``topics=`` -> ``topic=``), the one spelling users meet in the CLI and the API."""
    for name in params:
        if name in PUBLIC_NAMES and name != "text":
            raise TypeError(f"search() takes {PUBLIC_NAMES[name]}=, not {name}=")
    return params


def _date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidQuery(f"not a date: {value!r} (expected YYYY-MM-DD)") from None


def _listed(value: list[str] | str | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
