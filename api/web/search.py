"""The search page: its GET parameters, the query it runs, facets with counts, and paging.

Every state of the page is a URL: filters are GET parameters, so a search can be bookmarked
and shared. Values within one filter are ORed, different filters ANDed; ``group`` narrows the
jurisdictions to the members of a group (``ipef``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import QueryParams

from api.web.i18n import label, translator
from api.web.render import group_name, jurisdiction_name, topic_name, url
from kb.asof import parse_as_of
from kb.authorities import agreement_name
from kb.core import KnowledgeBase
from kb.errors import InvalidQuery
from kb.search import MAX_OFFSET, MAX_QUERY_LENGTH, SearchQuery, SearchResult
from kb.taxonomy import jurisdictions, taxonomy

PAGE_SIZE = 10
FACET_SHOWN = 8  # values shown before "more"
# URL parameter (a SearchQuery.from_params name, but ``group``) -> (facet field in
# SearchResult.facets, i18n label prefix); agreements have no facet counts, only the chosen ones
FILTERS: dict[str, tuple[str, str | None]] = {
    "kind": ("kind", "kind"),
    "jurisdiction": ("jurisdictions", None),
    "group": ("groups", None),
    "sector": ("sectors", None),
    "topic": ("topics", None),
    "type": ("doc_type", "type"),
    "status": ("status", "status"),
    "language": ("language", "language"),
    "strength": ("strength", "strength"),
    "agreement": ("agreement", None),
}
PERIODS = ((None, 1999), (2000, 2009), (2010, 2019), (2020, None))


@dataclass
class FacetValue:
    value: str
    label: str
    count: int | None
    selected: bool


@dataclass
class Facet:
    param: str
    values: list[FacetValue]

    @property
    def shown(self) -> list[FacetValue]:
        return self.values[:FACET_SHOWN]

    @property
    def more(self) -> list[FacetValue]:
        return self.values[FACET_SHOWN:]

    @property
    def more_open(self) -> bool:
        return any(v.selected for v in self.more)


@dataclass
class Period:
    label: str
    count: int
    href: str
    selected: bool


@dataclass
class SearchState:
    """What the URL asks for."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    as_of: dt.date | None = None  # the law in force on that day (kb.asof)
    page: int = 1

    @classmethod
    def from_params(cls, params: QueryParams) -> SearchState:
        q = params.get("q", "").strip()
        if len(q) > MAX_QUERY_LENGTH:
            raise InvalidQuery(f"query too long (at most {MAX_QUERY_LENGTH} characters)")
        filters: dict[str, list[str]] = {}
        for param in FILTERS:
            values: list[str] = []
            for raw in params.getlist(param):
                for part in raw.split(","):
                    value = part.strip()
                    if param != "topic":
                        value = value.lower()
                    if value and value not in values:
                        values.append(value)
            if param == "topic":
                values = list(dict.fromkeys(taxonomy().resolve(v) for v in values))
            if values:
                filters[param] = values
        return cls(
            q=q,
            filters=filters,
            date_from=_date(params.get("date_from")),
            date_to=_date(params.get("date_to")),
            as_of=parse_as_of(params.get("as_of", "").strip() or None),
            page=_page(params.get("page")),
        )

    def params(self, dates: bool = True) -> list[tuple[str, str]]:
        """The state as GET parameters (without the page); ``dates`` False leaves out the date
        range, never ``as_of``, which changes what every period counts as law."""
        out: list[tuple[str, str]] = [("q", self.q)] if self.q else []
        for param, values in self.filters.items():
            out += [(param, v) for v in values]
        if dates:
            out += [(k, d.isoformat()) for k, d in (("date_from", self.date_from),
                                                       ("date_to", self.date_to)) if d]
        if self.as_of:
            out.append(("as_of", self.as_of.isoformat()))
        return out

    def href(self, page: int = 1, **changes: Any) -> str:
        return url("/search", self.params(), page=page if page > 1 else None, **changes)

    def with_text(self, q: str) -> str:
        """The same search (filters kept, first page) for other words: "did you mean"."""
        return url("/search", [("q", q), *((k, v) for k, v in self.params() if k != "q")])

    def without(self, param: str, value: str) -> str:
        return url("/search", [(k, v) for k, v in self.params() if (k, v) != (param, value)])

    def jurisdiction_codes(self) -> list[str] | None:
        """Jurisdiction codes to filter on; ``[]`` when jurisdiction and group exclude each
        other, ``None`` when neither is asked for."""
        juris = jurisdictions()
        codes = juris.expand(self.filters["jurisdiction"]) if "jurisdiction" in self.filters \
            else None
        if "group" in self.filters:
            members: list[str] = []
            for group in self.filters["group"]:
                if group not in juris.groups:
                    raise InvalidQuery(f"unknown group: {group!r}")
                members += [c for c in juris.members(group) if c not in members]
            codes = members if codes is None else [c for c in codes if c in members]
        return codes

    def query(self, codes: list[str] | None, dates: bool = True, **extra: Any) -> SearchQuery:
        """The search the page runs: its filters, with jurisdiction and group as ``codes``."""
        filters = {k: v for k, v in self.filters.items() if k not in ("jurisdiction", "group")}
        if dates:
            extra.update(date_from=self.date_from, date_to=self.date_to)
        extra.setdefault("as_of", self.as_of)
        return SearchQuery.from_params(self.q, jurisdiction=codes, **filters, **extra)

    def api_params(self, codes: list[str] | None) -> list[tuple[str, str]]:
        """The same search for /v1/search (groups resolved to jurisdiction codes)."""
        out = [(k, v) for k, v in self.params() if k not in ("jurisdiction", "group")]
        return out + [("jurisdiction", c) for c in codes or []]


