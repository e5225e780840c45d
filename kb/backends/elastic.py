"""Elasticsearch backend: one index per record kind behind an alias, rebuilt by generations.

A rebuild writes every document into a fresh generation (``regkb-provisions-000007``), checks
that nothing was rejected and that the counts match, and only then moves all aliases in one
atomic ``_aliases`` call; older generations are deleted afterwards. A build that fails or is
interrupted leaves the aliases on the previous complete generation.

Queries are made by small named builders that translate ``kb.search.TextPlan``, the one query
meaning both backends share; the text fields they search hold the folded text from ``kb.text``
stemmed in Python (``kb.text.indexed_terms``), so no analysis plugin is needed and the terms
are those of the embedded backend. Term statistics are those of the three indices together
(``dfs_query_then_fetch``), as on the embedded backend's single index, and every match is
ranked. ``track_total_hits`` is bounded, so Lucene may skip blocks that cannot reach the top
hits; for a minimum of optional clauses it does not, and the questions' time grows with their
matches (``benchmarks/RESULTS.md``, findings).

Each index is sorted by ``seq`` (newest first, ``kb.documents.index_order``) and merged to one
segment once built, so listing without a query follows that order.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers
from elasticsearch.serializer import OrjsonSerializer

from kb import similar
from kb.backends.base import Backend, BuildReport, Progress, frozen_heap
from kb.config import Settings
from kb.documents import FACET_FIELDS, IndexDoc
from kb.errors import BackendUnavailable, IndexBuildError, InvalidQuery
from kb.search import (
    ALL_WORDS_BONUS,
    DEMOTED_KINDS,
    FACET_EXACT_LIMIT,
    FIELD_SENTINEL,
    FIELD_WEIGHTS,
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
from kb.suggest import close_terms, effective_prefix
from kb.text import indexed_terms, pair_term, words

MAPPINGS_DIR = Path(__file__).resolve().parents[2] / "mappings"
KIND_INDEX = {"instrument": "instruments", "provision": "provisions", "case-note": "case-notes"}
FACET_SIZE = 60
SAMPLED_FACETS = tuple(f for f in FACET_FIELDS if f != "kind")  # counted on a sample, by kind
SOURCE_EXCLUDES = [*FIELD_WEIGHTS, TAG_FIELD]
STEMMED_FIELDS = tuple(FIELD_WEIGHTS)
SEARCH_TYPE = "dfs_query_then_fetch"  # term statistics of the three indices together
MAX_MLT = 200  # candidates of a more-like-this probe, as on the embedded backend
MERGE_TIMEOUT = 3600  # seconds: merging a generation of millions of provisions takes minutes


# -- query builders (pure functions, printed by `kb search --show-query`) ---------------------
def build_phrase_query(field: str, stems: tuple[str, ...], boost: float, slop: int = 0) -> dict:
    """A word, or a phrase as the conjunction of its pair terms (``kb.text.with_pairs``);
    words near each other, with a slop, as a phrase over positions."""
    if slop:
        return {"match_phrase": {field: {"query": " ".join(stems), "slop": slop, "boost": boost}}}
    terms = [stems[0]] if len(stems) == 1 else list(dict.fromkeys(
        map(pair_term, stems, stems[1:])))
    if len(terms) == 1:
        return {"term": {field: {"value": terms[0], "boost": boost}}}
    return {"bool": {"must": [{"term": {field: {"value": t, "boost": boost}}} for t in terms]}}


def build_over_fields(stems: tuple[str, ...], factor: float = 1.0) -> list[dict[str, Any]]:
    return [
        build_phrase_query(field, stems, weight * factor)
        for field, weight in FIELD_WEIGHTS.items()
    ]


def build_clause_query(clause: PlanClause) -> dict[str, Any]:
    """One clause: each alternative over every text field, its translations likewise at their
    lower weight, its topic tags: scores summed."""
    should = [q for stems in clause.phrases for q in build_over_fields(stems)]
    should += [
        q
        for stems in clause.translations
        for q in build_over_fields(stems, clause.translation_weight)
    ]
    should += [
        q
        for stems in clause.word_translations
        for q in build_over_fields(stems, clause.word_translation_weight)
    ]
    should += [{"term": {TAG_FIELD: {"value": t, "boost": clause.tag_weight}}} for t in clause.tags]
    return {"bool": {"should": should}}


def build_fulltext_query(plan: TextPlan, bonuses: bool = True) -> dict[str, Any]:
    """The plan: required and optional clauses, the minimum of optional ones that must match,
    exclusions, and the all-words and proximity bonuses (``kb.search``). Without
    ``bonuses``, the same matches scored by their words alone."""
    clauses = [(c, build_clause_query(c)) for c in plan.clauses]
    must = [q for c, q in clauses if c.required]
    should: list[dict[str, Any]] = []
    optional = [q for c, q in clauses if not c.required]
    if optional:
        msm = plan.minimum_should_match
        group = {"bool": {"should": optional, "minimum_should_match": max(msm, 1)}}
        (must if msm else should).append(group)
    if bonuses and plan.all_words:
        every = {"bool": {"must": [q for _, q in clauses]}}
        should.append({"constant_score": {"filter": every, "boost": ALL_WORDS_BONUS}})
    if bonuses and plan.proximity:
        near = [
            {"match_phrase": {f: {"query": " ".join(plan.proximity), "slop": PROXIMITY_SLOP}}}
            for f in FIELD_WEIGHTS
        ]
        should.append({"constant_score": {"filter": {"bool": {"should": near}},
                                          "boost": PROXIMITY_BONUS}})
    if bonuses and plan.pairs:
        adjacent = [build_phrase_query(field, run, weight * PAIR_WEIGHT)
                    for run in plan.pairs for field, weight in FIELD_WEIGHTS.items()]
        should.append({"bool": {"should": adjacent}})
    if bonuses and plan.topic_tags:
        topics = [{"term": {TAG_FIELD: {"value": t, "boost": TAG_WEIGHT}}} for t in plan.topic_tags]
        should.append({"bool": {"should": topics}})
    if bonuses and OPERATIVE_BONUS:
        operative = {"bool": {"must_not": [{"terms": {"provision_kind": list(DEMOTED_KINDS)}}]}}
        should.append({"constant_score": {"filter": operative, "boost": OPERATIVE_BONUS}})
    query: dict[str, Any] = {"must": must, "should": should}
    if plan.excluded:
        query["must_not"] = [
            q
            for stems in plan.excluded
            for q in [
                *build_over_fields(stems),
                *([build_phrase_query(TAG_FIELD, stems, 1.0)] if len(stems) == 1 else []),
            ]
        ]
    return {"bool": query}


def build_filters(query: SearchQuery) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = [
        {"terms": {name: values}} for name, values in query.filters().items()
    ]
    filters.extend(build_daterange_query(query))
    return filters


def build_daterange_query(query: SearchQuery) -> list[dict[str, Any]]:
    bounds = {}
    if query.date_from:
        bounds["gte"] = query.date_from.isoformat()
    if query.date_to:
        bounds["lte"] = query.date_to.isoformat()
    return [{"range": {"date": bounds}}] if bounds else []


def build_match_query(query: SearchQuery, plan: TextPlan) -> dict[str, Any]:
    """Every match, unscored (filter context): for counting and facets."""
    filters = build_filters(query)
    if plan.clauses:
        filters = [build_fulltext_query(plan), *filters]
    return {"bool": {"filter": filters}}


def build_scored_query(query: SearchQuery, plan: TextPlan, bonuses: bool = True
                       ) -> dict[str, Any]:
    """The filters, and the text plan scored (``build_fulltext_query``) when there is one."""
    scored: dict[str, Any] = {"filter": build_filters(query)}
    if plan.clauses:
        scored["must"] = [build_fulltext_query(plan, bonuses)]
    return {"bool": scored}


def build_facets_body(query: SearchQuery, plan: TextPlan) -> dict[str, Any]:
    """The facet counts, a request of their own sent in the same ``_msearch`` (the search for
    hits then carries no aggregation). Every match is counted by kind; the other facet fields
    are counted on the best-ranked FACET_EXACT_LIMIT matches of each index (a ``sampler``:
    exact below that many, a sample beyond), split by kind, so that each kind's sample is
    scaled to that kind's own number of matches (``facet_estimates``). The sample is ranked
    by the words alone: the bonuses change no match, and at a million texts they cost up to
    four times the words' scoring ("personal data")."""
    facets = {f: {"terms": {"field": f, "size": FACET_SIZE}} for f in SAMPLED_FACETS}
    kinds = {"terms": {"field": "kind", "size": FACET_SIZE}}
    return {
        "query": build_scored_query(query, plan, bonuses=False),
        "size": 0,
        "track_total_hits": False,
        "aggs": {
            "kind": kinds,
            "best": {
                "sampler": {"shard_size": FACET_EXACT_LIMIT},
                "aggs": {"kind": {**kinds, "aggs": facets}},
            },
        },
    }


