"""The embedded default backend: a tantivy index under ``KB_HOME``, no server needed.

tantivy is a search library in the Lucene family (BM25, block-max WAND for the exact top hits
of best-match queries, aggregations). Text reaches it already analysed by ``kb.text`` (folded,
stemmed, CJK bigrams) and is split on white space only, so it indexes the very terms the
Elasticsearch backend indexes, and both rank with the same BM25 over the same fields
(``kb.search.TextPlan``).

Each build writes a new generation folder and then points ``CURRENT`` at it with an atomic
rename, so a failed or interrupted build leaves the previous generation in service; readers
notice the new pointer on their next request. The whole index document (without its analysed
fields) is stored beside the terms, so a search needs nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import orjson
import tantivy

from kb import similar
from kb.backends.base import Backend, BuildReport, Progress, frozen_heap
from kb.documents import FACET_FIELDS, KEYWORD_FIELDS, IndexDoc
from kb.errors import BackendUnavailable, IndexBuildError, InvalidQuery
from kb.search import (
    ALL_WORDS_BONUS,
    DEMOTED_KINDS,
    FACET_EXACT_LIMIT,
    FIELD_SENTINEL,
    FIELD_WEIGHTS,
    MAX_LIMIT,
    MAX_OFFSET,
    OPERATIVE_BONUS,
    PAIR_WEIGHT,
    PROXIMITY_BONUS,
    PROXIMITY_SLOP,
    TAG_FIELD,
    TAG_WEIGHT,
    TOTAL_EXACT_LIMIT,
    Hit,
    ParsedQuery,
    PlanClause,
    SearchQuery,
    SearchResult,
    TextPlan,
    make_hit,
)
from kb.suggest import close_terms, effective_prefix, one_edit_variants
from kb.text import indexed_terms, pair_term

LAYOUT = "tantivy-7"  # the schema below; an index of another layout is rebuilt rather than read
TEXT_FIELDS = (*FIELD_WEIGHTS, TAG_FIELD)
FACET_SIZE = 60
FACET_SETS = "facet-sets.json"  # in a generation's folder: what its facet columns number
FACET_SET_FIELDS = frozenset(FACET_FIELDS)
POINTER = "CURRENT"
# The writer's memory budget: a segment is written out each time it fills. Taken as needed
# (the bundled entries use a few MB), and large enough for about 900,000 provisions of the
# benchmark corpus in one segment (its 1M build makes two): each query term is then looked
# up once or twice, not once per segment. Against four segments (256 MB) that made searches
# at 1M about 4 % faster and left 80 MiB fewer index pages mapped by a serving process; one
# segment instead of two (a 2.5 GB budget) gained about 1 % more and built 7 % slower.
WRITER_HEAP = 1_500_000_000
LOW_DISK = 16 * 2**20  # free bytes under which a failed build blames the disk, however small
MAX_MLT = 200
# The proximity check on the best texts only (``_ranked_near_later``): when about
# NEAR_LATER_TEXTS texts or more hold all the words, for pages ending at most
# NEAR_LATER_MAX_PAGE down; the best NEAR_LATER_FETCH texts without the bonus are ranked, and
# the bonus checked first on three pages' worth of them (at least NEAR_LATER_FIRST)
NEAR_LATER_TEXTS = 25_000
NEAR_LATER_MAX_PAGE = 100
NEAR_LATER_FETCH = 1_000
NEAR_LATER_FIRST = 20

Q = tantivy.Query
Occur = tantivy.Occur
RankedDoc = tuple[IndexDoc, float, list[Any]]  # a page's document, its score and sort key


def make_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("instrument_id", tokenizer_name="raw", index_option="basic")
    for name in KEYWORD_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    for name in FIELD_WEIGHTS:
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    builder.add_text_field(TAG_FIELD, tokenizer_name="whitespace", index_option="freq")
    builder.add_integer_field("seq", indexed=True, fast=True)
    # "1" on recitals and preambles: the operative bonus is applied as their demotion (below)
    builder.add_text_field("demoted", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("day", indexed=True, fast=True)  # YYYYMMDD
    for name in FACET_FIELDS:  # the number of the document's set of values (FacetSets)
        builder.add_unsigned_field(facet_column(name), fast=True)
    builder.add_bytes_field("data", stored=True)
    return builder.build()


def facet_column(name: str) -> str:
    return f"{name}_set"


# each keyword field with the column of its facet value sets ("" when it is no facet)
KEYWORD_COLUMNS = tuple(
    (name, facet_column(name) if name in FACET_SET_FIELDS else "") for name in KEYWORD_FIELDS
)


class FacetSets:
    """Each facet field's distinct sets of values, numbered in the order a build meets them.

    A document carries, per facet field, the number of its set in a fast column, so the
    facet counts of a sample of matches are read from those columns by document address,
    instead of running a query that selects the sample (a term lookup per sampled document
    and per segment, which cost more than the counting itself)."""

    def __init__(self, sets: dict[str, list[list[str]]] | None = None):
        self.sets: dict[str, list[tuple[str, ...]]] = {
            name: [tuple(values) for values in (sets or {}).get(name, [])]
            for name in FACET_FIELDS
        }

    @cached_property
    def _numbers(self) -> dict[str, dict[tuple[str, ...], int]]:
        """Set -> number, for a build (a reader only counts, by number)."""
        return {
            name: {values: n for n, values in enumerate(known)}
            for name, known in self.sets.items()
        }

    def number(self, name: str, values: tuple[str, ...]) -> int:
        numbers = self._numbers[name]
        found = numbers.get(values)
        if found is None:
            found = numbers[values] = len(numbers)
            self.sets[name].append(values)
        return found

    def save(self, folder: Path) -> None:
        (folder / FACET_SETS).write_bytes(orjson.dumps(self.sets))

    @classmethod
    def load(cls, folder: Path) -> FacetSets:
        try:
            return cls(orjson.loads((folder / FACET_SETS).read_bytes()))
        except (OSError, ValueError) as exc:
            raise BackendUnavailable(
                f"the index at {folder} has no readable {FACET_SETS}: run `kb index`") from exc

    def count(self, name: str, numbers: list[Any]) -> dict[str, int]:
        """How many of the documents whose set numbers are given hold each value: the most
        frequent FACET_SIZE, as the engine's terms aggregation gives them."""
        known = self.sets[name]
        counts: Counter[str] = Counter()
        for number, n in Counter(numbers).items():
            if number is not None:
                for value in known[number]:
                    counts[value] += n
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE])


