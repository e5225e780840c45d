"""The FastAPI application (``kb serve`` runs it)."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import docs, errors, web
from api.deps import kb_of
from api.limits import RequestLimits
from api.routes import agreements, compare, links, meta, records, resolve, search, watch
from api.security import RateLimit, SecurityHeaders, cors_origins, parse_rate
from kb.authorities import agreement_names_of
from kb.config import get_settings
from kb.search import SearchQuery

log = logging.getLogger("regkb.api")


def warm_up(app: FastAPI) -> None:
    """Load what the first search needs (taxonomy, glossary, word segmenter, the index) before
    the worker takes requests: otherwise the first requests to each worker wait seconds."""
    try:
        kb = kb_of(app)
        kb.load_entries()  # record pages, backlinks and grids read them
        agreement_names_of(kb)  # every answer's citations
        kb.search(SearchQuery(text="spectrum auction đấu giá tần số", limit=1))
        kb.citations.quietly("GDPR Art 44")
        kb.notes_about("/akn/vn/act/2018/24-2018-qh14")
    except Exception:  # noqa: BLE001 - no index yet, or a backend down: requests will say so
        log.info("warm-up search failed", exc_info=True)
    if getattr(app.state, "freeze_heap", False):
        # what was loaded lives as long as the worker (taxonomy, glossary, entries: hundreds
        # of thousands of objects); kept out of the collector's full passes, which would
        # otherwise walk them all again and again while requests wait
        gc.collect()
        gc.freeze()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await asyncio.to_thread(warm_up, app)
    yield


def create_served_app() -> FastAPI:
    """The app as ``kb serve`` runs it: one per worker process, whose heap after the warm-up
    is frozen (``warm_up``)."""
    app = create_app()
    app.state.freeze_heap = True
    return app


def create_app() -> FastAPI:
    app = FastAPI(
        lifespan=lifespan,
        title="regkb",
        version="0.1.0",
        summary="International telecom, spectrum and digital-economy regulation: "
        "laws, provisions, case notes and comparisons.",
        docs_url=None,  # served by api.docs from local assets, so /docs works offline
        redoc_url=None,
    )
    errors.install(app)
    settings = get_settings()
    origins = cors_origins(settings.cors_origins)
    if origins:  # off unless configured: no Access-Control-* header at all
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type"], max_age=600)
    rate = parse_rate(settings.rate_limit)
    if rate:  # inside RequestLimits, so a refused body is still read before the 429
        app.add_middleware(RateLimit, rate=rate[0], burst=rate[1])
    app.add_middleware(RequestLimits)
    app.add_middleware(SecurityHeaders)  # outermost: every answer carries the headers
    # links before records: /provisions/{id}/links must not be read as a provision id
    for module in (search, links, agreements, records, compare, meta, resolve, watch):
        app.include_router(module.router)
    docs.install(app)
    app.include_router(web.router)
    app.mount("/static", web.static_files(), name="static")
    return app
