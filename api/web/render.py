"""Rendering: the Jinja2 environment, security headers, language cookie, URL and label helpers.

Templates are autoescaped. The only HTML that is marked safe is built from escaped record
text: search excerpts with their highlights in ``<mark>`` (``marked`` here, which also makes the
API's ``snippet``) and diffs from kb (``<del>``/``<ins>``).
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from api.web.i18n import COOKIE, COOKIE_MAX_AGE, LANGS, label, pick_lang, translator
from kb.authorities import agreement_name, agreement_names_of, authority_vi
from kb.citations import cite_vi
from kb.compare import citation
from kb.errors import KBError
from kb.search import Hit
from kb.taxonomy import jurisdictions, taxonomy

HERE = Path(__file__).parent
TOC_MINIMUM = 15  # an instrument with more provisions than this gets a table of contents
STATIC_DIR = HERE / "static"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


# -- URLs ----------------------------------------------------------------------------------
def url(path: str, params: Iterable[tuple[str, Any]] = (), **extra: Any) -> str:
    """A path with a query string; ``None`` and empty values are left out."""
    pairs = [(k, str(v)) for k, v in params if v not in (None, "")]
    pairs += [(k, str(v)) for k, v in extra.items() if v not in (None, "")]
    return f"{path}?{urlencode(pairs)}" if pairs else path


def record_url(record_id: str, kind: str | None = None) -> str:
    """The page of a record: instrument, provision or case note."""
    kind = kind or kind_of_id(record_id)
    if kind == "case-note":
        return "/case-notes" + quote(record_id.removeprefix("/notes"))
    prefix = "/provisions" if kind == "provision" else "/instruments"
    return prefix + quote(record_id)


def kind_of_id(record_id: str) -> str:
    if record_id.startswith("/notes/"):
        return "case-note"
    return "provision" if "/~" in record_id else "instrument"


def eid_of(provision_id: str) -> str:
    """``/akn/sg/act/2012/26/~sec_26`` -> ``sec_26`` (the anchor on the instrument page)."""
    return provision_id.rsplit("/~", 1)[-1]


def safe_url(value: str | None) -> str:
    """Only http(s) links are rendered as links (never ``javascript:`` or ``data:``)."""
    if value and urlsplit(value).scheme in ("http", "https"):
        return value
    return ""


def clean_id(raw: str, prefix: str = "") -> str:
    """A record id from a URL path or a form field: trimmed, with its leading slash
    (``kr/2021/x`` with prefix ``notes`` -> ``/notes/kr/2021/x``)."""
    value = raw.strip().lstrip("/")
    if prefix and not value.startswith(prefix + "/"):
        value = f"{prefix}/{value}"
    return "/" + value


# -- highlighted excerpts -------------------------------------------------------------------
def escape_text(text: str) -> str:
    """Text made safe inside HTML elements and attributes (as markupsafe escapes it)."""
    return html.escape(text, quote=True)


def marked(excerpt: str, highlights: Iterable[Sequence[int]]) -> Markup:
    """A hit's plain excerpt as HTML: the text escaped, each highlight (start, end) in
    ``<mark>``. Offsets that overlap or fall outside the text are skipped, never trusted."""
    parts: list[str] = []
    pos = 0
    for start, end in sorted((int(s), int(e)) for s, e in highlights):
        if start < pos or start >= end or end > len(excerpt):
            continue
        parts += [escape_text(excerpt[pos:start]), "<mark>",
                  escape_text(excerpt[start:end]), "</mark>"]
        pos = end
    parts.append(escape_text(excerpt[pos:]))
    return Markup("".join(parts))  # every piece of text escaped above


def with_snippets(hits: list[Hit]) -> list[Hit]:
    """The hits with ``snippet`` (their excerpt as HTML, for API clients that show it)."""
    for hit in hits:
        hit.snippet = str(marked(hit.excerpt, hit.highlights))
    return hits


# -- labels ---------------------------------------------------------------------------------
def jurisdiction_name(code: str | None, lang: str) -> str:
    if not code:
        return ""
    juris = jurisdictions()
    if code in juris:
        return juris.name(code, lang)
    if code in juris.groups:
        return group_name(code, lang)
    if code.startswith("agreement:"):
        return agreement_name(code, lang)
    return code.upper()


def group_name(code: str, lang: str) -> str:
    spec = jurisdictions().groups.get(code) or {}
    return (spec.get("name_vi") if lang == "vi" else spec.get("name")) or code.upper()


def topic_name(topic_id: str | None, lang: str) -> str:
    if not topic_id:
        return ""
    tax = taxonomy()
    return tax.get(topic_id).display(lang) if topic_id in tax else topic_id


def cite(record: Any) -> str:
    """What a brief cites, for a search hit or an index document."""
    if not isinstance(record, dict):
        return citation(record)
    if record.get("kind") == "provision" and record.get("number"):
        return f"{record.get('instrument_title')}, {record['number']}"
    return record.get("title") or ""


def as_dict(record: Any) -> dict[str, Any]:
    """A hit (a model) or an index document (a dict) as a dict."""
    if isinstance(record, dict):
        return record
    return record.model_dump() if hasattr(record, "model_dump") else dict(vars(record))


def toc_groups(provisions: list[dict[str, Any]], minimum: int = TOC_MINIMUM
               ) -> list[tuple[list[str], list[dict[str, Any]]]]:
    """A long instrument's table of contents: its provisions in document order, grouped by
    their path (chapter, section) where they have one; nothing for a short one."""
    if len(provisions) <= minimum:
        return []
    groups: list[tuple[list[str], list[dict[str, Any]]]] = []
    for prov in provisions:
        path = list(prov.get("path") or [])
        if groups and groups[-1][0] == path:
            groups[-1][1].append(prov)
        else:
            groups.append((path, [prov]))
    return groups


def text_lang(record: Any) -> str:
    """The language of a record's text: editorial summaries are written in English."""
    get = record.get if isinstance(record, dict) else lambda key: getattr(record, key, None)
    if get("text_source") == "editorial":
        return "en"
    return get("language") or "en"


