"""The web pages: server-rendered HTML beside the API, usable without JavaScript.

Every page but the draft comparison is a GET with its state in the URL, so it can be
bookmarked. The draft page is a POST: the pasted text is analysed in memory and is neither
stored nor logged.
"""

# No ``from __future__ import annotations`` here: FastAPI reads these route signatures through
# the ``html_errors`` wrapper, so the annotations must be real objects.

from functools import partial
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.deps import KBDep
from api.web.render import Page, clean_id, group_name, html_errors, jurisdiction_name, url
from api.web.search import SearchState, run_search
from kb.asof import parse_as_of, parse_diff_spec, timeline, version_diff
from kb.compare import MAX_COLUMNS, MAX_PASTED, Counterparts, diff_texts
from kb.core import KnowledgeBase
from kb.errors import InvalidQuery, KBError, RecordNotFound
from kb.models import CaseNote, Instrument
from kb.taxonomy import jurisdictions, taxonomy

router = APIRouter(include_in_schema=False)
page_route = partial(router.api_route, methods=["GET", "HEAD"], response_class=HTMLResponse)

MAX_DRAFT_BODY = 10 * MAX_PASTED  # url-encoded Vietnamese takes up to 9 bytes a character
DRAFT_TOP = 5


# -- search ---------------------------------------------------------------------------------
@page_route("/")
@page_route("/search")
@html_errors
def search_page(request: Request, kb: KBDep) -> HTMLResponse:
    page = Page(request)
    view = run_search(kb, SearchState.from_params(request.query_params), page.lang,
                      page.agreement_names())
    return page.render("search.html", view=view, state=view.state, result=view.result)


# -- records --------------------------------------------------------------------------------
@page_route("/instruments/{record_id:path}")
@html_errors
def instrument_page(request: Request, record_id: str, kb: KBDep) -> HTMLResponse:
    as_of = request.query_params.get("as_of", "").strip() or None
    doc = kb.instrument(clean_id(record_id), as_of=as_of)
    stored, curated = kb.stored_record(doc["id"]), kb.entry(doc["id"])
    # as in the index: the curated metadata, the stored text and its version
    record = curated if isinstance(curated, Instrument) else stored
    version = stored.version if isinstance(stored, Instrument) else None
    return Page(request).render(
        "instrument.html", doc=doc, provisions=doc.get("provisions", []),
        record=record if isinstance(record, Instrument) else None, version=version,
        content_hashes={v["version"]: v["content_sha256"] for v in doc.get("versions") or []},
        provenance=doc.get("provenance"),
        case_notes=kb.notes_about(doc["id"]), **version_timeline(kb, doc, request),
    )


def version_timeline(kb: KnowledgeBase, doc: dict[str, Any], request: Request) -> dict[str, Any]:
    """The instrument page's timeline of stored versions, the as-of date it shows, and the
    word diff between two versions (``?diff=v1..v3``, or ``diff_from`` and ``diff_to`` from
    the page's two selects)."""
    entries = timeline(kb.store, doc["id"]) if kb.settings.store_path.exists() else []
    params = request.query_params
    spec = params.get("diff", "").strip()
    if not spec and params.get("diff_from") and params.get("diff_to"):
        spec = f"{params['diff_from']}..{params['diff_to']}"
    numbers = [e.version for e in entries]
    left, right = (numbers[-2], numbers[-1]) if len(numbers) >= 2 else (None, None)
    changes = None
    if spec:
        left, right = parse_diff_spec(spec)
        changes = version_diff(kb.store, doc["id"], left, right)
    return {"timeline": entries, "version_changes": changes, "diff_left": left,
            "diff_right": right, "as_of": doc.get("as_of"),
            "as_of_value": params.get("as_of", "").strip()}


