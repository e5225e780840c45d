"""US Federal Register API v1 JSON: document search responses and single-document responses.

Publisher: the Office of the Federal Register (NARA) and the GPO, at
https://www.federalregister.gov/developers/documentation/api/v1 . Reads:

- ``/api/v1/documents.json`` search responses ``{count, description, total_pages,
  next_page_url, results: [...]}`` -> one document per result;
- ``/api/v1/documents/{number}.json`` single-document responses (the same fields at the top
  level), and multi-document fetches ``/documents/{n1},{n2}.json`` (``results`` plus, for unknown
  numbers, ``errors: {"not_found": [...]}``, reported in ``notes``);
- error responses (``{"errors": ...}`` alone, or ``{"status": 4xx/5xx, "message": ...}``):
  ImportFailed with the API's message.

Fields used: ``title``, ``document_number`` (number and native id ``fr_doc``), ``citation``
(``89 FR 43``, native id ``fr_citation``), ``type`` (Rule -> regulation, Proposed Rule ->
regulation with status draft, Notice and Presidential Document -> decision, anything else ->
doc), ``publication_date``, ``effective_on``, ``abstract`` (summary), ``html_url`` (source URL),
``agencies[].name`` (or ``agency_names``; issuing body, joined with "; ").

Scope: a search page mixes every agency of the government (a year's first page is notices on
airworthiness and fisheries). Only documents in scope are returned: those of an agency, or
touching a CFR title, listed in ``SCOPE`` (telecom, spectrum, the digital economy), some only
when their title, abstract or topics name the subject (the FTC on privacy and data, Commerce
and BIS on the ICT supply chain). The rest are returned in ``ParseResult.skipped``, each with
its reason, for ingest to count as skipped. A result whose response carries no agency or CFR
field at all (a search asking for few ``fields[]``) cannot be judged and is kept, with a note.

The API returns metadata only: the body is a separate download (``body_html_url``,
``full_text_xml_url``, ``raw_text_url``), so documents come with no provisions and a note naming
the body URL. Searches may ask for a subset of fields (``fields[]``): every field but
``document_number`` and ``title`` is optional.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kb.errors import ImportFailed
from kb.importers import _json
from kb.importers.base import ParsedDocument, ParseResult, Skipped
from kb.text import normalize_space

FORMAT = "federal_register"

_TYPES = {  # API type (display name or search-condition code) -> (doc_type, status)
    "rule": ("regulation", None),
    "proposed rule": ("regulation", "draft"),
    "prorule": ("regulation", "draft"),
    "notice": ("decision", None),
    "presidential document": ("decision", None),
    "presdocu": ("decision", None),
}
_DOC_NUMBER_RE = re.compile(r'"document_number"\s*:\s*"')


@dataclass(frozen=True)
class Scope:
    """Documents the knowledge base wants: of these agencies (slugs) or CFR titles, and, when
    ``words`` is set, only those whose title, abstract, action or topics name one of them."""

    reason: str
    agencies: tuple[str, ...] = ()
    cfr_titles: tuple[int, ...] = ()
    words: tuple[str, ...] = ()


_PRIVACY = ("privacy", "personal data", "personal information", "data security", "data broker",
            "children's online", "coppa", "surveillance", "commercial data", "data breach")
_ICT = ("information and communications technology", "icts", "ict supply chain",
        "connected vehicle", "telecommunications", "undersea cable", "submarine cable",
        "artificial intelligence")
SCOPE: tuple[Scope, ...] = (
    Scope("FCC: the US telecom, broadcasting and spectrum regulator",
          agencies=("federal-communications-commission",)),
    Scope("NTIA: federal spectrum management and broadband policy",
          agencies=("national-telecommunications-and-information-administration",)),
    Scope("CFR title 47: Telecommunication", cfr_titles=(47,)),
    Scope("FTC on privacy and data security",
          agencies=("federal-trade-commission",), words=_PRIVACY),
    Scope("Commerce and BIS on the ICT supply chain and export controls on technology",
          agencies=("commerce-department", "industry-and-security-bureau"), words=_ICT),
    Scope("NIST on cybersecurity and privacy",
          agencies=("national-institute-of-standards-and-technology",),
          words=("cybersecurity", "privacy", "cryptograph", "artificial intelligence")),
)


def sniff(data: bytes, filename: str) -> int:
    head = _json.head(data, 8192)
    if not head.lstrip().startswith("{"):
        return 0
    if _DOC_NUMBER_RE.search(head):
        if "federalregister.gov" in head or '"citation"' in head:
            return 95
        if '"publication_date"' in head or '"agencies"' in head:
            return 80
    if re.search(r'"total_pages"\s*:', head) and '"results"' in head and (
            "federalregister.gov" in head):
        return 90
    if _error_of(head) and re.search(r"federal.?register|fr-api", filename, re.I):
        return 60
    return 0


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    payload = _json.load_object(data, filename, "a Federal Register API response")

    if "document_number" in payload:
        return [_document(payload, filename)]
    results = payload.get("results")
    errors = payload.get("errors")
    if not results:
        message = _error_message(payload)
        if message:
            raise ImportFailed(f"{filename}: Federal Register API error: {message}")
        if isinstance(results, list):
            raise ImportFailed(f"{filename}: the search response has no results "
                               f"(count {payload.get('count', 0)}); nothing to import")
        raise ImportFailed(f"{filename}: not a Federal Register documents response "
                           "(no 'results' and no 'document_number')")
    if not isinstance(results, list):
        raise ImportFailed(f"{filename}: 'results' is not a list")
    out = ParseResult()
    for item in (r for r in results if isinstance(r, dict)):
        reason = out_of_scope(item)
        doc = _document(item, filename)
        if reason:
            out.skipped.append(Skipped(f"{doc.number} {doc.title}", reason))
            continue
        if reason is None:
            doc.notes.append("scope not checked: the response states no agency or CFR part")
        out.append(doc)
    if errors:
        note = f"the API also reported: {_describe(errors)}"
        for doc in out:
            doc.notes.append(note)
    return out


def _slug(value: object) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _str(value).lower()).strip("-")


def out_of_scope(item: dict) -> str | None:
    """Why a search result is out of scope; "" when it is in scope, None when the response
    does not say enough to judge (no agency and no CFR field)."""
    agencies = {_slug(a.get("slug")) or _slug(a.get("name")) or _slug(a.get("raw_name"))
                for a in item.get("agencies") or [] if isinstance(a, dict)}
    agencies |= {_slug(n) for n in item.get("agency_names") or []}
    agencies.discard("")
    titles = {int(ref["title"]) for ref in item.get("cfr_references") or []
              if isinstance(ref, dict) and str(ref.get("title", "")).isdigit()}
    if not agencies and not titles and not any(
            k in item for k in ("agencies", "agency_names", "cfr_references")):
        return None
    topics = [t for t in item.get("topics") or [] if isinstance(t, str)]
    about = " ".join([_str(item.get("title")), _str(item.get("abstract")),
                      _str(item.get("action")), *topics]).lower()
    for scope in SCOPE:
        if not (agencies & set(scope.agencies) or titles & set(scope.cfr_titles)):
            continue
        if not scope.words or any(re.search(rf"\b{re.escape(w)}", about) for w in scope.words):
            return ""
    named = ", ".join(sorted(agencies)) or "no agency"
    cfr = ", ".join(f"CFR title {t}" for t in sorted(titles))
    return f"out of scope: {named}" + (f", {cfr}" if cfr else "")


def _document(item: dict, filename: str) -> ParsedDocument:
    number = _str(item.get("document_number"))
    title = _str(item.get("title"))
    if not number:
        raise ImportFailed(f"{filename}: a result has no document_number")
    if not title:
        raise ImportFailed(f"{filename}: document {number} has no title")
    doc_type, status = _TYPES.get(_str(item.get("type")).lower(), ("doc", None))
    native_ids = {"fr_doc": number}
    citation = _str(item.get("citation"))
    if citation:
        native_ids["fr_citation"] = citation
    notes = []
    body_url = _str(item.get("body_html_url")) or _str(item.get("full_text_xml_url"))
    if body_url:
        notes.append(f"metadata only: the text is at {body_url}")
    source_url = _str(item.get("html_url"))
    return ParsedDocument(
        title=title,
        number=number,
        jurisdiction="us",
        doc_type=doc_type,
        language="en",
        date=_date(item.get("publication_date"), number, filename),
        in_force=_date(item.get("effective_on"), number, filename),
        native_ids=native_ids,
        source_url=source_url if source_url.startswith(("https://", "http://")) else None,
        issuing_body=_agencies(item),
        summary=_str(item.get("abstract")) or None,
        status=status,
        notes=notes,
    )


def _agencies(item: dict) -> str | None:
    names: list[str] = []
    for agency in item.get("agencies") or []:
        if isinstance(agency, dict):
            name = _str(agency.get("name")) or _str(agency.get("raw_name"))
            if name and name not in names:
                names.append(name)
    if not names:
        names = [n for n in (_str(x) for x in item.get("agency_names") or []) if n]
    return "; ".join(names) or None


def _date(value: object, number: str, filename: str) -> dt.date | None:
    text = _str(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError as exc:
        raise ImportFailed(f"{filename}: document {number} has a bad date {text!r}") from exc


def _str(value: object) -> str:
    return normalize_space(value) if isinstance(value, str) else ""


def _error_of(head: str) -> bool:
    return bool(re.search(r'"errors"\s*:', head) or re.search(r'"status"\s*:\s*[45]\d\d', head))


def _error_message(payload: dict) -> str | None:
    if payload.get("errors"):
        return _describe(payload["errors"])
    status = payload.get("status")
    if isinstance(status, int | str) and str(status).isdigit() and int(status) >= 400:
        detail = payload.get("message") or payload.get("error") or "no message"
        return f"status {status}: {_describe(detail)}"
    return None


def _describe(errors: object) -> str:
    if isinstance(errors, dict):
        return "; ".join(f"{k}: {_describe(v)}" for k, v in errors.items())
    if isinstance(errors, list):
        return ", ".join(_describe(e) for e in errors)
    return normalize_space(str(errors))
