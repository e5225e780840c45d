"""The FastAPI application (``kb serve`` runs it)."""

from __future__ import annotations

from fastapi import FastAPI

from api import errors, web
from api.limits import RequestLimits
from api.routes import agreements, compare, links, meta, records, resolve, search


def create_app() -> FastAPI:
    app = FastAPI(
        title="regkb",
        version="0.1.0",
        summary="International telecom, spectrum and digital-economy regulation: "
        "laws, provisions, case notes and comparisons.",
    )
    errors.install(app)
    app.add_middleware(RequestLimits)
    # links before records: /provisions/{id}/links must not be read as a provision id
    for module in (search, links, agreements, records, compare, meta, resolve):
        app.include_router(module.router)
    app.include_router(web.router)
    app.mount("/static", web.static_files(), name="static")
    return app
