"""Elasticsearch backend: one index per record kind behind an alias, rebuilt by generations.

A rebuild writes every document into a fresh generation (``regkb-provisions-000007``), checks
that nothing was rejected and that the counts match, and only then moves all aliases in one
atomic ``_aliases`` call; older generations are deleted afterwards. A build that fails or is
interrupted leaves the aliases on the previous complete generation.

Queries are made by small named builders; the text fields they search hold the folded text from
``kb.text`` stemmed in Python (``kb.text.stemmed``: the Porter algorithm FTS5 applies on the
embedded backend), so no analysis plugin is needed and the terms are those of the embedded
backend.

Each index is sorted by ``seq`` (newest first, ``kb.documents.index_order``) and merged to one
segment once built. Listing without a query follows that order, and a text search ranks the
first ``rank_window`` matches of each index (the newest) by relevance and lists any others
after them, newest first, as the embedded backend does: scoring, not matching, is what costs
in a broad search, so its cost stays bounded however large the index grows.
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

from kb.backends.base import Backend, BuildReport, Progress, frozen_heap
from kb.config import Settings
from kb.documents import FACET_FIELDS, IndexDoc
from kb.errors import BackendUnavailable, IndexBuildError, InvalidQuery
from kb.search import (
    FACET_EXACT_LIMIT,
    RANK_WINDOW,
    TOTAL_EXACT_LIMIT,
    Hit,
    ParsedQuery,
    Phrase,
    SearchQuery,
    SearchResult,
    make_hit,
)
from kb.text import stem, stemmed, words

MAPPINGS_DIR = Path(__file__).resolve().parents[2] / "mappings"
KIND_INDEX = {"instrument": "instruments", "provision": "provisions", "case-note": "case-notes"}
TEXT_FIELDS = ("a_title^8", "a_heading^4", "a_body", "a_tags^2")
FACET_SIZE = 60
SOURCE_EXCLUDES = ["a_title", "a_heading", "a_body", "a_tags"]
STEMMED_FIELDS = ("a_title", "a_heading", "a_body")
MERGE_TIMEOUT = 3600  # seconds: merging a generation of millions of provisions takes minutes


# -- query builders (pure functions, printed by `kb search --show-query`) ---------------------
def build_phrase_query(phrase: Phrase) -> dict[str, Any]:
    return {
        "multi_match": {
            "query": " ".join(stem(word) for word in phrase),
            "fields": list(TEXT_FIELDS),
            "type": "phrase",
        }
    }


def build_fulltext_query(parsed: ParsedQuery) -> dict[str, Any]:
    """Every clause required (each an OR of phrases); excluded phrases must not match."""
    must = []
    for alternatives in parsed.clauses:
        if len(alternatives) == 1:
            must.append(build_phrase_query(alternatives[0]))
        else:
            must.append(
                {
                    "bool": {
                        "should": [build_phrase_query(p) for p in alternatives],
                        "minimum_should_match": 1,
                    }
                }
            )
    query: dict[str, Any] = {"must": must or [{"match_all": {}}]}
    if parsed.excluded:
        query["must_not"] = [build_phrase_query(p) for p in parsed.excluded]
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


def build_match_query(query: SearchQuery, parsed: ParsedQuery) -> dict[str, Any]:
    """Every match, unscored (filter context): for counting, facets and listing."""
    return {"bool": {"filter": [build_fulltext_query(parsed), *build_filters(query)]}}


def build_facets_body(query: SearchQuery, parsed: ParsedQuery) -> dict[str, Any]:
    """Terms aggregations over the first FACET_EXACT_LIMIT matches each index collects, the
    newest (exact below that many, a sample beyond, as on the embedded backend). A request of
    its own, sent in the same ``_msearch``: the search for hits then needs no aggregation."""
    return {
        "query": build_match_query(query, parsed),
        "size": 0,
        "track_total_hits": False,
        "terminate_after": FACET_EXACT_LIMIT,
        "aggs": {f: {"terms": {"field": f, "size": FACET_SIZE}} for f in FACET_FIELDS},
    }


def build_count_body(query: SearchQuery, parsed: ParsedQuery) -> dict[str, Any]:
    """Matches counted up to TOTAL_EXACT_LIMIT, unscored: the count stops there."""
    return {
        "query": build_match_query(query, parsed),
        "size": 0,
        "track_total_hits": TOTAL_EXACT_LIMIT,
    }


def build_search_body(
    query: SearchQuery, parsed: ParsedQuery, window: int = RANK_WINDOW
) -> dict[str, Any]:
    """The page of hits: newest first without text; with text, the first ``window`` matches of
    each index in index order (``terminate_after``; indices are sorted by ``seq``, so these
    are the newest) ranked by relevance. Its total is then the number ranked; scoring them
    all (``track_total_hits: true``) costs less here than pruning for the top hits, which
    these multi-field disjunctions rarely allow."""
    body: dict[str, Any] = {"size": query.limit, "_source": {"excludes": SOURCE_EXCLUDES}}
    if parsed.empty:
        body.update(
            query={"bool": {"filter": build_filters(query)}},
            track_total_hits=TOTAL_EXACT_LIMIT,
            sort=[{"seq": "asc"}],
        )
    else:
        body.update(
            query={
                "bool": {"must": [build_fulltext_query(parsed)], "filter": build_filters(query)}
            },
            track_total_hits=True,
            terminate_after=window,
            sort=[{"_score": "desc"}, {"seq": "asc"}],
        )
    after = query.search_after
    if after and (parsed.empty or len(after) == 2):
        body["search_after"] = after
    elif after:  # a hit listed after the ranked ones: this page lies past them
        body["size"] = 0
    else:
        body["from"] = query.offset
    return body


def build_window_edge_body(
    query: SearchQuery, parsed: ParsedQuery, window: int = RANK_WINDOW
) -> dict[str, Any]:
    """The ``window``-th match of one index in index order: the last one ranked there."""
    return {
        "query": build_match_query(query, parsed),
        "size": 1,
        "from": window - 1,
        "_source": False,
        "track_total_hits": False,
        "sort": [{"seq": "asc"}],
    }


def build_listed_body(
    query: SearchQuery, parsed: ParsedQuery, edges: dict[str, int], start: int, size: int
) -> dict[str, Any]:
    """Matches past the ranked ones (``seq`` beyond each index's window edge), newest first."""
    past = [
        {"bool": {"filter": [{"term": {"_index": index}}, {"range": {"seq": {"gt": edge}}}]}}
        for index, edge in sorted(edges.items())
    ]
    match = build_match_query(query, parsed)
    match["bool"]["filter"].append({"bool": {"should": past, "minimum_should_match": 1}})
    body: dict[str, Any] = {
        "query": match,
        "size": size,
        "track_total_hits": False,
        "_source": {"excludes": SOURCE_EXCLUDES},
        "sort": [{"seq": "asc"}],
    }
    after = query.search_after
    if after and len(after) == 1:
        body["search_after"] = after
    else:
        body["from"] = start
    return body


def build_requests(
    query: SearchQuery, parsed: ParsedQuery, window: int = RANK_WINDOW
) -> list[dict[str, Any]]:
    """The search for hits, the count (for a text search) and the facet sample (when asked)."""
    bodies = [build_search_body(query, parsed, window)]
    if not parsed.empty:
        bodies.append(build_count_body(query, parsed))
    if query.facets:
        bodies.append(build_facets_body(query, parsed))
    return bodies


def build_more_like_this(terms: list[str], query: SearchQuery) -> dict[str, Any]:
    return {
        "query": {
            "bool": {
                "must": [
                    {
                        "more_like_this": {
                            "fields": ["a_title", "a_heading", "a_body"],
                            "like": " ".join(stem(t) for t in terms),
                            "min_term_freq": 1,
                            "min_doc_freq": 1,
                            "max_query_terms": 25,
                            "minimum_should_match": "10%",
                        }
                    }
                ],
                "filter": build_filters(query),
            }
        },
        "size": query.limit,
        "_source": {"excludes": SOURCE_EXCLUDES},
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


class ElasticBackend(Backend):
    name = "elasticsearch"

    def __init__(self, client: Elasticsearch, prefix: str = "regkb"):
        self.es = client
        self.prefix = prefix

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
        if settings.elasticsearch_url.startswith("https"):
            kwargs["verify_certs"] = settings.elasticsearch_verify_certs
        return cls(Elasticsearch(settings.elasticsearch_url, **kwargs), settings.index_prefix)

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
            doc[field] = stemmed(doc[field])
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
                body["settings"] = {**body["settings"], "refresh_interval": "-1"}
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

    def show_query(self, query: SearchQuery) -> str:
        lines = []
        for body in build_requests(query, query.parsed(), self.rank_window):
            lines += [json.dumps({"index": self.aliases}), json.dumps(body, ensure_ascii=False)]
        return "POST /_msearch\n" + "\n".join(lines)

    @staticmethod
    def _checked(responses: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for res in responses:
            if "error" in res:
                raise BackendUnavailable(f"Elasticsearch error in msearch: {res['error']}")
        return responses

    def _result(
        self, responses: list[dict[str, Any]], parsed: ParsedQuery, query: SearchQuery
    ) -> SearchResult:
        res = self._checked(responses)[0]
        hits = [
            make_hit(h["_source"], parsed, h.get("_score") or 0.0, h.get("sort"))
            for h in res["hits"]["hits"]
        ]
        counted = (res if parsed.empty else responses[1])["hits"]["total"]
        total, total_exact = counted["value"], counted.get("relation", "eq") == "eq"
        ranked_all = True
        if not parsed.empty:
            ranked = res["hits"]["total"]["value"]
            ranked_all = not res.get("terminated_early") or (total_exact and total <= ranked)
            if not ranked_all:
                hits += self._listed(query, parsed, ranked, len(hits))
        facets: dict[str, dict[str, int]] = {}
        exact = True
        if query.facets:
            aggs = responses[-1].get("aggregations") or {}
            sampled = sum(b["doc_count"] for b in aggs.get("kind", {}).get("buckets", []))
            exact = total_exact and sampled >= total
            scale = 1.0 if exact or not sampled else total / sampled
            for name in FACET_FIELDS:
                buckets = aggs.get(name, {}).get("buckets", [])
                facets[name] = {b["key"]: round(b["doc_count"] * scale) for b in buckets}
        return SearchResult(
            total=total,
            total_exact=total_exact,
            hits=hits,
            facets=facets,
            facets_exact=exact,
            ranked_all=ranked_all,
        )

    def _listed(
        self, query: SearchQuery, parsed: ParsedQuery, ranked: int, found: int
    ) -> list[Hit]:
        """The rest of a page that reaches past the ranked matches: matches beyond each
        index's window, newest first. Two more requests, made only for such pages: the window
        edge of each index, then the listing."""
        after = query.search_after
        if after:  # pages by search_after: the ranked hits ran out, or were passed already
            start, size = 0, query.limit - found
        else:
            start = max(query.offset, ranked)
            size = query.offset + query.limit - start
            start -= ranked
        if size <= 0:
            return []
        window = self.rank_window
        searches: list[dict[str, Any]] = []
        for kind_index in KIND_INDEX.values():
            searches += [
                {"index": self.alias(kind_index)},
                build_window_edge_body(query, parsed, window),
            ]
        edges = {}
        for res in self._checked(self._call(self.es.msearch, searches=searches)["responses"]):
            for hit in res["hits"]["hits"]:
                edges[hit["_index"]] = hit["sort"][0]
        if not edges:
            return []
        body = build_listed_body(query, parsed, edges, start, size)
        res = self._call(self.es.search, index=self.aliases, body=body)
        return [make_hit(h["_source"], parsed, 0.0, h.get("sort")) for h in res["hits"]["hits"]]

    def search(self, query: SearchQuery) -> SearchResult:
        return self.search_many([query])[0]

    def search_many(self, queries: list[SearchQuery]) -> list[SearchResult]:
        """All queries (with their counts and facet samples) in one ``_msearch`` round trip;
        only a page reaching past the ranked matches of a broad search needs more."""
        if not queries:
            return []
        parsed = [q.parsed() for q in queries]
        searches: list[dict[str, Any]] = []
        sizes = []
        for q, p in zip(queries, parsed, strict=True):
            bodies = build_requests(q, p, self.rank_window)
            sizes.append(len(bodies))
            for body in bodies:
                searches.extend(({"index": self.aliases}, body))
        responses = self._call(self.es.msearch, searches=searches)["responses"]
        out = []
        for q, p, n in zip(queries, parsed, sizes, strict=True):
            out.append(self._result(responses[:n], p, q))
            responses = responses[n:]
        return out

    def more_like_this(
        self, text: str, query: SearchQuery, exclude_ids: Iterable[str] = ()
    ) -> list[Hit]:
        terms = words(text)
        if not terms:
            return []
        exclude = set(exclude_ids)
        probe = query.model_copy(update={"limit": query.limit + len(exclude)})
        res = self._call(
            self.es.search, index=self.aliases, body=build_more_like_this(terms, probe)
        )
        parsed = ParsedQuery(clauses=[[(t,) for t in set(terms)]])
        hits = [make_hit(h["_source"], parsed, h["_score"]) for h in res["hits"]["hits"]]
        return [h for h in hits if h.id not in exclude][: query.limit]

    def counts(self, field_a: str, field_b: str, query: SearchQuery) -> dict[str, dict[str, int]]:
        body = {
            "query": build_match_query(query, query.parsed()),
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
