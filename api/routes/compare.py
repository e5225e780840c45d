from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import KBDep
from kb.compare import MAX_PASTED
from kb.export import MEDIA_TYPES, export_coverage, export_grid

router = APIRouter(prefix="/v1", tags=["compare"])

FormatParam = Annotated[str, Query(pattern="^(json|csv|xlsx|md)$",
                                   description="json, csv, xlsx or md (a brief)")]
LangParam = Annotated[str, Query(pattern="^(en|vi)$", description="labels: en or vi")]


def download(data: bytes, fmt: str, name: str) -> Response:
    headers = {}
    if fmt != "json":
        headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return Response(data, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.get("/compare")
def compare(
    kb: KBDep,
    request: Request,
    topic: Annotated[list[str], Query(description="topic id or label (en/vi); repeatable")],
    jurisdiction: Annotated[list[str] | None, Query(description="code or group")] = None,
    agreement: Annotated[list[str] | None, Query(description="agreement code")] = None,
    per_cell: Annotated[int, Query(ge=1, le=10)] = 3,
    text: Annotated[str, Query(max_length=200)] = "",
    format: FormatParam = "json",  # noqa: A002 - public parameter name
    lang: LangParam = "en",
) -> Response:
    """Grid of rows (jurisdictions, groups, agreements) x topics; each cell the best provisions."""
    grid = kb.compare(topic, jurisdiction or [], agreement or [], per_cell=per_cell, text=text)
    data = export_grid(grid, format, lang, base_url=str(request.base_url))
    return download(data, format, "comparison")


@router.get("/compare/coverage")
def coverage(
    kb: KBDep,
    jurisdiction: Annotated[list[str] | None, Query()] = None,
    by: Annotated[str, Query(pattern="^(topic|sector)$")] = "topic",
    kind: Annotated[list[str] | None, Query()] = None,
    format: FormatParam = "json",  # noqa: A002
    lang: LangParam = "en",
) -> Response:
    """Counts per jurisdiction x topic (or sector), for a heatmap: the map of legal documents."""
    cov = kb.coverage(jurisdiction or [], by=by, kinds=kind)
    return download(export_coverage(cov, format, lang), format, "coverage")


@router.get("/compare/diff")
def diff(
    kb: KBDep,
    left: Annotated[str, Query(min_length=1, max_length=300,
                               description="provision id, or {id}@v{N} for a stored version")],
    right: Annotated[str, Query(min_length=1, max_length=300,
                                description="provision id, or {id}@v{N} for a stored version")],
) -> dict[str, Any]:
    """Word-level diff of two provisions, as operations, text and HTML."""
    return kb.diff(left, right).to_dict()  # unknown ids or versions are 404


class PastedText(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_PASTED,
                      description="a draft clause; analysed in memory, never stored or logged")
    jurisdiction: list[str] = []
    limit: int = Field(15, ge=1, le=50)


@router.post("/counterparts")
def counterparts_for_text(kb: KBDep, body: PastedText) -> dict[str, Any]:
    """Closest provisions to a pasted text, grouped by jurisdiction or agreement."""
    return kb.counterparts(body.text, limit=body.limit,
                           jurisdictions=body.jurisdiction).to_dict()
