from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import KBDep
from kb.authorities import agreement_name, agreement_names_of
from kb.citations import cite_vi
from kb.compare import MAX_PASTED, Grid
from kb.compare import citation as citation_en
from kb.core import KnowledgeBase
from kb.export import MEDIA_TYPES, export_coverage, export_grid

router = APIRouter(prefix="/v1", tags=["compare"])

FormatParam = Annotated[str, Query(pattern="^(json|csv|xlsx|md)$",
                                   description="json, csv, xlsx or md (a brief)")]
LangParam = Annotated[str, Query(
    pattern="^(en|vi)$", description="labels, citations and agreement names: en or vi")]


class Citations:
    """Citations and agreement names in one language for JSON answers, in the form the web
    pages and exports use (``kb.citations.cite_vi``: "Điều 14.11 Hiệp định CPTPP"); each
    instrument cited is read from the index once per answer."""

    def __init__(self, kb: KnowledgeBase, lang: str):
        self.kb, self.lang = kb, lang
        self._instruments: dict[str, dict[str, Any]] = {}
        self._agreements: dict[str, tuple[str, str]] | None = None

    def agreement_names(self) -> dict[str, tuple[str, str]]:
        """Agreement code -> (English, Vietnamese) name: the knowledge base's entries, then
        the bundled ones."""
        if self._agreements is None:
            self._agreements = agreement_names_of(self.kb)
        return self._agreements

    def agreement(self, code: str | None) -> str | None:
        return agreement_name(code, self.lang, self.agreement_names()) if code else None

    def prefetch(self, docs: Iterable[dict[str, Any]]) -> None:
        """Read the instruments of these records (hits as dicts) in one call: a Vietnamese
        citation names the instrument by its Vietnamese title, which the hit lacks (an
        English one needs nothing more than the hit)."""
        if self.lang != "vi":
            return
        wanted = {d.get("instrument_id") or d.get("id") for d in docs
                  if d.get("kind") in ("instrument", "provision")}
        wanted -= set(self._instruments) | {None}
        if wanted:
            found = {doc["id"]: doc for doc in self.kb.get_many(sorted(wanted))}
            for record_id in wanted:
                self._instruments[record_id] = found.get(record_id, {})

    def instrument_of(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The instrument document of a record (itself for an instrument; empty for a case
        note or one not read)."""
        if doc.get("kind") not in ("instrument", "provision"):
            return {}
        return self._instruments.get(doc.get("instrument_id") or doc.get("id") or "", {})

    def agreement_of(self, doc: dict[str, Any]) -> str | None:
        return doc.get("agreement") or self.instrument_of(doc).get("agreement") or None

    def cite(self, doc: dict[str, Any]) -> str:
        """A record's citation in the language asked for."""
        if self.lang != "vi":
            if doc.get("kind") == "provision" and doc.get("number"):
                return f"{doc.get('instrument_title')}, {doc['number']}"
            return doc.get("title") or doc.get("id", "")
        code = self.agreement_of(doc)
        title_vi = self.agreement_names().get(code, ("", ""))[1] if code else None
        return cite_vi({**doc, "agreement": code}, self.instrument_of(doc), title_vi or None)

    def display(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The fields a record gains in an answer: ``citation`` in the language asked for,
        and for treaty text its ``agreement`` code and ``agreement_name``."""
        code = self.agreement_of(doc)
        return {"citation": self.cite(doc), "agreement": code,
                "agreement_name": self.agreement(code)}

    def grid(self, grid: Grid) -> dict[str, Any]:
        """A grid as JSON (``Grid.to_dict``) with agreement rows named, not coded, and each
        hit cited in the language asked for; the codes stay in ``key``, ``code`` and
        ``agreement``."""
        data = grid.to_dict(self.lang)
        self.prefetch(h.model_dump() for cell in grid.cells.values() for h in cell.hits)
        for row, out in zip(grid.rows, data["rows"], strict=True):
            out["code"] = row.code
            if row.kind == "agreement":
                out["label"] = out["agreement_name"] = self.agreement(row.code)
        hits = {h.id: h for cell in grid.cells.values() for h in cell.hits}
        for cell in data["cells"]:
            for out in cell["hits"]:
                hit = hits[out["id"]].model_dump()
                out.update(self.display(hit))
                out["citation_en"] = citation_en(hits[out["id"]])
        return data


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
    as_of: Annotated[str | None, Query(
        max_length=10, description="YYYY-MM-DD: only instruments in force on that date")] = None,
) -> Response:
    """Grid of rows (jurisdictions, groups, agreements) x topics; each cell the best provisions
    (``as_of``: of the instruments in force on that date).

    ``lang`` decides the display fields: a row's ``label`` (an agreement row by the
    agreement's name, in ``agreement_name`` too, never its code) and each hit's ``citation``
    (``lang=vi``: the Vietnamese form, "Điều 14.11 Hiệp định CPTPP"; ``citation_en`` keeps
    the English one) and ``agreement_name``. Codes stay in their own fields: a row's ``key``
    and ``code``, a hit's ``agreement``.
    """
    grid = kb.compare(topic, jurisdiction or [], agreement or [], per_cell=per_cell, text=text,
                      as_of=as_of)
    if format == "json":
        data = orjson.dumps(Citations(kb, lang).grid(grid), option=orjson.OPT_INDENT_2)
    else:
        data = export_grid(grid, format, lang, base_url=str(request.base_url))
    return download(data, format, "comparison")


@router.get("/compare/coverage")
def coverage(
    kb: KBDep,
    jurisdiction: Annotated[list[str] | None, Query()] = None,
    by: Annotated[str, Query(pattern="^(topic|sector)$")] = "topic",
    count: Annotated[str, Query(pattern="^(instruments|provisions)$",
                                description="what a cell counts")] = "instruments",
    kind: Annotated[list[str] | None, Query(description="count these kinds instead")] = None,
    format: FormatParam = "json",  # noqa: A002
    lang: LangParam = "en",
) -> Response:
    """Counts of instruments (``count=provisions``: of provisions) per jurisdiction x topic (or
    sector), for a heatmap: the map of legal documents."""
    cov = kb.coverage(jurisdiction or [], by=by, kinds=kind, count=count)
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
