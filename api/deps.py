"""Dependencies shared by the routers (overridden in tests with ``app.dependency_overrides``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request

from kb.config import Settings, get_settings
from kb.core import KnowledgeBase


@lru_cache(maxsize=1)
def get_kb() -> KnowledgeBase:
    return KnowledgeBase(get_settings())


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def current_kb(request: Request) -> KnowledgeBase:
    """The knowledge base a request reads: ``get_kb``'s, or what a test put in its place
    (``app.dependency_overrides[get_kb]``). Read on the event loop: the warm-up has built it,
    and a trip to the thread pool and back for an object already made cost each request
    more than the lookup itself."""
    return request.app.dependency_overrides.get(get_kb, get_kb)()


KBDep = Annotated[KnowledgeBase, Depends(current_kb)]
