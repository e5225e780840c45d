"""Search backends: the embedded tantivy default and Elasticsearch, behind one contract."""

from __future__ import annotations

from kb.backends.base import Backend
from kb.config import Settings


def open_backend(settings: Settings) -> Backend:
    if settings.backend == "elasticsearch":
        from kb.backends.elastic import ElasticBackend

        return ElasticBackend.from_settings(settings)
    from kb.backends.embedded import TantivyBackend

    return TantivyBackend(settings.index_path, result_cache=settings.result_cache)