def facet_estimates(aggs: dict[str, Any]) -> tuple[dict[str, dict[str, int]], bool]:
    """The facet counts of ``build_facets_body``'s aggregations, and whether they are exact:
    the kinds as counted; every other value as counted in each kind's sample, times that
    kind's matches over its sampled ones."""
    matches = {b["key"]: b["doc_count"] for b in aggs.get("kind", {}).get("buckets", [])}
    estimates: dict[str, dict[str, float]] = {f: {} for f in SAMPLED_FACETS}
    exact = True
    for sample in aggs.get("best", {}).get("kind", {}).get("buckets", []):
        sampled, counted = sample["doc_count"], matches.get(sample["key"], 0)
        exact = exact and sampled >= counted
        scale = counted / sampled if sampled else 0.0
        for name, values in estimates.items():
            for b in sample.get(name, {}).get("buckets", []):
                values[b["key"]] = values.get(b["key"], 0.0) + b["doc_count"] * scale
    facets = {"kind": matches}
    for name, values in estimates.items():
        ranked = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE]
        facets[name] = {key: round(n) for key, n in ranked}
    return {name: facets[name] for name in FACET_FIELDS}, exact


def build_search_body(query: SearchQuery, plan: TextPlan) -> dict[str, Any]:
    """The page of hits: newest first without text; with text, every match ranked by score,
    ties by ``seq``. Matches are counted up to TOTAL_EXACT_LIMIT."""
    body: dict[str, Any] = {
        "size": query.limit,
        "_source": {"excludes": SOURCE_EXCLUDES},
        "track_total_hits": TOTAL_EXACT_LIMIT,
    }
    body["query"] = build_scored_query(query, plan)
    body["sort"] = [{"_score": "desc"}, {"seq": "asc"}] if plan.clauses else [{"seq": "asc"}]
    if query.search_after:
        body["search_after"] = query.search_after
    else:
        body["from"] = query.offset
    return body


