"""Dependencies shared by the routers (overridden in tests with ``app.dependency_overrides``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends

from kb.config import Settings, get_settings
from kb.core import KnowledgeBase


@lru_cache(maxsize=1)
def get_kb() -> KnowledgeBase:
    return KnowledgeBase(get_settings())


SettingsDep = Annotated[Settings, Depends(get_settings)]
KBDep = Annotated[KnowledgeBase, Depends(get_kb)]
