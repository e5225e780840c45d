"""Singapore Statutes Online: the current revised text of Singapore Acts, by Act code.

Source: Singapore Statutes Online (SSO), Legislation Division of the Attorney-General's
Chambers of Singapore.
URL: ``https://sso.agc.gov.sg/Act/{code}`` (``PDPA2012``, ``TA1999``, ``CA2018``...). The page
holds the first Part of the Act inline; each later Part is a placeholder
``<div class="dms" data-field="seriesId" data-term="{series id}">`` that the browser fills from
``/Details/GetLazyLoadContent?TocSysId=...&SeriesId=...&FragSysId=...&_=...``, the ids coming
from the JSON of ``<div class="global-vars" data-json='...'>`` (``tocSysId``, ``fragments``:
``{series id: {Item1: fragment id, Item2: date stamp}}``). The crawler fetches the page, then
each fragment, and parses the whole.
Terms of use: SSO terms of use; the legislation is free to read and link; the official versions
are those on SSO. Automated clients should keep to a low request rate (the fetcher's delay).
Jurisdiction: sg.
Formats: SSO HTML (``sso_html``, parsed here): ``div.prov1`` per section with
``td.prov1Hdr`` (id ``pr26-``, the caption in a ``span``) and ``td.prov1Txt`` (the text:
``<strong>26.</strong>``, subsections in ``td.prov2Txt`` rows, paragraphs in ``td.p1No`` +
``td.pTxt`` rows); Parts as ``div.partNo`` ("PART 6") + ``td.partHdr`` (the title), Divisions
likewise with ``divNo``/``divHdr``; the page title names the Act; "Act 26 of 2012" and
"Current version as at 05 Dec 2025" are read from the page text.
History / notes: a section becomes a provision ``Section 26`` (eId ``sec_26``, as the curated
entries number them) whose path is the Part and Division above it; the version date ("current
version as at") is the record's version, so a re-crawl after a revision is a new version of
the same work. Schedules are left out. A fragment that cannot be fetched fails the target
rather than storing an Act with Parts missing. Pages served by a later site design fail the
"no sections" sanity check loudly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html as html_lib
import json
import re
from urllib.parse import urlencode

from crawlers.base import CrawlerSource, Request, Target, TargetContext
from crawlers.fetcher import FetchResult
from kb.errors import ImportFailed
from kb.importers.base import ParsedDocument
from kb.importing import ImportMeta
from kb.models import Instrument, Provision

FORMAT = "sso_html"
FRAGMENT_MARK = "<!-- regkb-fragment: {url} -->"
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_BLOCK = {"tr", "p", "div", "br", "li", "table"}
_GROUP = re.compile(r'class="(part|div)No"[^>]*>(.*?)</div>.*?class="\1Hdr"[^>]*>(.*?)</td>',
                    re.S | re.I)


def _date(day: str, month: str, year: str) -> dt.date | None:
    number = _MONTHS.get(month[:3].lower())
    try:
        return dt.date(int(year), number, int(day)) if number else None
    except ValueError:
        return None


def text_of(el) -> str:
    """An element's text with table rows and paragraphs on lines of their own, cells spaced."""
    parts: list[str] = []

    def walk(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("script", "style"):
            if node.tail:
                parts.append(node.tail)
            return
        if tag in _BLOCK:
            parts.append("\n")
        elif tag in ("td", "th"):
            parts.append(" ")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
        if tag in _BLOCK:
            parts.append("\n")
        if node.tail:
            parts.append(node.tail)

    walk(el)
    text = "".join(parts).replace("\xa0", " ").replace("\u200b", "")
    lines = (re.sub(r"\s+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def fragment_urls(page: bytes, base_url: str) -> list[str]:
    """The lazy-load URLs of the Parts a page leaves out, in document order."""
    html = page.decode("utf-8", errors="replace")
    settings: dict = {}
    for raw in re.findall(r'class="global-vars"[^>]*data-json=(?:\'([^\']*)\'|"([^"]*)")', html):
        try:
            data = json.loads(html_lib.unescape(raw[0] or raw[1]))
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("tocSysId"):
            settings = data
    series = re.findall(r'<div class="dms" data-field="seriesId" data-term="([^"]+)"', html)
    if not series:
        return []
    if not settings:
        raise ImportFailed("the page lazy-loads Parts but names no tocSysId (has SSO changed?)")
    fragments = settings.get("fragments") or {}
    out = []
    for term in series:
        params = {"TocSysId": settings["tocSysId"], "SeriesId": term}
        frag = fragments.get(term) or {}
        if frag.get("Item1"):
            params["FragSysId"] = frag["Item1"]
        if frag.get("Item2"):
            params["_"] = frag["Item2"]
        out.append(f"{base_url}/Details/GetLazyLoadContent?{urlencode(params)}")
    return out


def parse_sso(data: bytes, name: str) -> list[ParsedDocument]:
    """An SSO Act page (with any fetched fragments appended) -> one document."""
    import lxml.html

    html = data.decode("utf-8", errors="replace")
    title_m = re.search(r"<title>\s*(.*?)\s*(?:-\s*Singapore Statutes Online)?\s*</title>",
                        html, re.S | re.I)
    title = re.sub(r"\s+", " ", html_lib.unescape(title_m.group(1))).strip() if title_m else ""
    starts = [m.start() for m in re.finditer(r'<div class="prov1"', html)]
    if not starts:
        raise ImportFailed(f"{name}: no sections (div.prov1) on the page: not an SSO Act page, "
                           "or the site has changed")
    groups = sorted((m.start(), m.group(1).lower(), _clean(m.group(2)), _clean(m.group(3)))
                    for m in _GROUP.finditer(html))
    provisions: list[Provision] = []
    seen: set[str] = set()
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(html)
        chunk = html[start:end]
        head = re.search(r'class="prov1Hdr"[^>]*id="pr([0-9A-Za-z]+)-"[^>]*>(.*?)</td>',
                         chunk, re.S)
        if not head:
            continue
        label = head.group(1)
        eid = f"sec_{label.lower()}"
        if eid in seen:  # a fragment repeating a Part already inline
            continue
        seen.add(eid)
        root = lxml.html.fragment_fromstring(chunk, create_parent="div")
        body = root.xpath(".//td[contains(concat(' ', @class, ' '), ' prov1Txt ')]")
        text = "\n".join(text_of(td) for td in body).strip()
        path: dict[str, str] = {}
        for pos, kind, number, heading in groups:
            if pos > start:
                break
            if kind == "part":
                path = {}
            path[kind] = f"{number.title()} {heading}".strip()
        provisions.append(Provision(
            eid=eid, number=f"Section {label}", heading=_clean(head.group(2)) or None,
            path=[path[k] for k in ("part", "div") if k in path], text=text or None,
            kind="section", language="en", order=len(provisions) + 1))
    page_text = re.sub(r"<[^>]+>", " ", html)
    # the timeline lists amending Acts first and the Act itself last ("Act 26 of 2012")
    acts = re.findall(r"\bAct\s+(\d+)\s+of\s+(\d{4})\b", page_text)
    year = re.search(r"\b(1[89]\d\d|20\d\d)$", title)
    act = next((a for a in acts if year and a[1] == year.group(1)), acts[-1] if acts else None)
    as_at = re.search(r"Current version as at\s+(\d{1,2})\s+([A-Za-z]{3,9})\s+(\d{4})", page_text)
    return [ParsedDocument(
        title=title or None, provisions=provisions, jurisdiction="sg", doc_type="act",
        language="en", number=f"Act {act[0]} of {act[1]}" if act else None,
        version_date=_date(*as_at.groups()) if as_at else None)]


def _clean(fragment: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


class Source(CrawlerSource):
    version = "1"

    def _code(self, target: Target) -> str:
        return str(target.params.get("sso") or target.key)

    def url_for(self, target: Target) -> str:
        return f"{self.config.base_url}/Act/{self._code(target)}"

    def name_for(self, target: Target, url: str) -> str:
        return f"sso-{self._code(target)}.html"

    def meta_for(self, target: Target) -> ImportMeta:
        code = self._code(target)
        meta = dict(target.meta)
        meta["native_ids"] = {"sso": code, **dict(meta.get("native_ids") or {})}
        meta.setdefault("source_url", f"https://sso.agc.gov.sg/Act/{code}")
        return ImportMeta.model_validate(meta)

    def fetch(self, ctx: TargetContext, request: Request) -> FetchResult:
        """The Act page, then each lazily loaded Part, as one body (fragments marked)."""
        page = super().fetch(ctx, request)
        urls = fragment_urls(page.body, self.config.base_url)
        if not urls:
            return page
        bodies = [page.body]
        for url in urls:
            part = ctx.get(url)
            bodies.append(FRAGMENT_MARK.format(url=url).encode() + b"\n" + part.body)
        body = b"\n".join(bodies)
        ctx.notes.append(f"{len(urls)} lazily loaded part(s) fetched")
        return FetchResult(
            url=page.url, final_url=page.final_url, status=page.status, body=body,
            content_type=page.content_type, etag=page.etag, last_modified=page.last_modified,
            fetched_at=page.fetched_at, sha256=hashlib.sha256(body).hexdigest(),
            not_modified=all(f.not_modified for f in ctx.fetches[-len(urls) - 1:]),
        )

    def parse(self, request: Request, result: FetchResult) -> list[Instrument]:
        docs = parse_sso(result.body, request.name)
        return self.build_records(docs, request, result, FORMAT)
