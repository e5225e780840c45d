"""Interactive API docs (Swagger UI at /docs, ReDoc at /redoc) that work offline.

FastAPI's own pages load their scripts from a CDN, so on a ministry intranet with no internet
/docs is blank. Here the app serves the Swagger UI and ReDoc bundles itself, from the
``fastapi_offline`` package, which ships them (Swagger UI under the Apache License 2.0,
ReDoc under the MIT licence); no page of the docs asks anything of another host.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
FAVICON = "/static/favicon.svg"
# validatorUrl: None keeps Swagger UI from sending the schema to an online validator
SWAGGER_PARAMETERS = {"validatorUrl": None, "docExpansion": "list", "deepLinking": True,
                      "displayRequestDuration": True, "tryItOutEnabled": False}
# The pages may load and ask nothing but this server: ReDoc's sidebar, for one, would fetch
# a logo from its maker's CDN. Inline scripts and styles are the pages' own start-up code.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; "
       "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
       "worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'")


def _local(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CSP
    return page


def assets_dir() -> Path:
    """The folder holding swagger-ui-bundle.js, swagger-ui.css and redoc.standalone.js."""
    return Path(str(files("fastapi_offline") / "static"))


def install(app: FastAPI) -> None:
    """Serve /docs, /docs/oauth2-redirect and /redoc with local assets. The app must be made
    with ``docs_url=None, redoc_url=None`` so FastAPI's CDN pages are not registered."""
    app.mount(ASSETS, StaticFiles(directory=assets_dir()), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _local(get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{app.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css", swagger_favicon_url=FAVICON,
            oauth2_redirect_url=redirect, swagger_ui_parameters=SWAGGER_PARAMETERS,
        ))

    @app.get(redirect, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return _local(get_swagger_ui_oauth2_redirect_html())

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _local(get_redoc_html(openapi_url=openapi_url, title=f"{app.title} API",
                                     redoc_js_url=f"{ASSETS}/redoc.standalone.js",
                                     redoc_favicon_url=FAVICON, with_google_fonts=False))
