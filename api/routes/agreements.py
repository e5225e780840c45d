"""Treaty parties and dates: who is bound by an agreement, and since when (kb.parties)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import KBDep
from kb.reference import agreement_list

router = APIRouter(prefix="/v1/agreements", tags=["agreements"])


@router.get("")
def agreements(kb: KBDep) -> list[dict[str, Any]]:
    """The agreements in the curated entries: the code to type (``agreement=cptpp``), the
    title in English and Vietnamese, and the parties for which each is in force today."""
    return agreement_list(kb.load_entries())


@router.get("/{code}/parties")
def parties(
    code: str, kb: KBDep,
    on: Annotated[dt.date | None, Query(description="Status on this date (default today)")] = None,
) -> dict[str, Any]:
    """Each party's signature, ratification (or accession), entry into force, the source, and
    its status on a date. A participant without recorded dates is ``unknown``, never bound."""
    return kb.parties(code, on)


@router.get("/{code}/bound")
def bound(
    code: str, kb: KBDep,
    jurisdiction: Annotated[str, Query(description="ISO code, e.g. vn")],
    on: Annotated[dt.date | None, Query(description="default today")] = None,
) -> dict[str, Any]:
    """Is a jurisdiction bound by the agreement on a date, and since when."""
    answer = kb.bound(code, jurisdiction, on)
    return {"agreement": code.lower(), "jurisdiction": jurisdiction.lower(),
            "on": on or dt.date.today(), **answer._asdict()}