def heat(count: int, top: int) -> int:
    """A colour bucket 0..5 for a count (0 = none, 5 = the largest)."""
    if count <= 0 or top <= 0:
        return 0
    return max(1, min(5, math.ceil(5 * count / top)))


# -- pages ----------------------------------------------------------------------------------
def secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


class Page:
    """One HTML response in the request's language."""

    def __init__(self, request: Request):
        self.request = request
        self.lang = pick_lang(request)
        self.t = translator(self.lang)
        self._instruments: dict[str, dict[str, Any]] = {}
        self._agreements: dict[str, tuple[str, str]] | None = None

    # -- names in the page's language -------------------------------------------------------
    def kb(self) -> Any:
        """The knowledge base the routes use (the same dependency, overrides included)."""
        from api.deps import kb_of

        return kb_of(self.request.app)

    def instrument_doc(self, instrument_id: str | None) -> dict[str, Any]:
        """An instrument's index document, read once per page (for Vietnamese citations)."""
        if not instrument_id:
            return {}
        if instrument_id not in self._instruments:
            try:
                found = self.kb().get_many([instrument_id])
            except KBError:
                found = []
            self._instruments[instrument_id] = found[0] if found else {}
        return self._instruments[instrument_id]

    def agreement_names(self) -> dict[str, tuple[str, str]]:
        """Agreement code -> (English, Vietnamese) name: the knowledge base's entries, then
        the bundled ones."""
        if self._agreements is None:
            self._agreements = agreement_names_of(self.kb())
        return self._agreements

    def agreement(self, code: str | None) -> str:
        return agreement_name(code, self.lang, self.agreement_names()) if code else ""

    def cite(self, record: Any) -> str:
        """A record's citation in the page's language: "Điều 23 Luật Dữ liệu 2024"."""
        if self.lang != "vi":
            return cite(record)
        doc = as_dict(record)
        inst = self.instrument_doc(doc.get("instrument_id")) if doc.get("kind") == "provision" \
            else {}
        code = inst.get("agreement") or doc.get("agreement")
        title_vi = self.agreement_names().get(code, ("", ""))[1] if code else None
        return cite_vi(doc, inst, title_vi)

    def authority(self, name: str | None) -> tuple[str, bool]:
        """An issuing body's name in the page's language, and whether it is shown in English
        for want of a Vietnamese one."""
        if not name:
            return "", False
        if self.lang != "vi":
            return name, False
        vi = authority_vi(name)
        return (vi, False) if vi else (name, True)

    def english_mark(self, has_vi: Any) -> str:
        """"(tiếng Anh)" beside a text shown in English on a Vietnamese page."""
        return "" if self.lang != "vi" or has_vi else self.t("lang.english_marker")

    def helpers(self) -> dict[str, Any]:
        lang = self.lang
        other = "vi" if lang == "en" else "en"
        return {
            "request": self.request,
            "lang": lang,
            "other_lang": other,
            "lang_url": self.lang_url(other),
            "path": self.request.url.path,
            "t": self.t,
            "label": lambda prefix, value: label(lang, prefix, value),
            "juris": lambda code: jurisdiction_name(code, lang),
            "group_name": lambda code: group_name(code, lang),
            "topic": lambda topic_id: topic_name(topic_id, lang),
            "record_url": record_url,
            "eid_of": eid_of,
            "safe_url": safe_url,
            "citation": self.cite,
            "citation_en": cite,
            "agreement_name": self.agreement,
            "authority": self.authority,
            "english_mark": self.english_mark,
            "toc_groups": toc_groups,
            "instrument_of": self.instrument_doc,
            "marked": marked,
            "heat": heat,
            "text_lang": text_lang,
            "url": url,
            "lang_notice": self.lang_notice(),
        }

    def lang_notice(self) -> str | None:
        """Why the page is not in the language asked for: an unknown ``lang`` is said, never
        silently replaced."""
        asked = self.request.query_params.get("lang")
        if asked is None or asked in LANGS:
            return None
        if self.lang == "vi":
            return f"Ngôn ngữ không hợp lệ: lang={asked!r} (en hoặc vi); trang hiển thị tiếng Việt."
        return f"unknown lang: {asked!r} (en or vi); the page is shown in English."

    def lang_url(self, lang: str) -> str:
        """This page in the other language (a GET; a posted draft is not carried over)."""
        params = [(k, v) for k, v in self.request.query_params.multi_items() if k != "lang"]
        return url(self.request.url.path, params, lang=lang)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(template).render(**self.helpers(), **context)
        response = HTMLResponse(html, status_code=status)
        asked = self.request.query_params.get("lang")
        if asked in LANGS:
            response.set_cookie(COOKIE, asked, max_age=COOKIE_MAX_AGE, path="/",
                                samesite="lax", httponly=True)
        response.headers["Vary"] = "Accept-Language, Cookie"  # the page's language
        secure(response)
        return response

    def error(self, status: int, detail: str) -> HTMLResponse:
        titles = {404: "error.not_found", 400: "error.invalid", 413: "error.invalid",
                  503: "error.unavailable"}
        title = self.t(titles.get(status, "error.title"))
        return self.render("error.html", status=status, title=title, detail=detail)


def html_errors(func: Callable[..., Response]) -> Callable[..., Response]:
    """Domain errors in a page route become an HTML page with the right status."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return func(*args, **kwargs)
        except KBError as exc:
            return Page(kwargs["request"]).error(exc.status, str(exc))

    return wrapper


class Static(StaticFiles):
    """The stylesheet, script and icon, with nosniff."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Cache-Control", "public, max-age=3600")
        return response


def static_files() -> Static:
    return Static(directory=STATIC_DIR)
