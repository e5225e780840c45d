"""Curated links between domestic provisions and treaty commitments (kb.links)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import KBDep

router = APIRouter(prefix="/v1", tags=["links"])


@router.get("/provisions/{provision_id:path}/links")
def provision_links(provision_id: str, kb: KBDep) -> dict[str, Any]:
    """The curated links of a provision in both directions: for a domestic provision the
    treaty commitments it touches, for a treaty provision the domestic measures under it, each
    with its relation, note, source and whether the domestic jurisdiction is bound today."""
    pid = "/" + provision_id.lstrip("/")
    rows = kb.links(pid)
    return {"provision": pid.lower(), "total": len(rows), "links": list(rows)}
