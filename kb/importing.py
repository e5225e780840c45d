"""Compatibility name for ``kb.ingest``, where storing and merging now live.

Crawlers and notebooks written against ``kb.importing`` keep working; new code imports
``kb.ingest``.
"""

from __future__ import annotations

from kb.ingest import (
    AGENT_VERSION,
    ImportMeta,
    ImportReport,
    Refused,
    build_instrument,
    check_expected,
    import_paths,
    import_records,
    instrument_topics,
    mint_id,
    parse_bytes,
    place,
    tag_provisions,
)

__all__ = [
    "AGENT_VERSION", "ImportMeta", "ImportReport", "Refused", "build_instrument",
    "check_expected", "import_paths", "import_records", "instrument_topics", "mint_id",
    "parse_bytes", "place", "tag_provisions",
]