def _date(raw: str | None) -> dt.date | None:
    if not raw or not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise InvalidQuery(f"not a date (YYYY-MM-DD): {raw!r}") from exc


def _page(raw: str | None) -> int:
    try:
        page = int(raw or 1)
    except ValueError:
        return 1
    return max(1, min(page, MAX_OFFSET // PAGE_SIZE + 1))


@dataclass
class SearchView:
    state: SearchState
    result: SearchResult
    facets: list[Facet]
    periods: list[Period]
    pages: int
    export_params: list[tuple[str, str]] | None
    active: list[tuple[str, str]]  # (label, URL without it) for each filter in use

    @property
    def first(self) -> int:
        return (self.state.page - 1) * PAGE_SIZE + 1


def run_search(kb: KnowledgeBase, state: SearchState, lang: str,
               agreement_names: dict[str, tuple[str, str]] | None = None) -> SearchView:
    """The page's search, facets and periods; ``agreement_names`` (code -> English and
    Vietnamese names, the knowledge base's own) name agreements in the filter chips."""
    codes = state.jurisdiction_codes()
    offset = (state.page - 1) * PAGE_SIZE
    if codes == []:  # jurisdiction and group filters exclude each other
        result = SearchResult(total=0, hits=[])
        periods: list[Period] = []
    else:
        result = kb.search(state.query(codes, limit=PAGE_SIZE, offset=offset))
        periods = date_periods(kb, state, codes, lang)
    pages = max(1, math.ceil(min(result.total, MAX_OFFSET + PAGE_SIZE) / PAGE_SIZE))
    return SearchView(
        state=state,
        result=result,
        facets=[facet(param, result.facets, state, lang, agreement_names) for param in FILTERS],
        periods=periods,
        pages=pages,
        export_params=None if codes == [] else state.api_params(codes),
        active=active_filters(state, lang, agreement_names),
    )


def active_filters(state: SearchState, lang: str,
                   agreement_names: dict[str, tuple[str, str]] | None = None
                   ) -> list[tuple[str, str]]:
    """(label, URL without it) for each filter in use: values by name, never by code."""
    t = translator(lang)
    out = []
    for param, value in state.params():
        if param == "q":
            continue
        if param in ("date_from", "date_to"):
            text = f"{t('date.from' if param == 'date_from' else 'date.to')} {value}"
        elif param == "as_of":
            text = f"{t('timeline.as_of')} {value}"
        else:
            text = value_label(param, value, FILTERS[param][1], lang, agreement_names)
        out.append((text, state.without(param, value)))
    return out


def facet(param: str, counts: dict[str, dict[str, int]], state: SearchState,
          lang: str, agreement_names: dict[str, tuple[str, str]] | None = None) -> Facet:
    """A filter's values: the selected ones first, then the rest by count (sectors have their
    own filter, so the topic filter leaves them out)."""
    field_name, prefix = FILTERS[param]
    found = counts.get(field_name, {})
    selected = state.filters.get(param, [])
    values = [FacetValue(v, value_label(param, v, prefix, lang, agreement_names), found.get(v),
                         True) for v in selected]
    sectors = {t.id for t in taxonomy().sectors} if param == "topic" else set()
    rest = [FacetValue(v, value_label(param, v, prefix, lang, agreement_names), n, False)
            for v, n in found.items() if v not in selected and v not in sectors]
    rest.sort(key=lambda f: (-(f.count or 0), f.label.casefold()))
    return Facet(param, values + rest)


def value_label(param: str, value: str, prefix: str | None, lang: str,
                agreement_names: dict[str, tuple[str, str]] | None = None) -> str:
    if prefix:
        return label(lang, prefix, value)
    if param == "jurisdiction":
        return jurisdiction_name(value, lang)
    if param == "group":
        return group_name(value, lang)
    if param == "agreement":
        return agreement_name(value, lang, agreement_names)
    return topic_name(value, lang)


def date_periods(kb: KnowledgeBase, state: SearchState, codes: list[str] | None,
                 lang: str) -> list[Period]:
    """Counts by period (one batched search, the date filter itself left out)."""
    t = translator(lang)
    bounds = [(dt.date(start, 1, 1) if start else None, dt.date(end, 12, 31) if end else None)
              for start, end in PERIODS]
    # counted before ``as_of`` is applied, like the facets (the index holds current texts)
    queries = [state.query(codes, dates=False, limit=1, facets=False, date_from=lo, date_to=hi,
                           as_of=None) for lo, hi in bounds]
    results = kb.search_many(queries)
    periods = []
    base = state.params(dates=False)
    for (start, end), (lo, hi), res in zip(PERIODS, bounds, results, strict=True):
        if start is None:
            text = t("date.before", year=end + 1)
        elif end is None:
            text = t("date.since", year=start)
        else:
            text = t("date.range", start=start, end=end)
        href = url("/search", base, date_from=lo.isoformat() if lo else None,
                   date_to=hi.isoformat() if hi else None)
        selected = (state.date_from, state.date_to) == (lo, hi)
        periods.append(Period(text, res.total, href, selected))
    return periods