def build_requests(query: SearchQuery, plan: TextPlan) -> list[dict[str, Any]]:
    """The search for hits and the facet sample (when asked)."""
    bodies = [build_search_body(query, plan)]
    if query.facets:
        bodies.append(build_facets_body(query, plan))
    return bodies


def build_doc_freq_body(stems: list[str]) -> dict[str, Any]:
    """How many documents hold each stem, per text field: what ``kb.similar`` weighs a
    text's words by, counted as the embedded backend counts them."""
    return {
        "size": 0,
        "aggs": {
            field: {"filters": {"filters": {
                f"t{i}": {"term": {field: s}} for i, s in enumerate(stems)
            }}}
            for field in FIELD_WEIGHTS
        },
    }


SUGGEST_SIZE = 50  # candidates per field of a term suggestion


def build_term_suggest_body(term: str, max_edits: int, prefix_length: int) -> dict[str, Any]:
    """Lucene's spell checker over each text field's own terms: candidates within the edits,
    sharing the first letters, whatever the frequency of ``term`` (``kb.suggest`` ranks)."""
    options = {
        "suggest_mode": "always",
        "max_edits": max_edits,
        "prefix_length": prefix_length,
        "min_word_length": 1,
        "size": SUGGEST_SIZE,
        "max_inspections": 10,
        "max_term_freq": 2**31 - 1,
        "accuracy": 0.0,
        "string_distance": "damerau_levenshtein",
        "sort": "score",
    }
    return {
        "size": 0,
        "track_total_hits": False,
        "suggest": {"text": term, **{f: {"term": {"field": f, **options}} for f in FIELD_WEIGHTS}},
    }