@page_route("/provisions/{record_id:path}")
@html_errors
def provision_page(request: Request, record_id: str, kb: KBDep) -> HTMLResponse:
    doc = kb.get(clean_id(record_id))
    if doc["kind"] != "provision":
        raise RecordNotFound(f"{doc['id']!r} is a {doc['kind']}, not a provision")
    try:
        found = kb.counterparts(doc["id"], limit=15, per_group=3)
    except InvalidQuery:
        found = Counterparts(doc["id"], {})
    return Page(request).render("provision.html", doc=doc, groups=found.groups, why=found.why,
                                links=kb.links(doc["id"]), case_notes=kb.notes_about(doc["id"]))


@page_route("/case-notes/{record_id:path}")
@html_errors
def case_note_page(request: Request, record_id: str, kb: KBDep) -> HTMLResponse:
    note = find_case_note(kb, clean_id(record_id, prefix="notes"))
    related = {d["id"]: d for d in kb.get_many([*note.related_instruments,
                                                *note.related_provisions])}
    return Page(request).render("case_note.html", note=note, related=related)


# -- comparisons ----------------------------------------------------------------------------
@page_route("/compare")
@html_errors
def compare_page(request: Request, kb: KBDep) -> HTMLResponse:
    page = Page(request)
    params = request.query_params
    rows = _values(params.getlist("jurisdiction"))
    agreements = _values(params.getlist("agreement"))
    per_cell = _int(params.get("per_cell"), 3, 1, 5)
    as_of_value = params.get("as_of", "").strip()
    topics, grid, error, as_of = [], None, "", None
    try:
        topics = [taxonomy().resolve(t) for t in _values(params.getlist("topic"), lower=False)]
        as_of = parse_as_of(as_of_value or None)
        if (rows or agreements) and topics:
            grid = kb.compare(topics, rows, agreements, per_cell=per_cell, as_of=as_of)
    except InvalidQuery as exc:
        error = str(exc)
    selection = ([("jurisdiction", r) for r in rows] + [("agreement", a) for a in agreements]
                 + [("topic", t) for t in topics] + [("per_cell", str(per_cell))]
                 + ([("as_of", as_of.isoformat())] if as_of else []))
    downloads = {fmt: url("/v1/compare", selection, format=fmt, lang=page.lang)
                 for fmt in ("csv", "xlsx", "md")}
    return page.render(
        "compare.html", status=400 if error else 200, grid=grid, error=error,
        rows=rows, agreements=agreements, topics=topics, per_cell=per_cell,
        as_of=as_of, as_of_value=as_of.isoformat() if as_of else as_of_value,
        downloads=downloads, pickers=pickers(kb, page.lang), max_columns=MAX_COLUMNS,
    )


@page_route("/coverage")
@html_errors
def coverage_page(request: Request, kb: KBDep) -> HTMLResponse:
    page = Page(request)
    rows = _values(request.query_params.getlist("jurisdiction"))
    by = "sector" if request.query_params.get("by") == "sector" else "topic"
    count = "provisions" if request.query_params.get("count") == "provisions" else "instruments"
    cov = kb.coverage(rows, by=by, count=count)
    top = max((n for row in cov.matrix() for n in row), default=0)
    return page.render("coverage.html", cov=cov, rows=rows, by=by, count=count, top=top,
                       kind_params=[("kind", k) for k in cov.kinds], pickers=pickers(kb, page.lang))


@page_route("/diff")
@html_errors
def diff_page(request: Request, kb: KBDep) -> HTMLResponse:
    left = request.query_params.get("left", "").strip()
    right = request.query_params.get("right", "").strip()
    docs, diff = [], None
    if left and right:
        docs = [kb.get(clean_id(value)) for value in (left, right)]
        for doc in docs:
            if doc["kind"] == "case-note":
                raise InvalidQuery(f"{doc['id']!r} is a case note: compare provisions")
        diff = kb.diff(docs[0]["id"], docs[1]["id"])
    return Page(request).render("diff.html", left=left, right=right, docs=docs, diff=diff)


