from __future__ import annotations

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
) -> Any:
    """Search instruments, provisions and case notes with filters, facets and excerpts.

    Each hit has a plain ``excerpt`` with ``highlights`` (character offsets of the matched
    words), and ``snippet``, the same excerpt as HTML with ``<mark>``.

    ``format=csv|xlsx|md`` downloads the page of results instead of JSON.
    """
    result = kb.search(query)
    if format == "json":
        with_snippets(result.hits)
        return result
    return download(export_results(result, format, lang), format, "results")