@lru_cache(maxsize=4096)  # a build meets each instrument's date once per provision
def day_number(date: str | None) -> int | None:
    """``2014-07-02`` -> 20140702 (a year-only or year-month date counts from its start)."""
    if not date:
        return None
    parts = (date.split("-") + ["01", "01"])[:3]
    try:
        year, month, day = (int(p or 1) for p in parts)
    except ValueError:
        return None
    return year * 10_000 + month * 100 + day


# -- the query plan in tantivy terms (pure functions of the schema) -------------------------
# Text fields most of an instrument's provisions share (its title as context, a chapter's
# path): analysed once per distinct text rather than once per provision.
SHARED_TEXT_FIELDS = frozenset({"a_context", "a_heading"})


@lru_cache(maxsize=4096)
def shared_terms(text: str) -> str:
    return indexed_terms(text)


def phrase_terms(stems: tuple[str, ...]) -> list[str]:
    """The index terms of a phrase: its word, or the terms of its adjacent pairs."""
    if len(stems) == 1:
        return [stems[0]]
    return list(dict.fromkeys(map(pair_term, stems, stems[1:])))


def _phrase(schema: tantivy.Schema, field: str, stems: tuple[str, ...], slop: int = 0) -> Q:
    """A word, or a phrase as the conjunction of its pair terms (words near each other, with a
    slop, as a phrase over positions)."""
    if slop:
        return Q.phrase_query(schema, field, list(stems), slop)
    terms = phrase_terms(stems)
    if len(terms) == 1:
        return Q.term_query(schema, field, terms[0])
    return Q.boolean_query([(Occur.Must, Q.term_query(schema, field, t)) for t in terms])


def _over_fields(schema: tantivy.Schema, stems: tuple[str, ...], factor: float = 1.0) -> list[Q]:
    return [
        Q.boost_query(_phrase(schema, field, stems), weight * factor)
        for field, weight in FIELD_WEIGHTS.items()
    ]


def clause_query(schema: tantivy.Schema, clause: PlanClause) -> Q:
    """One clause: each alternative over every text field, its translations likewise at their
    lower weight, its topic tags: scores summed."""
    parts = [q for stems in clause.phrases for q in _over_fields(schema, stems)]
    parts += [
        q
        for stems in clause.translations
        for q in _over_fields(schema, stems, clause.translation_weight)
    ]
    parts += [
        q
        for stems in clause.word_translations
        for q in _over_fields(schema, stems, clause.word_translation_weight)
    ]
    parts += [
        Q.boost_query(Q.term_query(schema, TAG_FIELD, t), clause.tag_weight) for t in clause.tags
    ]
    return Q.boolean_query([(Occur.Should, q) for q in parts])


def text_query(schema: tantivy.Schema, plan: TextPlan) -> Q:
    """The plan: required and optional clauses, the minimum of optional ones that must match,
    exclusions, and the all-words and proximity bonuses."""
    clauses = [(c, clause_query(schema, c)) for c in plan.clauses]
    optional = [q for c, q in clauses if not c.required]
    parts: list[tuple[Any, Q]] = [(Occur.Must, q) for c, q in clauses if c.required]
    if optional:
        msm = plan.minimum_should_match
        group = Q.boolean_query([(Occur.Should, q) for q in optional], msm if msm > 1 else None)
        parts.append((Occur.Must if msm else Occur.Should, group))
    if plan.all_words:
        every = Q.boolean_query([(Occur.Must, q) for _, q in clauses])
        parts.append((Occur.Should, Q.const_score_query(every, ALL_WORDS_BONUS)))
    if plan.proximity:
        parts.append((Occur.Should, proximity_bonus(schema, plan.proximity)))
    if plan.pairs:
        adjacent = [
            (Occur.Should, Q.boost_query(_phrase(schema, field, run), weight * PAIR_WEIGHT))
            for run in plan.pairs for field, weight in FIELD_WEIGHTS.items()
        ]
        parts.append((Occur.Should, Q.boolean_query(adjacent)))
    if plan.topic_tags:
        topics = [
            (Occur.Should, Q.boost_query(Q.term_query(schema, TAG_FIELD, t), TAG_WEIGHT))
            for t in plan.topic_tags
        ]
        parts.append((Occur.Should, Q.boolean_query(topics)))
    if OPERATIVE_BONUS:
        # every text but a recital or preamble earns the bonus: the engine takes it from the
        # few instead (a sparse clause, where a bonus to the many walks a list of every
        # document), and the scores it gives are OPERATIVE_BONUS short (``score_shift``)
        demoted = Q.term_query(schema, "demoted", "1")
        parts.append((Occur.Should, Q.const_score_query(demoted, -OPERATIVE_BONUS)))
    for stems in plan.excluded:
        excluded = _over_fields(schema, stems)
        if len(stems) == 1:  # tags are single terms
            excluded.append(Q.term_query(schema, TAG_FIELD, stems[0]))
        parts.append((Occur.MustNot, Q.boolean_query([(Occur.Should, q) for q in excluded])))
    return Q.boolean_query(parts)


