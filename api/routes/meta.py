"""Reference lists (topics, jurisdictions; agreements are in api.routes.agreements) and
health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.deps import KBDep
from api.errors import PROBLEM, scrub
from kb.reference import group_list, jurisdiction_list, topic_list

router = APIRouter(prefix="/v1", tags=["reference"])


@router.get("/jurisdictions")
def list_jurisdictions(
    q: Annotated[str | None, Query(max_length=100, description="Words in a code or a name, "
                                   "English or Vietnamese, marks optional")] = None,
    group: Annotated[str | None, Query(max_length=20, description="Members of a group "
                                       "(ipef, asean ...)")] = None,
) -> dict[str, Any]:
    """Every jurisdiction (ISO 3166-1, eu, int) with names in English and Vietnamese, and the
    groups (with members) a ``jurisdiction`` filter accepts. An unknown group is a 400."""
    return {"groups": {g["code"]: {k: v for k, v in g.items() if k != "code"}
                       for g in group_list()},
            "jurisdictions": jurisdiction_list(q, group)}


@router.get("/topics")
def list_topics(
    q: Annotated[str | None, Query(max_length=100, description="Words in an id, label or "
                                   "synonym, English or Vietnamese, marks optional")] = None,
    sector: Annotated[str | None, Query(max_length=40, description="telecom, spectrum, "
                                        "digital-economy or ipef")] = None,
) -> list[dict[str, Any]]:
    """Sectors and topics: the ids to type, labels and synonyms in English and Vietnamese.
    An unknown sector is a 400 naming the sectors."""
    return topic_list(q, sector)


@router.get("/health")
def health(kb: KBDep) -> JSONResponse:
    """Whether the search backend answers; 503 with the reason when it does not."""
    status = kb.health()
    detail = scrub(status["detail"])  # no server file paths
    if status["status"] != "ok":  # an error like any other: problem+json, the state beside
        return JSONResponse({"type": "about:blank", "title": "Service Unavailable",
                             "status": 503, "detail": detail, "instance": "/v1/health",
                             "backend": kb.backend_name, "state": status["status"]},
                            status_code=503, media_type=PROBLEM)
    return JSONResponse({"status": "ok", "backend": kb.backend_name, "detail": detail})
