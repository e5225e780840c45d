from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.deps import KBDep
from api.params import search_query
from api.routes.compare import download
from api.web.render import with_snippets
from kb.export import export_results
from kb.search import SearchQuery, SearchResult

router = APIRouter(prefix="/v1", tags=["search"])


@router.get("/search", response_model=SearchResult, response_model_exclude={"query"})
def search(
    kb: KBDep,
    query: Annotated[SearchQuery, Depends(search_query)],
    format: Annotated[str, Query(pattern="^(json|csv|xlsx|md)$")] = "json",  # noqa: A002
    lang: Annotated[str, Query(pattern="^(en|vi)$")] = "en",
    bound: Annotated[str | None, Query(
        max_length=3, description="Keep treaty text of agreements binding this party (vn)")] = None,
    bound_on: Annotated[dt.date | None, Query(description="date for bound (default today)")] = None,
) -> Any:
    """Search instruments, provisions and case notes with filters, facets and excerpts.

    Each hit has a plain ``excerpt`` with ``highlights`` (character offsets of the matched
    words), and ``snippet``, the same excerpt as HTML with ``<mark>``.

    ``format=csv|xlsx|md`` downloads the page of results instead of JSON.

    ``bound=vn`` keeps only the texts of agreements in force for Viet Nam on ``bound_on``
    (default today), within any ``agreement`` asked for.
    """
    result = kb.search(query, bound=bound, bound_on=bound_on) if bound else kb.search(query)
    if format == "json":
        with_snippets(result.hits)
        return result
    return download(export_results(result, format, lang), format, "results")