def near_query(schema: tantivy.Schema, words: tuple[str, ...],
               within: Q | None = None) -> Q:
    """The words close together (PROXIMITY_SLOP) in any one text field; ``within``, a set of
    documents to look at (each field's check then starts from that set)."""
    near = [_phrase(schema, field, words, PROXIMITY_SLOP) for field in FIELD_WEIGHTS]
    if within is not None:
        near = [Q.boolean_query([(Occur.Must, within), (Occur.Must, q)]) for q in near]
    return Q.boolean_query([(Occur.Should, q) for q in near])


def proximity_bonus(schema: tantivy.Schema, words: tuple[str, ...]) -> Q:
    """PROXIMITY_BONUS when the words are close together. Not a ``const_score_query`` of the
    phrases: tantivy then tests positions with its unscored check, looser than its scored
    one and than Lucene's (it takes "c b a" for "a b c" within 3), so the phrases are matched
    as scored and their score counted as nothing."""
    return Q.boolean_query([
        (Occur.Must, Q.boost_query(near_query(schema, words), 0.0)),
        (Occur.Must, Q.const_score_query(Q.all_query(), PROXIMITY_BONUS)),
    ])


def score_shift(plan: TextPlan | None) -> float:
    """What to add to the engine's score of a text query for the score of the query meaning:
    the operative bonus, which ``text_query`` applies as a demotion of the rest."""
    return OPERATIVE_BONUS if plan is not None and plan.clauses else 0.0


def filter_query(schema: tantivy.Schema, query: SearchQuery) -> Q | None:
    """Keyword filters (ORed within a field, ANDed across) and the date range, unscored."""
    parts = [
        Q.term_set_query(schema, name, list(dict.fromkeys(values)))
        for name, values in query.filters().items()
    ]
    if query.date_from or query.date_to:
        lo = day_number(query.date_from.isoformat()) if query.date_from else None
        hi = day_number(query.date_to.isoformat()) if query.date_to else None
        parts.append(Q.range_query(schema, "day", tantivy.FieldType.Integer, lo, hi))
    if not parts:
        return None
    return Q.boolean_query([(Occur.Must, q) for q in parts])


def full_query(
    schema: tantivy.Schema, query: SearchQuery, plan: TextPlan | None,
    text_of: Callable[[TextPlan], Q] | None = None,
) -> Q:
    """The text query (``text_of`` builds it, or ``text_query``) with the filters."""
    if plan is not None and plan.clauses:
        text = text_of(plan) if text_of is not None else text_query(schema, plan)
    else:
        text = None
    filters = filter_query(schema, query)
    if text is None:
        return filters or Q.all_query()
    if filters is None:
        return text
    return Q.boolean_query([(Occur.Must, text), (Occur.Must, Q.const_score_query(filters, 0.0))])


def describe(plan: TextPlan, query: SearchQuery) -> dict[str, Any]:
    """The query as tantivy runs it, for ``kb search --show-query``."""
    return {
        "engine": "tantivy",
        "fields": {**FIELD_WEIGHTS, TAG_FIELD: TAG_WEIGHT},
        "clauses": [
            {"required": c.required, "any_of": [" ".join(p) for p in c.phrases],
             "translations": [" ".join(p) for p in c.translations],
             "translation_weight": c.translation_weight,
             "word_translations": [" ".join(p) for p in c.word_translations],
             "word_translation_weight": c.word_translation_weight,
             "tags": list(c.tags), "tag_weight": c.tag_weight}
            for c in plan.clauses
        ],
        "minimum_should_match": plan.minimum_should_match,
        "excluded": [" ".join(p) for p in plan.excluded],
        "topic_bonus": {"tags": list(plan.topic_tags), "weight": TAG_WEIGHT},
        "all_words_bonus": ALL_WORDS_BONUS if plan.all_words else 0,
        "proximity": {"words": " ".join(plan.proximity), "slop": PROXIMITY_SLOP,
                      "bonus": PROXIMITY_BONUS} if plan.proximity else None,
        "adjacent_pairs": {"pairs": [" ".join(p) for p in plan.pairs],
                           "weight": PAIR_WEIGHT} if plan.pairs else None,
        "filters": query.filters(),
        "date": [str(query.date_from or ""), str(query.date_to or "")],
    }


