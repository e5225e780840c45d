"""Dependencies shared by the routers (overridden in tests with ``app.dependency_overrides``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from kb.config import Settings, get_settings
from kb.core import KnowledgeBase


@lru_cache(maxsize=1)
def get_kb() -> KnowledgeBase:
    return KnowledgeBase(get_settings())


SettingsDep = Annotated[Settings, Depends(get_settings)]


def kb_of(app: FastAPI) -> KnowledgeBase:
    """The knowledge base an app serves: ``get_kb``'s, or what a test put in its place
    (``app.dependency_overrides[get_kb]``); the warm-up and the web pages read it too."""
    return app.dependency_overrides.get(get_kb, get_kb)()


async def current_kb(request: Request) -> KnowledgeBase:
    """The knowledge base a request reads (``kb_of``), on the event loop: the warm-up has
    built it, and a trip to the thread pool and back for an object already made cost each
    request more than the lookup itself."""
    return kb_of(request.app)


KBDep = Annotated[KnowledgeBase, Depends(current_kb)]