# -- the draft: POST, nothing stored or logged ----------------------------------------------
@page_route("/draft")
def draft_form(request: Request) -> HTMLResponse:
    return Page(request).render("draft.html", text="", scope="", result=None, error="")


@router.post("/draft", response_class=HTMLResponse)
async def draft_submit(request: Request, kb: KBDep) -> HTMLResponse:
    page = Page(request)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_DRAFT_BODY:
            return _no_store(page.render("draft.html", status=413, text="", scope="",
                                         result=None, error=page.t("draft.too_long")))
    form = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=10)
    text = (form.get("text") or [""])[0].strip()
    scope = (form.get("scope") or [""])[0].strip().lower()
    result, error, status = None, "", 200
    try:
        result = await run_in_threadpool(closest, kb, text, scope)
    except KBError as exc:
        error, status = str(exc), exc.status
    return _no_store(page.render("draft.html", status=status, text=text, scope=scope,
                                 result=result, error=error))


def closest(kb: KnowledgeBase, text: str, scope: str) -> dict[str, Any]:
    """Counterparts of a pasted text, and a diff against each of the closest ones."""
    if len(text) > MAX_PASTED:
        raise InvalidQuery(f"text too long ({len(text)} characters, at most {MAX_PASTED})")
    found = kb.counterparts(text, limit=15, per_group=3, jurisdictions=[scope] if scope else [])
    hits = sorted((h for hits in found.groups.values() for h in hits), key=lambda h: -h.score)
    top = hits[:DRAFT_TOP]
    docs = {d["id"]: d for d in kb.get_many([h.id for h in top])}
    diffs = [(hit, diff_texts(text, (docs.get(hit.id) or {}).get("text") or "", None, hit.id))
             for hit in top]
    return {"groups": found.groups, "diffs": diffs, "why": found.why}


def _no_store(response: HTMLResponse) -> HTMLResponse:
    response.headers["Cache-Control"] = "no-store"
    return response


# -- helpers --------------------------------------------------------------------------------
def find_case_note(kb: KnowledgeBase, note_id: str) -> CaseNote:
    """The case note as indexed: the stored one, else the curated entry."""
    record = kb.stored_record(note_id)
    if isinstance(record, CaseNote):
        return record
    return kb.case_note(note_id)  # raises RecordNotFound


def pickers(kb: KnowledgeBase, lang: str) -> dict[str, list[tuple[str, str]]]:
    """Choices for the compare and coverage forms: groups, jurisdictions with records,
    agreements in the index, topics by sector."""
    juris = jurisdictions()
    groups = [(g, group_name(g, lang)) for g in juris.groups if g not in juris]
    codes = [c for c in kb.stats().get("by_jurisdiction", {}) if c != "int"]
    ranked = sorted(((c, jurisdiction_name(c, lang)) for c in codes), key=lambda p: p[1])
    treaties = kb.search(jurisdiction="int", kind="instrument", limit=100, facets=False)
    docs = kb.get_many([h.id for h in treaties.hits])
    agreements = sorted({d["agreement"] for d in docs if d.get("agreement")})
    tax = taxonomy()
    topics = [(s.id, s.display(lang), [(t, tax.get(t).display(lang)) for t in tax.topics
                                       if t.startswith(s.id + "/")]) for s in tax.sectors]
    return {"groups": groups, "jurisdictions": ranked,
            "agreements": [(a, a.upper()) for a in agreements], "topics": topics}


def _values(raw: list[str], lower: bool = True) -> list[str]:
    out: list[str] = []
    for item in raw:
        for part in item.split(","):
            value = part.strip().lower() if lower else part.strip()
            if value and value not in out:
                out.append(value)
    return out


def _int(raw: str | None, default: int, lo: int, hi: int) -> int:
    try:
        return max(lo, min(hi, int(raw or default)))
    except ValueError:
        return default
