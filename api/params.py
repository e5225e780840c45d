"""The query parameters of /v1/search: tables that both read a request's parameters and
document them in the API schema.

FastAPI would read each declared parameter on its own (about 20 type inspections and a
validation per parameter per request, 0.2 ms a search); here the table picks the values out
of the query string and ``SearchQuery.from_params``, which the CLI, the web pages and the
notebooks use too, checks them all in one model validation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from kb.errors import InvalidQuery
from kb.models import DOC_TYPES, KINDS, STATUSES, STRENGTHS
from kb.search import MAX_LIMIT, MAX_OFFSET, MAX_QUERY_LENGTH, SearchQuery
from kb.taxonomy import SECTORS

_LIST: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
_DATE: dict[str, Any] = {"type": "string", "format": "date"}


@dataclass(frozen=True)
class Param:
    """A query parameter: its name, its JSON schema, and whether it repeats (a list)."""

    name: str
    schema: dict[str, Any]
    description: str = ""
    max_length: int | None = None

    @property
    def repeatable(self) -> bool:
        return self.schema.get("type") == "array"

    def openapi(self) -> dict[str, Any]:
        schema = {**self.schema, "title": self.name.replace("_", " ").title()}
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        out = {"name": self.name, "in": "query", "required": False, "schema": schema}
        if self.description:
            out["description"] = schema["description"] = self.description
        return out


SEARCH_PARAMS = (
    Param("q", {"type": "string", "default": ""},
          'Words, "phrases", -excluded, OR; English or Vietnamese', MAX_QUERY_LENGTH),
    Param("jurisdiction", _LIST, "code or group (ipef); repeatable"),
    Param("sector", _LIST, ", ".join(SECTORS)),
    Param("topic", _LIST, "topic id or label, either language"),
    Param("kind", _LIST, ", ".join(KINDS)),
    Param("type", _LIST, ", ".join(DOC_TYPES)),
    Param("status", _LIST, ", ".join(STATUSES)),
    Param("language", _LIST),
    Param("strength", _LIST, "commitment strength of treaty text: " + ", ".join(STRENGTHS)),
    Param("agreement", _LIST, "agreement code: cptpp, depa, rcep ..."),
    Param("date_from", _DATE),
    Param("date_to", _DATE),
    Param("limit", {"type": "integer", "default": 10, "minimum": 1, "maximum": MAX_LIMIT}),
    Param("offset", {"type": "integer", "default": 0, "minimum": 0, "maximum": MAX_OFFSET}),
    Param("after", {"type": "string"},
          "The `sort` of the last hit of the previous page, as JSON (e.g. [7.03, 1042]): the "
          f"page starts after it, at any depth (offset stops at {MAX_OFFSET:,})", 100),
    Param("facets", {"type": "boolean", "default": True}),
)
# what /v1/search does with the page it found
RESULT_PARAMS = (
    Param("format", {"type": "string", "enum": ["json", "csv", "xlsx", "md"],
                     "default": "json"}, "json, or the page as a download: csv, xlsx, md"),
    Param("lang", {"type": "string", "enum": ["en", "vi"], "default": "en"},
          "language of each hit's citation and agreement_name, and of the labels in "
          "downloads: en or vi"),
    Param("bound", {"type": "string"},
          "Keep treaty text of agreements binding this party (vn)", 3),
    Param("bound_on", _DATE, "date for bound (default today)"),
    Param("as_of", {"type": "string"},
          "YYYY-MM-DD: only works in force on that date; a hit whose text then was an older "
          "stored version says so (as_of_version, as_of_note)", 10),
)
SEARCH_OPENAPI = {"parameters": [p.openapi() for p in (*SEARCH_PARAMS, *RESULT_PARAMS)]}


@dataclass(frozen=True)
class ResultOptions:
    """How /v1/search answers (``RESULT_PARAMS``)."""

    format: str = "json"
    lang: str = "en"
    bound: str | None = None
    bound_on: dt.date | None = None
    as_of: str | None = None


def query_values(given: Any, params: tuple[Param, ...]) -> dict[str, Any]:
    """The values of ``params`` in a query string (a multi-dict): a list for a repeatable
    one, the last value otherwise. An empty value of a parameter that is not text counts as
    not given, as FastAPI reads one; a value over a parameter's length is an error."""
    values: dict[str, Any] = {}
    for param in params:
        if param.name not in given:
            continue
        if param.repeatable:
            values[param.name] = given.getlist(param.name)
            continue
        value = given[param.name]
        if param.max_length is not None and len(value) > param.max_length:
            raise InvalidQuery(
                f"{param.name}: at most {param.max_length} characters ({len(value)} given)")
        allowed = param.schema.get("enum")
        if allowed is not None and value not in allowed:
            raise InvalidQuery(f"{param.name}: one of {', '.join(allowed)} ({value[:20]!r} given)")
        if param.schema.get("format") == "date":
            if value:
                values[param.name] = _date(param.name, value)
        elif value or param.schema.get("type") == "string":
            values[param.name] = value
    return values


def _date(name: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidQuery(f"{name}: a date as YYYY-MM-DD ({value[:20]!r} given)") from None


async def search_query(request: Request) -> SearchQuery:
    """The query of /v1/search, read with ``SEARCH_PARAMS`` and checked by
    ``SearchQuery.from_params``. A coroutine, so it runs on the event loop instead of
    waiting for a thread of the pool; the search itself still runs in one."""
    values = query_values(request.query_params, SEARCH_PARAMS)
    return SearchQuery.from_params(values.pop("q", ""), **values)


async def result_options(request: Request) -> ResultOptions:
    """How /v1/search answers, read with ``RESULT_PARAMS`` (on the event loop too)."""
    return ResultOptions(**query_values(request.query_params, RESULT_PARAMS))
