"""The backend contract. Both the embedded tantivy index and Elasticsearch honour it, and the
tests in ``tests/contract/`` run unchanged against each.
"""

from __future__ import annotations

import contextlib
import gc
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kb.documents import IndexDoc
from kb.search import Hit, SearchQuery, SearchResult

Progress = Callable[[int], None]


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep the garbage collector's full passes off the objects that exist before a build
    (the records being indexed, all of them alive): a build allocates millions of short-lived
    objects, and each full pass would otherwise walk the whole heap again."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@dataclass
class BuildReport:
    """What an index build did. ``generation`` names the index now in service."""

    documents: int
    generation: str
    seconds: float
    rejected: list[dict[str, str]] = field(default_factory=list)


class Backend(ABC):
    """A search index over index documents (see ``kb.documents``)."""

    name: str = "abstract"

    @abstractmethod
    def rebuild(self, docs: Iterable[IndexDoc], progress: Progress | None = None) -> BuildReport:
        """Build a complete new index generation and put it in service atomically.

        If the build fails or is interrupted, the previous generation stays in service and
        keeps answering searches; the error is raised (``IndexBuildError``).
        """

    @abstractmethod
    def exists(self) -> bool:
        """Whether an index generation is in service."""

    @abstractmethod
    def get(self, doc_id: str) -> IndexDoc | None:
        """One document by id (an instrument, provision or case note), or None."""

    @abstractmethod
    def get_many(self, doc_ids: list[str]) -> list[IndexDoc]:
        """Documents by id, in the given order; unknown ids are left out."""

    @abstractmethod
    def provisions_of(self, instrument_id: str, limit: int = 10_000) -> list[IndexDoc]:
        """The provisions of an instrument in document order."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResult:
        """Text + filters + facets + snippets + paging."""

    def search_many(self, queries: list[SearchQuery]) -> list[SearchResult]:
        """Several searches at once; backends that can batch them do (Elasticsearch msearch)."""
        return [self.search(q) for q in queries]

    @abstractmethod
    def more_like_this(
        self, text: str, query: SearchQuery, exclude_ids: Iterable[str] = ()
    ) -> list[Hit]:
        """Documents closest to a text, within the query's filters (text ignored)."""

    @abstractmethod
    def term_doc_freqs(self, terms: list[str]) -> dict[str, int]:
        """How many documents hold each analysed term (a stem), the most of any one text
        field: whether the index knows a query word, and how common a correction is."""

    @abstractmethod
    def suggest_terms(
        self, term: str, max_edits: int = 2, prefix_length: int = 1
    ) -> list[tuple[str, int]]:
        """Terms of the text fields' own dictionary within ``max_edits`` (1 or 2)
        Damerau-Levenshtein edits of ``term`` that begin with its first ``prefix_length``
        characters, with their document frequency (as ``term_doc_freqs``), ``term`` itself
        left out: the candidates of "did you mean" (``kb.suggest``), the same on every
        backend. Both engines need a shared first letter to stay fast for two edits, so
        ``prefix_length`` 0 is for one edit (a short word's first letter may be the typo)."""

    @abstractmethod
    def counts(self, field_a: str, field_b: str, query: SearchQuery) -> dict[str, dict[str, int]]:
        """Document counts by two keyword fields (for coverage maps), within the filters."""

    @abstractmethod
    def stats(self) -> dict[str, Any]:
        """Counts by kind, jurisdiction and sector, plus backend health."""

    @abstractmethod
    def health(self) -> dict[str, Any]:
        """``{"status": "ok" | "unavailable" | "empty", "detail": ...}``; never raises."""

    def show_query(self, query: SearchQuery) -> str:
        """The engine request a search would send (SQL or the Elasticsearch body)."""
        return ""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
