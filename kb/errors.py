"""Domain errors. The API maps each to an HTTP status; the CLI to a message and exit code."""

from __future__ import annotations


class KBError(Exception):
    """Base of every error regkb raises on purpose."""

    status = 500
    title = "Internal error"


class InvalidQuery(KBError):
    """The caller asked for something malformed: bad syntax, unknown filter value, bad range."""

    status = 400
    title = "Invalid query"


class RecordNotFound(KBError):
    status = 404
    title = "Not found"


class BackendUnavailable(KBError):
    """The search engine cannot be reached or has no index yet."""

    status = 503
    title = "Search backend unavailable"


class IndexBuildError(KBError):
    """An index build failed; the previous index generation stays in service."""

    status = 500
    title = "Index build failed"


class ImportFailed(KBError):
    """A document could not be parsed or did not match what was expected of it."""

    status = 422
    title = "Import failed"
