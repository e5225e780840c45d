from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import KBDep
from kb.taxonomy import jurisdictions, taxonomy

router = APIRouter(prefix="/v1", tags=["reference"])


@router.get("/jurisdictions")
def list_jurisdictions() -> dict[str, Any]:
    """Every jurisdiction (ISO 3166-1, eu, int) with names in English and Vietnamese, and groups."""
    juris = jurisdictions()
    return {
        "groups": {g: {**spec, "members": juris.members(g)} for g, spec in juris.groups.items()},
        "jurisdictions": list(juris.entries.values()),
    }


@router.get("/topics")
def list_topics() -> list[dict[str, Any]]:
    """Sectors and topics with labels and synonyms in English and Vietnamese."""
    return [
        {
            "id": t.id,
            "parent": t.parent,
            "sector": t.sector,
            "label": t.label,
            "label_vi": t.label_vi,
            "synonyms": list(t.synonyms),
            "synonyms_vi": list(t.synonyms_vi),
        }
        for t in taxonomy().topics.values()
    ]


@router.get("/health")
def health(kb: KBDep) -> JSONResponse:
    """Whether the search backend answers; 503 with the reason when it does not."""
    status = kb.health()
    body = {"status": status["status"], "backend": kb.backend_name, "detail": status["detail"]}
    return JSONResponse(body, status_code=200 if status["status"] == "ok" else 503)
