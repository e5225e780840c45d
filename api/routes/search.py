from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Response
from pydantic import Field

from api.deps import KBDep
from api.params import SEARCH_OPENAPI, ResultOptions, result_options, search_query
from api.routes.compare import Citations, download
from api.web.render import with_snippets
from kb.asof import parse_as_of
from kb.export import export_results
from kb.search import Hit as RankedHit
from kb.search import SearchQuery
from kb.search import SearchResult as RankedResult

router = APIRouter(prefix="/v1", tags=["search"])


# named as the models they extend, so the API schema keeps its names (Hit, SearchResult)
class Hit(RankedHit):
    """A hit with what a reader cites it by, in the language asked for (``lang``)."""

    citation: str = Field(description="the citation in lang: 'Personal Data Protection Act "
                          "2012, Section 26'; with lang=vi the Vietnamese form, 'Điều 26 ...'")
    agreement: str | None = Field(None, description="the agreement code (cptpp) of treaty text")
    agreement_name: str | None = Field(None, description="the agreement's name in lang, "
                                       "instead of its code")


class SearchResult(RankedResult):
    hits: list[Hit]


@router.get("/search", response_model=SearchResult, response_model_exclude={"query"},
            openapi_extra=SEARCH_OPENAPI)
def search(
    kb: KBDep,
    query: Annotated[SearchQuery, Depends(search_query)],
    options: Annotated[ResultOptions, Depends(result_options)],
) -> Any:
    """Search instruments, provisions and case notes with filters, facets and excerpts.

    Each hit has a plain ``excerpt`` with ``highlights`` (character offsets of the matched
    words), and ``snippet``, the same excerpt as HTML with ``<mark>``.

    ``format=csv|xlsx|md`` downloads the page of results instead of JSON.

    ``bound=vn`` keeps only the texts of agreements in force for Viet Nam on ``bound_on``
    (default today), within any ``agreement`` asked for.

    ``as_of=YYYY-MM-DD`` keeps the works in force on that date (``kb.asof``); the index ranks
    current texts, and a hit whose text then was an older version names it.

    ``lang`` decides each hit's ``citation``, in the form the web pages use (``lang=vi``:
    "Điều 26 Luật Bảo vệ dữ liệu cá nhân 2012", "Điều 14.11 Hiệp định CPTPP"), and
    ``agreement_name``, the name of the agreement of treaty text instead of its code; the
    code stays in ``agreement``. ``title`` and ``title_vi`` are the record's own.
    """
    if options.as_of:
        query = query.model_copy(update={"as_of": parse_as_of(options.as_of)})
    bound = options.bound
    result = (kb.search(query, bound=bound, bound_on=options.bound_on) if bound
              else kb.search(query))
    if options.format == "json":
        with_snippets(result.hits)
        return Response(orjson.dumps(cited(result, Citations(kb, options.lang))),
                        media_type="application/json")
    return download(export_results(result, options.format, options.lang), options.format,
                    "results")


def cited(result: RankedResult, citations: Citations) -> dict[str, Any]:
    """The result as the API sends it (``SearchResult``), each hit with its citation and
    agreement name in the language asked for. Made from the ranked result's own validated
    values and encoded once, not validated again field by field on the way out."""
    hits = [hit.model_dump() for hit in result.hits]
    citations.prefetch(hits)
    out = result.model_dump(exclude={"hits", "query"})
    out["hits"] = [{**hit, **citations.display(hit)} for hit in hits]
    return out
