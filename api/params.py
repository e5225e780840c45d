"""Query parameters shared by search-like routes."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Annotated, Any

from fastapi import Query

from kb.errors import InvalidQuery
from kb.search import MAX_LIMIT, MAX_OFFSET, MAX_QUERY_LENGTH, SearchQuery

ListParam = Annotated[list[str] | None, Query()]


def search_query(
    q: Annotated[
        str,
        Query(
            max_length=MAX_QUERY_LENGTH,
            description='Words, "phrases", -excluded, OR; English or Vietnamese',
        ),
    ] = "",
    jurisdiction: Annotated[
        list[str] | None, Query(description="code or group (ipef); repeatable")
    ] = None,
    sector: ListParam = None,
    topic: Annotated[
        list[str] | None, Query(description="topic id or label, either language")
    ] = None,
    kind: Annotated[list[str] | None, Query(description="instrument, provision, case-note")] = None,
    type: ListParam = None,  # noqa: A002 - the public parameter name
    status: ListParam = None,
    language: ListParam = None,
    strength: ListParam = None,
    agreement: ListParam = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    after: Annotated[
        str | None,
        Query(
            max_length=100,
            description="The `sort` of the last hit of the previous page, as JSON "
            "(e.g. [7.03, 1042]): the page starts after it, at any depth (offset stops at "
            f"{MAX_OFFSET:,})",
        ),
    ] = None,
    facets: bool = True,
) -> SearchQuery:
    return SearchQuery(
        text=q,
        jurisdictions=jurisdiction or [],
        sectors=sector or [],
        topics=topic or [],
        kinds=kind or [],
        doc_types=type or [],
        statuses=status or [],
        languages=language or [],
        strengths=strength or [],
        agreements=agreement or [],
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
        search_after=_sort_value(after),
        facets=facets,
    )


MAX_SORT_VALUE = 2**53  # a hit's sort key survives JSON as a double: nothing real is larger


def _sort_value(after: str | None) -> list[Any] | None:
    """The ``after`` list, with only finite numbers of a sane size: JSON parsing turns
    ``Infinity``, ``NaN`` and ``1e309`` into floats that no row id or score can match."""
    if after is None:
        return None
    try:
        value = json.loads(after)
    except ValueError:
        value = None
    if not isinstance(value, list):
        raise InvalidQuery(f"after must be a JSON list such as [7.03, 1042], not {after!r}")
    for item in value:
        if isinstance(item, int | float) and not (
            math.isfinite(item) and abs(item) <= MAX_SORT_VALUE
        ):
            raise InvalidQuery(f"after must hold finite numbers of a sane size, not {after!r}")
    return value
