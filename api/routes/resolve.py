"""``GET /v1/resolve``: a legal citation as people write it -> the record it names."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.deps import KBDep
from api.errors import PROBLEM, problem
from kb.citations import MAX_CITE_LENGTH, CitationNotFound

router = APIRouter(prefix="/v1", tags=["resolve"])

NOT_FOUND = {
    "description": "Nothing in the base answers the citation; `candidates` are the closest "
    "instruments",
    "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


@router.get("/resolve", responses={404: NOT_FOUND})
def resolve(
    request: Request,
    kb: KBDep,
    cite: Annotated[str, Query(
        min_length=1, max_length=MAX_CITE_LENGTH,
        description='A citation: "GDPR Art 44", "CPTPP 14.11", "khoản 3 Điều 26 Luật ANM '
        '2018", "47 U.S.C. 230", "s 26 PDPA 2012 (Singapore)", or an id',
    )],
) -> Any:
    """The instrument and provision a citation names.

    `matched` is `provision` when the cited portion is stored (a clause stored only within its
    article gives the article, and `message` says so), `instrument` when only the instrument
    is: then `message` says the portion is not in the base and `candidates` lists its parts
    and the neighbouring numbers that are. Other instruments of the same short name are
    `candidates` too.
    """
    try:
        return kb.resolve(cite).to_dict()
    except CitationNotFound as exc:
        return _not_found(request, exc)


def _not_found(request: Request, exc: CitationNotFound) -> JSONResponse:
    return problem(404, exc.title, str(exc), request, candidates=exc.candidates)