_DONE = object()


def prefetched(items: Iterable[Any], size: int = 2000) -> Iterator[Any]:
    """Produce items in a background thread while the caller waits on the network.

    Documents are analysed in Python while the node indexes the previous chunk; an error in
    the producer (even an interrupt) is raised again in the caller, so a failed build still
    fails loudly.
    """
    buffer: queue.Queue = queue.Queue(maxsize=size)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            buffer.put(exc)

    thread = threading.Thread(target=produce, name="regkb-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def _reason(exc: ApiError) -> str:
    try:
        return str(exc.body["error"]["root_cause"][0]["reason"])
    except (KeyError, IndexError, TypeError):
        return str(exc.message)


DOC_FREQ_TTL = 60.0  # seconds a term's statistics are trusted without asking again


class _Recent:
    """Answers about the index's terms, each trusted for ``ttl`` seconds: did-you-mean asks
    about a search's words, and asks again for each page and each facet clicked of the same
    search, each asking a request to the node. Forgotten when this process switches the
    aliases (another process's reindex is seen within the TTL)."""

    def __init__(self, ttl: float = DOC_FREQ_TTL, size: int = 50_000):
        self.ttl, self.size = ttl, size
        self._known: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> Any | None:
        known = self._known.get(key)
        if known is None or time.monotonic() - known[0] >= self.ttl:
            return None
        return known[1]

    def put(self, key: Any, value: Any) -> None:
        if len(self._known) >= self.size:
            self._known.clear()
        self._known[key] = (time.monotonic(), value)

    def clear(self) -> None:
        self._known.clear()


class ElasticBackend(Backend):
    name = "elasticsearch"

    def __init__(
        self, client: Elasticsearch, prefix: str = "regkb", shards: int = 1, replicas: int = 0
    ):
        self.es = client
        self.prefix = prefix
        self.shards = shards  # of each new generation: a cluster wants replicas, a node none
        self.replicas = replicas
        self._doc_freqs = _Recent()  # term -> document frequency in its commonest field
        self._suggestions = _Recent()  # (term, edits, prefix) -> ``suggest_terms``

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticBackend:
        kwargs: dict[str, Any] = {
            "request_timeout": settings.elasticsearch_timeout,
            "retry_on_timeout": False,
            "max_retries": 1,
            # bulk requests are mostly JSON encoding: orjson does it several times faster
            "serializer": OrjsonSerializer(),
        }
        if settings.elasticsearch_api_key:
            kwargs["api_key"] = settings.elasticsearch_api_key
        elif settings.elasticsearch_username:
            kwargs["basic_auth"] = (
                settings.elasticsearch_username,
                settings.elasticsearch_password or "",
            )
        if settings.elasticsearch_ca_certs:
            kwargs["ca_certs"] = str(settings.elasticsearch_ca_certs)
        hosts = settings.elasticsearch_hosts
        if any(url.startswith("https") for url in hosts):
            kwargs["verify_certs"] = settings.elasticsearch_verify_certs
        return cls(
            Elasticsearch(hosts, **kwargs),
            settings.index_prefix,
            shards=settings.elasticsearch_shards,
            replicas=settings.elasticsearch_replicas,
        )

    # -- names -------------------------------------------------------------------------
    def alias(self, kind_index: str) -> str:
        return f"{self.prefix}-{kind_index}"

    @property
    def aliases(self) -> str:
        return ",".join(self.alias(k) for k in KIND_INDEX.values())

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a client call, turning connection failures into BackendUnavailable."""
        try:
            return fn(*args, **kwargs)
        except TransportError as exc:
            raise BackendUnavailable(f"Elasticsearch is unreachable: {exc}") from exc
        except ApiError as exc:
            if exc.meta.status == 404:
                raise BackendUnavailable(
                    "no regkb index on this Elasticsearch cluster: run `kb index`"
                ) from exc
            if exc.meta.status == 400:
                raise InvalidQuery(f"Elasticsearch refused the request: {_reason(exc)}") from exc
            if exc.meta.status >= 500 or exc.meta.status == 429:
                raise BackendUnavailable(f"Elasticsearch error {exc.meta.status}: {exc}") from exc
            raise

    # -- build -------------------------------------------------------------------------
    def generations(self) -> list[int]:
        found = self._call(
            self.es.indices.get,
            index=f"{self.prefix}-*",
            expand_wildcards="open,closed",
            ignore_unavailable=True,
        )
        numbers = set()
        for name in found:
            match = re.fullmatch(rf"{re.escape(self.prefix)}-[a-z-]+-(\d{{6}})", name)
            if match:
                numbers.add(int(match.group(1)))
        return sorted(numbers)

    def current_generation(self) -> int | None:
        try:
            found = self.es.indices.get_alias(name=self.alias("provisions"))
        except ApiError as exc:
            if exc.meta.status == 404:
                return None
            raise
        except TransportError as exc:
            raise BackendUnavailable(f"Elasticsearch is unreachable: {exc}") from exc
        names = list(found)
        return int(names[0].rsplit("-", 1)[1]) if names else None

    @staticmethod
    def mapping(kind_index: str) -> dict[str, Any]:
        return json.loads((MAPPINGS_DIR / f"{kind_index}.json").read_text())

    @staticmethod
    def source(doc: IndexDoc) -> IndexDoc:
        """The document as this backend stores it: text fields stemmed (in place)."""
        for field in STEMMED_FIELDS:
            doc[field] = f"{indexed_terms(doc.get(field) or '')} {FIELD_SENTINEL}"
        doc[TAG_FIELD] = f"{doc.get(TAG_FIELD) or ''} {FIELD_SENTINEL}"
        return doc

    def _actions(
        self, docs: Iterable[IndexDoc], names: dict[str, str], counts: dict[str, int]
    ) -> Iterator[dict[str, Any]]:
        seen: set[str] = set()
        for doc in docs:
            if doc["id"] in seen:
                raise IndexBuildError(f"duplicate document id {doc['id']!r}")
            seen.add(doc["id"])
            kind_index = KIND_INDEX[doc["kind"]]
            counts[kind_index] += 1
            yield {
                "_op_type": "create",
                "_index": names[kind_index],
                "_id": doc["id"],
                "_source": self.source(doc),
            }

    def rebuild(
        self, docs: Iterable[IndexDoc], progress: Progress | None = None, chunk_size: int = 1000
    ) -> BuildReport:
        with frozen_heap():
            return self._rebuild(docs, progress, chunk_size)

    def _rebuild(
        self, docs: Iterable[IndexDoc], progress: Progress | None, chunk_size: int
    ) -> BuildReport:
        started = time.monotonic()
        existing = self.generations()
        gen = (max(existing) + 1) if existing else 1
        names = {k: f"{self.prefix}-{k}-{gen:06d}" for k in KIND_INDEX.values()}
        counts = dict.fromkeys(names, 0)
        rejected: list[dict[str, str]] = []
        try:
            for kind_index, name in names.items():
                body = self.mapping(kind_index)
                body["settings"] = {
                    **body["settings"],
                    "refresh_interval": "-1",
                    "number_of_shards": self.shards,
                    "number_of_replicas": self.replicas,
                }
                self._call(self.es.indices.create, index=name, **body)
            done = 0
            for ok, item in helpers.streaming_bulk(
                self.es.options(request_timeout=120),
                prefetched(self._actions(docs, names, counts)),
                chunk_size=chunk_size,
                raise_on_error=False,
                raise_on_exception=True,
                max_retries=3,
            ):
                done += 1
                if not ok:
                    info = next(iter(item.values()))
                    reason = info.get("error", {})
                    rejected.append(
                        {
                            "id": str(info.get("_id")),
                            "reason": reason.get("reason", str(reason))
                            if isinstance(reason, dict)
                            else str(reason),
                        }
                    )
                if progress and done % chunk_size == 0:
                    progress(done)
            if progress:
                progress(done)
            if rejected:
                sample = "; ".join(f"{r['id']}: {r['reason']}" for r in rejected[:5])
                raise IndexBuildError(
                    f"{len(rejected)} documents rejected, previous index kept ({sample})"
                )
            for name in names.values():
                self._call(
                    self.es.indices.put_settings,
                    index=name,
                    settings={"index": {"refresh_interval": "1s"}},
                )
            self._call(self.es.indices.refresh, index=",".join(names.values()))
            # one segment per index: a generation is never written again, and a text search
            # ranks the first matches in document order, which one sorted segment makes the
            # newest (several segments are searched in their own order)
            self._call(
                self.es.options(request_timeout=MERGE_TIMEOUT).indices.forcemerge,
                index=",".join(names.values()),
                max_num_segments=1,
            )
            for kind_index, name in names.items():
                stored = self._call(self.es.count, index=name)["count"]
                if stored != counts[kind_index]:
                    raise IndexBuildError(
                        f"{name} holds {stored} documents, expected {counts[kind_index]}; "
                        "previous index kept"
                    )
            self._switch(names)
        except BaseException as exc:
            self._drop(list(names.values()))
            if isinstance(
                exc,
                IndexBuildError
                | BackendUnavailable
                | KeyboardInterrupt
                | SystemExit
                | InvalidQuery,
            ):
                if isinstance(exc, IndexBuildError):
                    exc.rejected = rejected  # type: ignore[attr-defined]
                raise
            raise IndexBuildError(f"index build failed, previous index kept: {exc}") from exc
        old = [f"{self.prefix}-{k}-{g:06d}" for g in existing for k in KIND_INDEX.values()]
        self._drop(old)
        return BuildReport(sum(counts.values()), f"{gen:06d}", time.monotonic() - started, rejected)

    def _switch(self, names: dict[str, str]) -> None:
        """Move every alias to the new generation in one atomic request."""
        actions: list[dict[str, Any]] = []
        for kind_index, name in names.items():
            alias = self.alias(kind_index)
            actions.append(
                {
                    "remove": {
                        "index": f"{self.prefix}-{kind_index}-*",
                        "alias": alias,
                        "must_exist": False,
                    }
                }
            )
            actions.append({"add": {"index": name, "alias": alias}})
        self._call(self.es.indices.update_aliases, actions=actions)
        self._doc_freqs.clear()
        self._suggestions.clear()

    def _drop(self, names: list[str]) -> None:
        for name in names:
            with contextlib.suppress(ApiError, TransportError):
                self.es.indices.delete(index=name, ignore_unavailable=True)

    def exists(self) -> bool:
        """The aliases point at indices of the current mappings (older ones are rebuilt)."""
        try:
            found = self.es.indices.get_mapping(index=self.alias("provisions"))
        except (ApiError, TransportError):
            return False
        wanted = self.mapping("provisions")["mappings"]["_meta"]["regkb_mapping_version"]
        return any(
            m.get("mappings", {}).get("_meta", {}).get("regkb_mapping_version") == wanted
            for m in found.values()
        )

    # -- reading -----------------------------------------------------------------------
    def get(self, doc_id: str) -> IndexDoc | None:
        docs = self.get_many([doc_id])
        return docs[0] if docs else None

    def get_many(self, doc_ids: list[str]) -> list[IndexDoc]:
        if not doc_ids:
            return []
        res = self._call(
            self.es.search,
            index=self.aliases,
            size=len(doc_ids),
            query={"ids": {"values": doc_ids}},
            source={"excludes": SOURCE_EXCLUDES},
        )
        found = {h["_id"]: h["_source"] for h in res["hits"]["hits"]}
        return [found[i] for i in doc_ids if i in found]

    def provisions_of(self, instrument_id: str, limit: int = 10_000) -> list[IndexDoc]:
        res = self._call(
            self.es.search,
            index=self.alias("provisions"),
            size=min(limit, 10_000),
            query={"term": {"instrument_id": instrument_id}},
            sort=[{"order": "asc"}, {"id": "asc"}],
            source={"excludes": SOURCE_EXCLUDES},
        )
        return [h["_source"] for h in res["hits"]["hits"]]

    def _header(self) -> dict[str, Any]:
        return {"index": self.aliases, "search_type": SEARCH_TYPE}

    def show_query(self, query: SearchQuery) -> str:
        lines = []
        for body in build_requests(query, query.parsed().plan()):
            lines += [json.dumps(self._header()), json.dumps(body, ensure_ascii=False)]
        return "POST /_msearch\n" + "\n".join(lines)

    @staticmethod
    def _checked(responses: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for res in responses:
            if "error" in res:
                error = res["error"]
                status = res.get("status", 500)
                reason = error.get("root_cause", [{}])[0].get("reason") if isinstance(
                    error, dict) else str(error)
                if status == 400:
                    raise InvalidQuery(f"Elasticsearch refused the request: {reason}")
                raise BackendUnavailable(f"Elasticsearch error in msearch: {error}")
        return responses

    def _result(
        self, responses: list[dict[str, Any]], parsed: ParsedQuery, query: SearchQuery
    ) -> SearchResult:
        res = self._checked(responses)[0]
        hits = [
            make_hit(h["_source"], parsed, h.get("_score") or 0.0, h.get("sort"))
            for h in res["hits"]["hits"]
        ]
        counted = res["hits"]["total"]
        total, total_exact = counted["value"], counted.get("relation", "eq") == "eq"
        facets: dict[str, dict[str, int]] = {}
        exact = True
        if query.facets:
            facets, exact = facet_estimates(responses[-1].get("aggregations") or {})
        return SearchResult(
            total=total,
            total_exact=total_exact,
            hits=hits,
            facets=facets,
            facets_exact=exact,
        )

    def search(self, query: SearchQuery) -> SearchResult:
        return self.search_many([query])[0]

    def search_many(self, queries: list[SearchQuery]) -> list[SearchResult]:
        """All queries (with their facet samples) in one ``_msearch`` round trip."""
        if not queries:
            return []
        parsed = [q.parsed() for q in queries]
        searches: list[dict[str, Any]] = []
        sizes = []
        for q, p in zip(queries, parsed, strict=True):
            bodies = build_requests(q, p.plan())
            sizes.append(len(bodies))
            for body in bodies:
                searches.extend((self._header(), body))
        responses = self._call(self.es.msearch, searches=searches)["responses"]
        out = []
        for q, p, n in zip(queries, parsed, sizes, strict=True):
            out.append(self._result(responses[:n], p, q))
            responses = responses[n:]
        return out

    def more_like_this(
        self, text: str, query: SearchQuery, exclude_ids: Iterable[str] = (),
        topics: Iterable[str] = (),
    ) -> list[Hit]:
        """The probes of ``kb.similar`` (the text's own words, its glossary terms' and topics'
        names in the other language), each a plan searched like any query, merged: the terms
        and ranking of the embedded backend, not Lucene's own more-like-this."""
        doc_freq = self.term_doc_freqs
        if not words(text):
            return []
        exclude = set(exclude_ids)
        probe = query.model_copy(update={
            "text": "", "offset": 0, "search_after": None,
            "limit": min(MAX_MLT, query.limit + len(exclude)), "facets": False,
        })
        counted = self._call(self.es.count, index=self.aliases)["count"]
        found = similar.probes(text, doc_freq, max(1, counted), topics)
        if not found:
            return []
        searches: list[dict[str, Any]] = []
        for item in found:
            searches.extend((self._header(), build_search_body(probe, item.plan)))
        responses = self._checked(self._call(self.es.msearch, searches=searches)["responses"])
        rankings = [
            [make_hit(h["_source"], item.parsed, h.get("_score") or 0.0)
             for h in res["hits"]["hits"]]
            for item, res in zip(found, responses, strict=True)
        ]
        return similar.merge(rankings, exclude, query.limit)

    def term_doc_freqs(self, terms: list[str]) -> dict[str, int]:
        """How many documents hold each term, in its commonest field; read from the node at
        most once per DOC_FREQ_TTL seconds (``_Recent``)."""
        out = {t: f for t in terms if (f := self._doc_freqs.get(t)) is not None}
        missing = list(dict.fromkeys(t for t in terms if t not in out))
        if missing:
            res = self._call(self.es.search, index=self.aliases,
                             body=build_doc_freq_body(missing))
            aggs = res["aggregations"]
            for i, term in enumerate(missing):
                out[term] = max(aggs[f]["buckets"][f"t{i}"]["doc_count"] for f in FIELD_WEIGHTS)
                self._doc_freqs.put(term, out[term])
        return {t: out[t] for t in terms}

    def suggest_terms(
        self, term: str, max_edits: int = 2, prefix_length: int = 1
    ) -> list[tuple[str, int]]:
        """The term suggester on each text field; its frequencies are summed over the three
        indices, as one index counts them on the embedded backend. Asked of the node at most
        once per DOC_FREQ_TTL seconds (``_Recent``): it walks every field's terms."""
        max_edits = max(1, min(2, max_edits))
        prefix_length = effective_prefix(max_edits, prefix_length)
        if not term.strip() or len(term.split()) != 1:
            return []
        key = (term, max_edits, prefix_length)
        known = self._suggestions.get(key)
        if known is not None:
            return list(known)
        body = build_term_suggest_body(term, max_edits, prefix_length)
        res = self._call(self.es.search, index=self.aliases, body=body)
        found: dict[str, int] = {}
        for field in FIELD_WEIGHTS:
            for entry in res.get("suggest", {}).get(field, []):
                for option in entry["options"]:
                    found[option["text"]] = max(found.get(option["text"], 0), option["freq"])
        close = close_terms(term, found, max_edits, prefix_length)
        self._suggestions.put(key, tuple(close))
        return close

    def counts(self, field_a: str, field_b: str, query: SearchQuery) -> dict[str, dict[str, int]]:
        body = {
            "query": build_match_query(query, query.parsed().plan()),
            "size": 0,
            "aggs": {
                "a": {
                    "terms": {"field": field_a, "size": 300},
                    "aggs": {"b": {"terms": {"field": field_b, "size": 300}}},
                }
            },
        }
        res = self._call(self.es.search, index=self.aliases, body=body)
        return {
            a["key"]: {b["key"]: b["doc_count"] for b in a["b"]["buckets"]}
            for a in res["aggregations"]["a"]["buckets"]
        }

    def stats(self) -> dict[str, Any]:
        body = {
            "size": 0,
            "aggs": {
                "kinds": {"terms": {"field": "kind"}},
                "records": {
                    "filter": {"terms": {"kind": ["instrument", "case-note"]}},
                    "aggs": {
                        "jur": {
                            "terms": {"field": "jurisdictions", "size": 300},
                            "aggs": {"kind": {"terms": {"field": "kind"}}},
                        },
                        "sectors": {"terms": {"field": "sectors", "size": 20}},
                    },
                },
            },
        }
        res = self._call(self.es.search, index=self.aliases, body=body)
        aggs = res["aggregations"]
        kinds = {b["key"]: b["doc_count"] for b in aggs["kinds"]["buckets"]}
        by_jur = {}
        for b in aggs["records"]["jur"]["buckets"]:
            k = {x["key"]: x["doc_count"] for x in b["kind"]["buckets"]}
            by_jur[b["key"]] = {
                "instruments": k.get("instrument", 0),
                "case_notes": k.get("case-note", 0),
            }
        size = self._call(self.es.indices.stats, index=self.aliases, metric="store")
        return {
            "backend": self.name,
            "generation": f"{self.current_generation() or 0:06d}",
            "instruments": kinds.get("instrument", 0),
            "provisions": kinds.get("provision", 0),
            "case_notes": kinds.get("case-note", 0),
            "by_jurisdiction": dict(sorted(by_jur.items())),
            "by_sector": dict(
                sorted((b["key"], b["doc_count"]) for b in aggs["records"]["sectors"]["buckets"])
            ),
            "index_bytes": size["_all"]["primaries"]["store"]["size_in_bytes"],
            "health": self.health(),
        }

    def health(self) -> dict[str, Any]:
        try:
            health = self.es.cluster.health(timeout="2s")
        except (ApiError, TransportError) as exc:
            return {"status": "unavailable", "detail": f"Elasticsearch is unreachable: {exc}"}
        if not self.exists():
            return {"status": "empty", "detail": "no regkb index on the cluster: run `kb index`"}
        return {
            "status": "ok" if health["status"] in ("green", "yellow") else "unavailable",
            "detail": f"cluster {health['cluster_name']} is {health['status']}",
        }

    def close(self) -> None:
        self.es.close()
