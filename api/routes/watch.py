"""Saved searches as Atom feeds, and the change feed of the record store (kb.watch)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import KBDep
from kb.watch import CHANGES_LIMIT, atom_feed, changes, list_watches

router = APIRouter(prefix="/v1", tags=["watch"])

ATOM = "application/atom+xml; charset=utf-8"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/watches")
def watches(kb: KBDep) -> list[dict[str, Any]]:
    """The saved searches (`kb watch add`), with their last run and webhook delivery."""
    return [w.public() for w in list_watches(kb.store)]


@router.get("/watches/{name}.atom", response_class=Response,
            responses={200: {"content": {"application/atom+xml": {}},
                             "description": "An Atom 1.0 feed"}})
def watch_feed(name: str, kb: KBDep, request: Request) -> Response:
    """A saved search as an Atom 1.0 feed: its newest matches, each linked to its page and
    to the official source."""
    return Response(atom_feed(kb, name, _base(request)), media_type=ATOM)


@router.get("/changes")
def change_feed(
    kb: KBDep, request: Request,
    since: Annotated[str | None, Query(
        max_length=40, description="YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (UTC unless an offset "
        "is given); empty: from the start")] = None,
    limit: Annotated[int, Query(ge=1, le=CHANGES_LIMIT)] = 100,
    after: Annotated[str | None, Query(max_length=2000, description="the `next` of the "
                                       "previous page")] = None,
    order: Annotated[str, Query(pattern="^(oldest|newest)$", description="oldest first "
                                "(the default, for following the feed) or newest first")
                     ] = "oldest",
) -> dict[str, Any]:
    """What changed in the base: works first stored, new versions, status changes, and
    curated entries that changed between two index builds; oldest first, paged with
    `after`."""
    return changes(kb.store, since, limit, after, newest_first=order == "newest",
                   base_url=_base(request))
