from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import KBDep
from api.web.render import with_snippets
from kb.errors import RecordNotFound
from kb.search import SearchQuery

router = APIRouter(prefix="/v1", tags=["records"])


@router.get("/instruments/{instrument_id:path}/provisions")
def instrument_provisions(instrument_id: str, kb: KBDep) -> list[dict[str, Any]]:
    """The provisions of an instrument, in document order."""
    doc = kb.instrument("/" + instrument_id.lstrip("/"), with_provisions=True)
    return doc["provisions"]


@router.get("/instruments/{instrument_id:path}")
def instrument(
    instrument_id: str, kb: KBDep,
    as_of: Annotated[str | None, Query(
        max_length=10, description="YYYY-MM-DD: the text in force on that date")] = None,
) -> dict[str, Any]:
    """One instrument with its provisions, versions, provenance and the case notes about it
    (``case_notes``: those naming it or one of its provisions).

    ``as_of=YYYY-MM-DD`` gives the text in force on that date, described under ``as_of``
    (``in_force``, ``version``, ``version_date``, ``message``); a work not in force then comes
    with no provisions and ``as_of.in_force`` false."""
    doc = kb.instrument("/" + instrument_id.lstrip("/"), as_of=as_of)
    return {**doc, "case_notes": kb.notes_about(doc["id"])}


@router.get("/provisions/{provision_id:path}/counterparts")
def provision_counterparts(
    provision_id: str, kb: KBDep,
    jurisdiction: Annotated[list[str] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 15,
) -> dict[str, Any]:
    """The closest provisions in other jurisdictions and agreements."""
    doc = kb.get("/" + provision_id.lstrip("/"))
    if doc["kind"] != "provision":
        raise RecordNotFound(f"{doc['id']!r} is a {doc['kind']}, not a provision")
    return kb.counterparts(doc["id"], limit=limit, jurisdictions=jurisdiction or []).to_dict()


@router.get("/provisions/{provision_id:path}")
def provision(provision_id: str, kb: KBDep) -> dict[str, Any]:
    """One provision, with the case notes naming it (``case_notes``)."""
    doc = kb.get("/" + provision_id.lstrip("/"))
    if doc["kind"] != "provision":
        raise RecordNotFound(f"{doc['id']!r} is a {doc['kind']}, not a provision")
    return {**doc, "case_notes": kb.notes_about(doc["id"])}


@router.get("/case-notes")
def case_notes(
    kb: KBDep,
    jurisdiction: Annotated[list[str] | None, Query()] = None,
    topic: Annotated[list[str] | None, Query()] = None,
    sector: Annotated[list[str] | None, Query()] = None,
    q: Annotated[str, Query(max_length=500)] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> dict[str, Any]:
    """Case notes of international experience, filtered like a search."""
    query = SearchQuery.from_params(
        q, kind="case-note", jurisdiction=jurisdiction, topic=topic, sector=sector,
        limit=limit, offset=offset, facets=False,
    )
    result = kb.search(query)
    return {"total": result.total,
            "items": [h.model_dump() for h in with_snippets(result.hits)]}


@router.get("/case-notes/{note_id:path}")
def case_note(note_id: str, kb: KBDep) -> dict[str, Any]:
    """One case note with its outcome, lessons and sources."""
    return kb.case_note("/notes/" + note_id.lstrip("/").removeprefix("notes/")).model_dump(
        mode="json"
    )