def _engine(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the engine; what it refuses is a bad query, and a failure inside it (a Rust panic,
    which Python sees as a BaseException) is reported as the backend's, never a crash."""
    try:
        return call(*args, **kwargs)
    except ValueError as exc:
        raise InvalidQuery(f"the search engine refused the query: {exc}") from exc
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        raise BackendUnavailable(f"the search engine failed: {exc}") from None


class _ResultCache:
    """The results of recent searches of one generation, least recently used out first.

    A generation never changes, so a result stays right for as long as its generation
    serves; a new generation comes with an empty cache. What is handed out is a copy whose
    hit list the caller may reorder (hits themselves are shared: only the API sets their
    ``snippet``, to the same value for the same search)."""

    def __init__(self, size: int):
        self.size = size
        self._results: OrderedDict[Any, SearchResult] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(query: SearchQuery, parsed: ParsedQuery) -> Any:
        """What decides a result: the request, and the parse it runs (a comparison grid
        gives a query a topic's parse of its own) with the words its excerpts mark."""
        return (query.model_dump_json(), parsed.plan(), parsed.highlight_terms())

    def get(self, key: Any) -> SearchResult | None:
        if not self.size:
            return None
        with self._lock:
            found = self._results.get(key)
            if found is None:
                return None
            self._results.move_to_end(key)
        return found.model_copy(update={"hits": list(found.hits)})

    def put(self, key: Any, result: SearchResult) -> None:
        if not self.size:
            return
        with self._lock:
            self._results[key] = result.model_copy(update={"hits": list(result.hits)})
            self._results.move_to_end(key)
            while len(self._results) > self.size:
                self._results.popitem(last=False)


class _Memo:
    """What a generation worked out once and is asked again (a built query, a term's
    frequency, spelling candidates), at most ``size`` of them: emptied when full, simple and
    bounded, since a hot entry is worked out again at once."""

    def __init__(self, size: int):
        self.size = size
        self._known: dict[Any, Any] = {}

    def get(self, key: Any, work: Callable[[], Any]) -> Any:
        found = self._known.get(key)
        if found is None:
            found = work()
            if len(self._known) >= self.size:
                self._known.clear()
            self._known[key] = found
        return found


class _Reader:
    """One open generation: the index, its searcher and the pointer it was read from, and
    what was worked out against it: the text queries built against its schema (a grid runs
    one topic's plan once per row, a busy server the same few plans again and again), term
    frequencies and spelling candidates for did-you-mean, recent results."""

    def __init__(self, folder: Path, stamp: tuple[int, int], result_cache: int = 0):
        self.folder = folder
        self.stamp = stamp
        self.index = tantivy.Index.open(str(folder))
        self.schema = self.index.schema
        self.searcher = self.index.searcher()
        self.plans = _Memo(512)
        self.results = _ResultCache(result_cache)
        self.suggestions = _Memo(512)
        self.doc_freqs = _Memo(50_000)

    def text_query(self, plan: TextPlan) -> Q:
        return self.plans.get(plan, lambda: text_query(self.schema, plan))

    def doc_freq(self, term: str) -> int:
        """How many documents hold the term in its commonest text field (remembered)."""
        return self.doc_freqs.get(
            term, lambda: max(self.searcher.doc_freq(f, term) for f in FIELD_WEIGHTS))

    @cached_property
    def facet_sets(self) -> FacetSets:
        return FacetSets.load(self.folder)


class TantivyBackend(Backend):
    name = "embedded"

    def __init__(self, path: Path, result_cache: int = 0):
        self.path = Path(path)
        self.result_cache = result_cache  # searches kept per generation (_ResultCache)
        self._lock = threading.Lock()
        self._reader: _Reader | None = None

    # -- generations -------------------------------------------------------------------
    @property
    def pointer(self) -> Path:
        return self.path / POINTER

    def _current(self) -> tuple[Path, dict[str, Any], tuple[int, int]] | None:
        try:
            st = os.stat(self.pointer)
            meta = json.loads(self.pointer.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return self.path / meta["generation"], meta, (st.st_ino, st.st_mtime_ns)

    def _open(self) -> _Reader:
        reader = self._reader
        if reader is not None:  # the pointer unchanged since: no need to read it again
            try:
                st = os.stat(self.pointer)
            except FileNotFoundError:
                st = None
            if st is not None and (st.st_ino, st.st_mtime_ns) == reader.stamp:
                return reader
        current = self._current()
        if current is None:
            raise BackendUnavailable(
                f"no index at {self.path}: run `kb index` (or `kb serve`, which builds it)"
            )
        folder, meta, stamp = current
        if meta.get("layout") != LAYOUT:
            raise BackendUnavailable(
                f"the index at {self.path} is of an older layout; run `kb index`"
            )
        reader = self._reader
        if reader is None or reader.stamp != stamp:
            with self._lock:
                reader = self._reader
                if reader is None or reader.stamp != stamp:
                    try:
                        reader = _Reader(folder, stamp, self.result_cache)
                    except ValueError as exc:
                        raise BackendUnavailable(
                            f"cannot open the index at {folder}: {exc}"
                        ) from exc
                    self._reader = reader
        return reader

    def exists(self) -> bool:
        current = self._current()
        return bool(current) and current[1].get("layout") == LAYOUT and current[0].is_dir()

    def close(self) -> None:
        self._reader = None

    # -- build -------------------------------------------------------------------------
    @staticmethod
    def document(doc: IndexDoc, facet_sets: FacetSets) -> tantivy.Document:
        """The tantivy document for an index document: analysed text, keywords, the numbers
        of its facet value sets (numbered in ``facet_sets``), stored data."""
        out = tantivy.Document()
        out.add_text("id", doc["id"])
        if doc.get("instrument_id"):
            out.add_text("instrument_id", doc["instrument_id"])
        for name, column in KEYWORD_COLUMNS:
            value = doc.get(name)
            if value is None or value == []:
                continue
            if isinstance(value, list):
                values = tuple(dict.fromkeys(value)) if len(value) > 1 else (value[0],)
            else:
                values = (value,)
            for item in values:
                out.add_text(name, item)
            if column:
                out.add_unsigned(column, facet_sets.number(name, values))
        for name in FIELD_WEIGHTS:
            text = doc.get(name) or ""
            terms = shared_terms(text) if name in SHARED_TEXT_FIELDS else indexed_terms(text)
            out.add_text(name, f"{terms} {FIELD_SENTINEL}")
        out.add_text(TAG_FIELD, f"{doc.get(TAG_FIELD) or ''} {FIELD_SENTINEL}")
        seq = int(doc.get("seq") or 0)
        out.add_integer("seq", seq)
        if doc.get("provision_kind") in DEMOTED_KINDS:
            out.add_text("demoted", "1")
        day = day_number(doc.get("date"))
        if day is not None:
            out.add_integer("day", day)
        stored = dict(doc)
        for name in TEXT_FIELDS:
            stored.pop(name, None)
        out.add_bytes("data", orjson.dumps(stored))
        return out

    def rebuild(self, docs: Iterable[IndexDoc], progress: Progress | None = None) -> BuildReport:
        with frozen_heap():
            return self._rebuild(docs, progress)

    def _rebuild(self, docs: Iterable[IndexDoc], progress: Progress | None) -> BuildReport:
        started = time.monotonic()
        self.path.mkdir(parents=True, exist_ok=True)
        generation = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        folder = self.path / f"gen-{generation}"
        building = self.path / f".building-{generation}"
        count = 0
        try:
            building.mkdir()
            index = tantivy.Index(make_schema(), path=str(building))
            writer = index.writer(WRITER_HEAP, 1)
            seen: set[str] = set()
            facet_sets = FacetSets()
            for doc in docs:
                if doc["id"] in seen:
                    raise IndexBuildError(f"duplicate document id {doc['id']!r}")
                seen.add(doc["id"])
                writer.add_document(self.document(doc, facet_sets))
                count += 1
                if progress and count % 1000 == 0:
                    progress(count)
            writer.commit()
            writer.wait_merging_threads()
            index.reload()
            stored = index.searcher().num_docs
            if stored != count:
                raise IndexBuildError(f"index has {stored} documents, expected {count}")
            if progress:
                progress(count)
            facet_sets.save(building)
            os.replace(building, folder)
            self._point_at(folder.name, count)
        except BaseException as exc:
            shutil.rmtree(building, ignore_errors=True)
            shutil.rmtree(folder, ignore_errors=True)
            if isinstance(exc, IndexBuildError | KeyboardInterrupt | SystemExit):
                raise
            raise IndexBuildError(
                f"index build failed, previous index kept: {self._failure(exc)}") from exc
        self._drop_old(folder.name)
        return BuildReport(count, generation, time.monotonic() - started)

    def _failure(self, exc: BaseException) -> str:
        """Why a build failed, on one line. The engine reports a write to a full disk only as
        a dead worker thread, so a file system with less room than the generation in service
        (a new one needs about as much) is named as the likely cause."""
        reason = " ".join(str(exc).split()) or type(exc).__name__
        try:
            free = shutil.disk_usage(self.path).free
            current = self._current()
            in_service = sum(f.stat().st_size for f in current[0].iterdir() if f.is_file()) \
                if current and current[0].is_dir() else 0
        except OSError:
            return reason
        if free >= max(in_service, LOW_DISK):
            return reason
        return (f"the disk holding {self.path} is out of space ({free / 2**20:.1f} MiB free; "
                f"the index in service takes {in_service / 2**20:.1f} MiB): {reason}")

    def _point_at(self, name: str, count: int) -> None:
        """Put a generation in service: one atomic rename of the pointer file."""
        tmp = self.path / f".{POINTER}.{os.getpid()}"
        meta = {
            "generation": name,
            "layout": LAYOUT,
            "documents": count,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        with open(tmp, "w") as fh:
            json.dump(meta, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.pointer)

    def _drop_old(self, keep: str) -> None:
        """Delete replaced generations and what interrupted builds left (open readers keep
        their files until they let go: deleting an open file on POSIX only unlinks it)."""
        for entry in self.path.iterdir():
            if entry.name == keep or entry.name == POINTER:
                continue
            if entry.name.startswith(("gen-", ".building-")):
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.name.startswith(f".{POINTER}."):
                entry.unlink(missing_ok=True)

    # -- reading -----------------------------------------------------------------------
    def _docs(self, reader: _Reader, addresses: list[Any]) -> list[IndexDoc]:
        searcher = reader.searcher
        return [orjson.loads(searcher.doc(a)["data"][0]) for a in addresses]

    def _search(self, reader: _Reader, query: Q, limit: int, **kwargs: Any) -> Any:
        return _engine(reader.searcher.search, query, max(1, limit), **kwargs)

    def _aggregate(self, reader: _Reader, query: Q, aggs: dict[str, Any]) -> dict[str, Any]:
        return _engine(reader.searcher.aggregate, query, aggs)

    def get(self, doc_id: str) -> IndexDoc | None:
        found = self.get_many([doc_id])
        return found[0] if found else None

    def get_many(self, doc_ids: list[str]) -> list[IndexDoc]:
        if not doc_ids:
            return []
        reader = self._open()
        wanted = list(dict.fromkeys(doc_ids))
        res = self._search(
            reader, Q.term_set_query(reader.schema, "id", wanted), len(wanted), count=False
        )
        found = {d["id"]: d for d in self._docs(reader, [a for _, a in res.hits])}
        return [found[i] for i in doc_ids if i in found]

    def provisions_of(self, instrument_id: str, limit: int = 10_000) -> list[IndexDoc]:
        reader = self._open()
        q = Q.boolean_query([
            (Occur.Must, Q.term_query(reader.schema, "instrument_id", instrument_id)),
            (Occur.Must, Q.term_query(reader.schema, "kind", "provision")),
        ])
        res = self._search(reader, q, 100_000, count=False, order_by_field="seq",
                           order=tantivy.Order.Asc)
        docs = self._docs(reader, [a for _, a in res.hits])
        docs.sort(key=lambda d: (d.get("order") or 0, d.get("seq") or 0))
        return docs[:limit]

    def show_query(self, query: SearchQuery) -> str:
        return json.dumps(describe(query.parsed().plan(), query), ensure_ascii=False, indent=1)

    def _ranked(
        self, reader: _Reader, q: Q, query: SearchQuery, keep: int = 0, shift: float = 0.0
    ) -> tuple[list[RankedDoc], int, list[Any] | None]:
        """The page of a text search: every match ranked by score, ties by ``seq``; a page
        starts at ``offset`` or just after the hit whose sort key is ``search_after``. Also
        the number of matches and the addresses of the best ``keep`` of them (the first pass
        visits every match anyway, and keeping a few more of them costs next to nothing).
        Only the page's documents are loaded."""
        after = query.search_after
        want = query.offset + query.limit if not after else query.limit
        size = max(want, 20)
        counted: int | None = None
        matches: list[Any] | None = None
        searcher = reader.searcher
        while True:
            fetched = min(size + 1, MAX_OFFSET + MAX_LIMIT + 1)
            first = counted is None
            # the first pass counts the matches too: it visits them all anyway
            res = self._search(reader, q, max(fetched, keep + 1) if first else fetched,
                               count=first)
            hits = res.hits
            if first:
                counted = res.count
                matches = [a for _, a in hits[:keep]] if keep else None
                hits = hits[:fetched]
            seqs = searcher.fast_field_values("seq", [a for _, a in hits]) if hits else []
            scored = sorted(
                ((float(s) + shift, int(seq or 0), a)
                 for (s, a), seq in zip(hits, seqs, strict=True)),
                key=lambda p: (-p[0], p[1]))
            exhausted = len(hits) < fetched
            if after:
                key = (-float(after[0]), int(after[1]) if len(after) > 1 else 0)
                rest = [p for p in scored if (-p[0], p[1]) > key]
                # the last fetched score may tie with unfetched hits: keep only those above it
                if not exhausted:
                    floor = scored[-1][0]
                    rest = [p for p in rest if p[0] > floor]
                if len(rest) >= query.limit or exhausted or fetched > MAX_OFFSET + MAX_LIMIT:
                    page = rest[: query.limit]
                    break
            else:
                page = scored[query.offset : query.offset + query.limit]
                if exhausted or len(scored) > want or fetched > MAX_OFFSET + MAX_LIMIT:
                    break
            size *= 4
        return self._page(reader, page), counted or 0, matches

    def _near_later(self, reader: _Reader, query: SearchQuery, plan: TextPlan) -> bool:
        """Whether to rank without the proximity bonus first and check positions on the
        best texts only (``_ranked_near_later``): for a first page of words so common that
        many texts hold them all, where checking positions in each of those texts costs
        more than the rest of the search (at 1M provisions, a third of "personal data").
        The texts holding them all are estimated as if the words fell independently, from
        each word's count in the field where it is commonest."""
        if (not plan.proximity or query.search_after
                or query.offset + query.limit > NEAR_LATER_MAX_PAGE):
            return False
        texts = float(reader.searcher.num_docs)
        expected = texts
        for word in plan.proximity:
            if expected < NEAR_LATER_TEXTS:
                return False
            expected *= reader.doc_freq(word) / texts
        return expected >= NEAR_LATER_TEXTS

    def _ranked_near_later(
        self, reader: _Reader, query: SearchQuery, plan: TextPlan, keep: int
    ) -> tuple[list[RankedDoc], int, list[Any] | None] | None:
        """``_ranked``'s page, exactly, with the proximity bonus checked on a few texts.

        The texts are ranked without the bonus; a text's score with it is at most
        PROXIMITY_BONUS higher. The bonus is checked on the best few; if the page's last
        score is still above every unchecked text's score plus the bonus, no unchecked
        text can reach the page. Otherwise the check extends to every text within the
        bonus of that last score. None when that set reaches past what was fetched or the
        check cannot tell texts apart (``_ranked`` then runs the whole query). The facet
        sample (``keep``) is the best texts by their words' scores, before the bonus."""
        schema, searcher = reader.schema, reader.searcher
        shift = score_shift(plan)
        base = full_query(schema, query, replace(plan, proximity=()), reader.text_query)
        want = query.offset + query.limit
        fetched = max(keep, NEAR_LATER_FETCH) + 1
        res = self._search(reader, base, fetched, count=True)
        hits = res.hits
        exhausted = len(hits) < fetched
        seqs = searcher.fast_field_values("seq", [a for _, a in hits]) if hits else []
        near: set[tuple[int, int]] = set()

        def check(start: int, end: int) -> bool:
            """Mark the texts of hits[start:end] that hold the words close together."""
            if start >= end:
                return True
            within = Q.term_set_query(schema, "seq", [int(x or 0) for x in seqs[start:end]])
            found = self._search(reader, near_query(schema, plan.proximity, within),
                                 end - start + 1, count=True)
            if found.count > end - start:  # texts share a seq: the check can't name them
                return False
            near.update((a.segment_ord, a.doc) for _, a in found.hits)
            return True

        def ranked(end: int) -> list[tuple[float, int, Any]]:
            return sorted(
                ((float(s) + shift + (PROXIMITY_BONUS if (a.segment_ord, a.doc) in near
                                      else 0.0), int(seq or 0), a)
                 for (s, a), seq in zip(hits[:end], seqs[:end], strict=True)),
                key=lambda p: (-p[0], p[1]))

        checked = min(len(hits), max(3 * want, NEAR_LATER_FIRST))
        if not check(0, checked):
            return None
        scored = ranked(checked)
        if checked < len(hits) or not exhausted:
            # the best unchecked text's score without the bonus (unfetched ones: at most
            # the last fetched)
            unchecked = float(hits[min(checked, len(hits) - 1)][0])
            last = scored[want - 1][0] - shift if len(scored) >= want else float("-inf")
            if last <= unchecked + PROXIMITY_BONUS:
                # check every text whose score without the bonus is within it of the last
                reach = last - PROXIMITY_BONUS
                end = next((i for i in range(checked, len(hits)) if hits[i][0] < reach),
                           None)
                if end is None and not exhausted:
                    return None
                end = len(hits) if end is None else end
                if not check(checked, end):
                    return None
                scored = ranked(end)
        matches = [a for _, a in hits[:keep]] if keep else None
        return self._page(reader, scored[query.offset: want]), res.count, matches

    def _page(self, reader: _Reader, page: list[tuple[float, int, Any]]) -> list[RankedDoc]:
        """The documents of a ranked page of (score, seq, address), with their sort keys."""
        docs = self._docs(reader, [a for _, _, a in page])
        return [(d, s, [s, seq]) for d, (s, seq, _) in zip(docs, page, strict=True)]

    def _listed(
        self, reader: _Reader, q: Q, query: SearchQuery
    ) -> list[RankedDoc]:
        """A page without text: newest first (``seq``)."""
        after = query.search_after
        offset = query.offset
        if after:
            q = Q.boolean_query([
                (Occur.Must, q),
                (Occur.Must, Q.range_query(reader.schema, "seq", tantivy.FieldType.Integer,
                                           int(after[-1]), None, include_lower=False)),
            ])
            offset = 0
        res = self._search(reader, q, query.limit, count=False, order_by_field="seq",
                           order=tantivy.Order.Asc, offset=offset)
        docs = self._docs(reader, [a for _, a in res.hits])
        return [(d, 0.0, [d.get("seq") or 0]) for d in docs]

    def _facets(
        self, reader: _Reader, q: Q, total: int, best: list[Any] | None
    ) -> tuple[dict[str, dict[str, int]], bool]:
        """Counts of the facet fields: over every match when there are at most
        FACET_EXACT_LIMIT; beyond, over the best-ranked FACET_EXACT_LIMIT of them (``best``,
        which the ranking pass collected; the newest, for a listing without words) scaled to
        the number of matches, which the response marks as estimates. A second pass over
        every match would cost as much as the search itself; the best matches are also the
        ones a reader looks at."""
        if best is None:  # a listing of few matches: count them all
            aggs = {f: {"terms": {"field": f, "size": FACET_SIZE}} for f in FACET_FIELDS}
            found = self._aggregate(reader, q, aggs)
            sampled = sum(b["doc_count"] for b in found.get("kind", {}).get("buckets", []))
            counts = {
                name: {b["key"]: b["doc_count"] for b in found.get(name, {}).get("buckets", [])}
                for name in FACET_FIELDS
            }
        else:
            sets = reader.facet_sets
            searcher = reader.searcher
            counts = {
                name: sets.count(name, searcher.fast_field_values(facet_column(name), best))
                for name in FACET_FIELDS
            } if best else {}
            sampled = len(best)
        exact = sampled >= total or not sampled
        scale = 1.0 if exact else total / sampled
        facets = {
            name: {key: round(n * scale) for key, n in counts.get(name, {}).items()}
            for name in FACET_FIELDS
        }
        return facets, exact

    def search(self, query: SearchQuery) -> SearchResult:
        parsed = query.parsed()
        reader = self._open()
        key = reader.results.key(query, parsed) if reader.results.size else None
        found = reader.results.get(key) if key is not None else None
        if found is None:
            found = self._search_generation(reader, query, parsed)
            if key is not None:
                reader.results.put(key, found)
        return found

    def _search_generation(
        self, reader: _Reader, query: SearchQuery, parsed: ParsedQuery
    ) -> SearchResult:
        plan = parsed.plan()
        q = full_query(reader.schema, query, plan, reader.text_query)
        matches: list[Any] | None = None
        if parsed.empty:
            page = self._listed(reader, q, query)
            counted = self._search(reader, q, 1, count=True).count
            if query.facets and counted > FACET_EXACT_LIMIT:  # the newest, as Elasticsearch
                matches = [a for _, a in self._search(
                    reader, q, FACET_EXACT_LIMIT, count=False, order_by_field="seq",
                    order=tantivy.Order.Asc).hits]
        else:
            keep = FACET_EXACT_LIMIT if query.facets else 0
            ranked = (self._ranked_near_later(reader, query, plan, keep)
                      if self._near_later(reader, query, plan) else None)
            if ranked is None:
                ranked = self._ranked(reader, q, query, keep, score_shift(plan))
            page, counted, matches = ranked
        # totals are reported as Elasticsearch reports them: exact up to TOTAL_EXACT_LIMIT
        total_exact = counted <= TOTAL_EXACT_LIMIT
        total = min(counted, TOTAL_EXACT_LIMIT)
        hits = [make_hit(d, parsed, score, key) for d, score, key in page]
        facets: dict[str, dict[str, int]] = {}
        exact = True
        if query.facets and counted:
            facets, exact = self._facets(reader, q, counted, matches)
        elif query.facets:
            facets = {"kind": {}}
        return SearchResult(total=total, total_exact=total_exact, hits=hits, facets=facets,
                            facets_exact=exact and total_exact)

    def more_like_this(
        self, text: str, query: SearchQuery, exclude_ids: Iterable[str] = (),
        topics: Iterable[str] = (),
    ) -> list[Hit]:
        """The texts closest to ``text`` in its own words and, through the glossary and the
        topics it names (or ``topics``, its provision's), in the other language: the probes of
        ``kb.similar``, each ranked by the same BM25 as a search, merged."""
        reader = self._open()
        searcher = reader.searcher
        doc_freq = self.term_doc_freqs
        exclude = set(exclude_ids)
        probe = query.model_copy(update={
            "text": "", "offset": 0, "search_after": None,
            "limit": min(MAX_MLT, query.limit + len(exclude)), "facets": False,
        })
        rankings = []
        for found in similar.probes(text, doc_freq, max(1, searcher.num_docs), topics):
            q = full_query(reader.schema, probe, found.plan)
            page, _, _ = self._ranked(reader, q, probe, shift=score_shift(found.plan))
            rankings.append([make_hit(d, found.parsed, score) for d, score, _ in page])
        return similar.merge(rankings, exclude, query.limit)

    def term_doc_freqs(self, terms: list[str]) -> dict[str, int]:
        """How many documents hold each term, in its commonest field (did-you-mean asks it
        of every search's words: remembered per generation)."""
        reader = self._open()
        return {term: reader.doc_freq(term) for term in terms}

    def suggest_terms(
        self, term: str, max_edits: int = 2, prefix_length: int = 1
    ) -> list[tuple[str, int]]:
        """The terms sharing the first letters, from the dictionary of each text field,
        filtered by distance; without a shared letter (one edit only), the one-edit variants
        looked up one by one, which is cheaper than walking a whole dictionary."""
        max_edits = max(1, min(2, max_edits))
        reader = self._open()
        return list(reader.suggestions.get(
            (term, max_edits, prefix_length),
            lambda: self._suggest_terms(reader, term, max_edits, prefix_length)))

    def _suggest_terms(
        self, reader: _Reader, term: str, max_edits: int, prefix_length: int
    ) -> list[tuple[str, int]]:
        prefix = term[: effective_prefix(max_edits, prefix_length)]
        searcher = reader.searcher
        found: dict[str, int] = {}
        if not prefix:
            found = self.term_doc_freqs(sorted(one_edit_variants(term)))
        else:
            for field in FIELD_WEIGHTS:
                for candidate, df in _engine(searcher.terms_with_prefix, field, prefix):
                    if df > found.get(candidate, 0):
                        found[candidate] = df
        return close_terms(term, found, max_edits, prefix_length)

    def counts(self, field_a: str, field_b: str, query: SearchQuery) -> dict[str, dict[str, int]]:
        for field in (field_a, field_b):
            if field not in KEYWORD_FIELDS:
                raise InvalidQuery(f"cannot count by {field!r}")
        parsed = query.parsed()
        reader = self._open()
        q = full_query(reader.schema, query, parsed.plan(), reader.text_query)
        aggs = {"a": {"terms": {"field": field_a, "size": 300},
                      "aggs": {"b": {"terms": {"field": field_b, "size": 300}}}}}
        found = self._aggregate(reader, q, aggs)
        return {
            a["key"]: {b["key"]: b["doc_count"] for b in a["b"]["buckets"]}
            for a in found.get("a", {}).get("buckets", [])
        }

    def stats(self) -> dict[str, Any]:
        reader = self._open()
        searcher = reader.searcher
        kinds = searcher.aggregate(Q.all_query(), {"k": {"terms": {"field": "kind"}}})
        by_kind = {b["key"]: b["doc_count"] for b in kinds["k"]["buckets"]}
        records = Q.term_set_query(reader.schema, "kind", ["instrument", "case-note"])
        found = searcher.aggregate(records, {
            "jur": {"terms": {"field": "jurisdictions", "size": 300},
                    "aggs": {"kind": {"terms": {"field": "kind"}}}},
            "sectors": {"terms": {"field": "sectors", "size": 20}},
        })
        by_jur = {}
        for b in found["jur"]["buckets"]:
            k = {x["key"]: x["doc_count"] for x in b["kind"]["buckets"]}
            by_jur[b["key"]] = {"instruments": k.get("instrument", 0),
                                "case_notes": k.get("case-note", 0)}
        current = self._current()
        meta = current[1] if current else {}
        size = sum(f.stat().st_size for f in reader.folder.iterdir() if f.is_file())
        return {
            "backend": self.name,
            "generation": meta.get("generation"),
            "built_at": meta.get("built_at"),
            "instruments": by_kind.get("instrument", 0),
            "provisions": by_kind.get("provision", 0),
            "case_notes": by_kind.get("case-note", 0),
            "by_jurisdiction": dict(sorted(by_jur.items())),
            "by_sector": dict(sorted((b["key"], b["doc_count"])
                                     for b in found["sectors"]["buckets"])),
            "index_bytes": size,
            "health": self.health(),
        }

    def health(self) -> dict[str, Any]:
        current = self._current()
        if current is None:
            return {"status": "empty", "detail": f"no index at {self.path}; run `kb index`"}
        if current[1].get("layout") != LAYOUT:
            return {
                "status": "empty",
                "detail": f"the index at {self.path} is of an older layout; run `kb index`",
            }
        try:
            n = self._open().searcher.num_docs
        except BackendUnavailable as exc:
            return {"status": "unavailable", "detail": str(exc)}
        return {"status": "ok", "detail": f"{n} documents in {current[0]}"}

