"""regkb: international regulatory experience, searchable and comparable.

In a notebook::

    from kb import KB
    kb = KB.open()
    kb.search("cross-border data", jurisdiction="ipef").hits
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.core import KnowledgeBase

    KB = KnowledgeBase

__all__ = ["KB", "KnowledgeBase"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``KB`` and ``KnowledgeBase`` load on first use, so ``import kb.search`` (or any other
    module) does not load the backends and the comparisons with it."""
    if name in ("KB", "KnowledgeBase"):
        from kb.core import KnowledgeBase

        return KnowledgeBase
    raise AttributeError(f"module 'kb' has no attribute {name!r}")
