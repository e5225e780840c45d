from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.deps import KBDep
from api.params import search_query
from kb.search import SearchQuery, SearchResult

router = APIRouter(prefix="/v1", tags=["search"])


@router.get("/search", response_model=SearchResult, response_model_exclude={"query"})
def search(kb: KBDep, query: Annotated[SearchQuery, Depends(search_query)]) -> SearchResult:
    """Search instruments, provisions and case notes with filters, facets and snippets."""
    return kb.search(query)
