"""Query parameters shared by search-like routes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Query

from kb.search import MAX_LIMIT, MAX_OFFSET, MAX_QUERY_LENGTH, SearchQuery

ListParam = Annotated[list[str] | None, Query()]


async def search_query(
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
    """The query of /v1/search: FastAPI reads and documents the parameters, and
    ``SearchQuery.from_params`` (the CLI's and the notebooks' too) checks their values. A
    coroutine, so checking them (microseconds) runs on the event loop instead of waiting for
    a thread of the pool; the search itself still runs in one."""
    return SearchQuery.from_params(
        q,
        jurisdiction=jurisdiction,
        sector=sector,
        topic=topic,
        kind=kind,
        type=type,
        status=status,
        language=language,
        strength=strength,
        agreement=agreement,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
        after=after,
        facets=facets,
    )
