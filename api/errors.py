"""Domain errors -> RFC 9457 problem+json responses. Nothing escapes as a bare 500.

A request that fails validation is a bad request (400) like any other bad query, and the
OpenAPI document says so instead of listing FastAPI's default 422.
"""

from __future__ import annotations

import logging
import re
import sys
import tempfile
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb.errors import KBError

log = logging.getLogger("regkb.api")
PROBLEM = "application/problem+json"


def _server_roots() -> list[str]:
    """Folders whose names say where and how the server is installed, longest first."""
    from kb.config import get_settings

    roots = {str(get_settings().home), str(Path(__file__).resolve().parents[1]),
             sys.prefix, sys.base_prefix, tempfile.gettempdir(), str(Path.home())}
    return sorted((r for r in roots if len(r) > 1), key=len, reverse=True)


def scrub(text: str) -> str:
    """``text`` without server file paths: a client learns nothing of the server's disks.

    Only paths under known server folders are replaced, so record ids (``/akn/sg/act/...``)
    are left as they are."""
    for root in _server_roots():
        if root in text:
            text = re.sub(re.escape(root) + r"[^\s'\"`,;()]*", "[server path]", text)
    return text


def problem(
    status: int, title: str, detail: str, request: Request, **extra: object
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": scrub(title),
        "status": status,
        "detail": scrub(detail),
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install(app: FastAPI) -> None:
    generate_openapi = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = document_bad_requests(generate_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(KBError)
    async def _kb_error(request: Request, exc: KBError) -> JSONResponse:
        return problem(exc.status, exc.title, str(exc), request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", "")}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(e['loc'][1:]) or 'request'}: {e['msg']}" for e in errors)
        return problem(400, "Invalid parameters", detail, request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), str(exc.detail), request)

    @app.exception_handler(ValueError)
    async def _value(request: Request, exc: ValueError) -> JSONResponse:
        return problem(400, "Invalid query", str(exc), request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        answer = problem(
            500, "Internal error", "an unexpected error occurred; it has been logged", request
        )
        from api.security import security_headers  # (api.security imports this module)

        # answered outside the middleware stack: the security headers are added here
        for name, value in security_headers(request.url.path):
            answer.headers[name.decode()] = value.decode()
        return answer


PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["title", "status", "detail"],
}


def document_bad_requests(schema: dict) -> dict:
    """Rewrite FastAPI's generated 422 responses as the 400 problem+json the API sends; an
    operation whose parameters a table reads (``api.params``) has no 422 but the same 400."""
    bad_request = {
        "description": "Invalid parameters",
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None or operation.get("parameters"):
                responses.setdefault("400", bad_request)
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    return schema
