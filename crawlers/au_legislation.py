"""Federal Register of Legislation: the latest compilation of Australian Commonwealth Acts.

Source: Federal Register of Legislation, Office of Parliamentary Counsel (Australian
Government), www.legislation.gov.au, with its public API at api.prod.legislation.gov.au.
URL: the latest registered compilation of a title (``C2004A03712``: C + series year + A for
an Act + number) from the API, ``https://api.prod.legislation.gov.au/v1/versions/find(
titleId='{id}',asAtSpecification='Latest')`` (JSON: ``start``, ``registerId``,
``compilationNumber``, ``name``, ``status``), then its text from the web site's EPUB rendition,
member by member: ``https://www.legislation.gov.au/{id}/{start}/{start}/text/latest/epub/
OEBPS/document.ncx`` lists the volumes (``document_N/document_N.html``), each fetched as
``.../epub/OEBPS/document_1/document_1.html``. The API is keyless OData 4.0 (documentation:
https://api.prod.legislation.gov.au/swagger/index.html); it serves metadata and whole files
(Word, PDF, EPUB), never a single section.
Terms of use: Commonwealth legislation is licensed under CC BY 4.0 (attribution: Federal
Register of Legislation); the authorised versions are the PDFs. The site's robots.txt asks
for a crawl delay, which the fetcher honours.
Jurisdiction: au.
Formats: EPUB XHTML exported from the drafters' Word template (``frl_epub_html``, parsed
here): paragraph classes ``ShortT`` (short title), ``CompiledActNo`` ("No. 119, 1988"),
"Compilation date:" in the front matter, ``ActHead1``..``ActHead4`` (Chapter, Part, Division,
Subdivision; a Schedule is an ``ActHead1``), ``ActHead5`` (a section: ``CharSectno`` and the
caption), body paragraphs (``subsection``, ``paragraph``, ``Definition``...), ``notetext``
and ``TOC*`` (left out) and ``ENotesHeading1`` (the endnotes, where the Act's text ends).
History / notes: a section becomes ``Section 6`` (eId ``sec_6``), a clause of a Schedule
``Schedule 1, clause 8`` (eId ``sch_1__cl_8``); the compilation date is the record's version,
so each new compilation is a new version of the same work. When the API cannot be reached the
crawler reads ``/{id}/latest/latest/...`` instead and says so; when the contents file cannot
be read it takes volume 1 only and says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

from crawlers.base import CrawlerSource, Request, Target, TargetContext
from crawlers.fetcher import FetchError, FetchResult
from kb.errors import ImportFailed
from kb.importers.base import ParsedDocument
from kb.importing import ImportMeta
from kb.models import Instrument, Provision

FORMAT = "frl_epub_html"
VOLUME_MARK = "<!-- regkb-volume: {url} -->"
DEFAULT_API = "https://api.prod.legislation.gov.au/v1"
_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), 1)}
_SKIP = re.compile(r"^(?:TOC\d|notetext|notepara|NoteToSubpara|noteToPara|Header|Footer|"
                   r"ENote|EndNote|Tabletext|TableHeading|SOText)", re.I)
_STATUS = {"inforce": "in-force", "repealed": "repealed", "ceased": "repealed",
           "neveroffect": "repealed", "nevereffective": "repealed"}


def _text(el) -> str:
    return re.sub(r"\s+", " ", el.text_content().replace("\xa0", " ")).strip()


def _long_date(text: str) -> dt.date | None:
    m = re.search(r"(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})", text)
    if not m or m.group(2).lower() not in _MONTHS:
        return None
    try:
        return dt.date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
    except ValueError:
        return None


def parse_frl(data: bytes, name: str, version: dict | None = None) -> list[ParsedDocument]:
    """One or more EPUB volumes of a compilation (joined) -> one document.

    ``version`` is the API's answer for the compilation, when the crawler has it.
    """
    import lxml.html

    version = version or {}
    html = data.decode("utf-8", errors="replace")
    volumes = re.split(r"<!-- regkb-volume: [^>]*-->", html)
    title = number = None
    compiled: dt.date | None = None
    provisions: list[Provision] = []
    seen: set[str] = set()
    levels: dict[int, str] = {}
    schedule: str | None = None
    cur: dict | None = None

    def close() -> None:
        if cur is not None:
            provisions.append(Provision(
                eid=cur["eid"], number=cur["number"], heading=cur["heading"],
                path=cur["path"], text="\n".join(cur["paras"]) or None, kind="section",
                language="en", order=len(provisions) + 1))

    for volume in volumes:
        if not volume.strip():
            continue
        try:
            root = lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", volume))
        except Exception as exc:  # lxml raises ParserError or ValueError on junk
            raise ImportFailed(f"{name}: not readable HTML ({exc})") from None
        for el in root.iter("p"):
            cls = (el.get("class") or "").strip()
            text = _text(el)
            if not text:
                continue
            if cls.startswith("ENotesHeading"):
                break  # the endnotes: amendment history, not the Act
            if cls == "ShortT" and not title:
                title = text
                continue
            if cls == "CompiledActNo" and not number:
                number = text
                continue
            if compiled is None and text.startswith("Compilation date"):
                compiled = _long_date(text)
                continue
            if _SKIP.match(cls):
                continue
            head = re.fullmatch(r"ActHead([1-5])", cls)
            if head and head.group(1) != "5":
                close()
                cur = None
                level = int(head.group(1))
                levels = {k: v for k, v in levels.items() if k < level}
                levels[level] = text
                if level == 1:
                    sch = re.match(r"Schedule\s+(\d+[A-Z]?)\b", text)
                    schedule = sch.group(1) if sch else None
                continue
            if head:
                close()
                sectno = el.xpath(".//span[@class='CharSectno']")
                label = _text(sectno[0]) if sectno else text.split(" ", 1)[0]
                heading = text[len(label):].strip() if text.startswith(label) else text
                if schedule:
                    eid, shown = f"sch_{schedule.lower()}__cl_{label.lower()}", \
                        f"Schedule {schedule}, clause {label}"
                else:
                    eid, shown = f"sec_{label.lower()}", f"Section {label}"
                eid = re.sub(r"[^a-z0-9_.\-]", "-", eid)
                if eid in seen:
                    cur = None  # a repeated heading (a volume's running header)
                    continue
                seen.add(eid)
                cur = {"eid": eid, "number": shown, "heading": heading or None,
                       "path": [levels[k] for k in sorted(levels)], "paras": []}
                continue
            if cur is not None:
                cur["paras"].append(text)
    close()
    if not provisions:
        raise ImportFailed(f"{name}: no sections (ActHead5 paragraphs): not a compilation's "
                           "text, or the site has changed")
    start = str(version.get("start") or version.get("Start") or "")[:10]
    version_date = compiled or (dt.date.fromisoformat(start) if start else None)
    status = _STATUS.get(re.sub(r"\W", "", str(version.get("status") or "")).lower())
    act = re.search(r"No\.?\s*(\d+),?\s*(\d{4})", number or "")
    native = {}
    if version.get("registerId") or version.get("RegisterId"):
        native["frl_register_id"] = str(version.get("registerId") or version.get("RegisterId"))
    return [ParsedDocument(
        title=title or version.get("name") or None, provisions=provisions,
        number=f"No. {act.group(1)}, {act.group(2)}" if act else number, jurisdiction="au",
        doc_type="act", language="en", version_date=version_date, status=status,
        native_ids=native)]


class Source(CrawlerSource):
    version = "1"

    def _title_id(self, target: Target) -> str:
        return str(target.params.get("frl") or target.key)

    @property
    def api_base(self) -> str:
        return str(self.config.options.get("api_base_url") or DEFAULT_API).rstrip("/")

    def _ocf(self, target: Target, date: str | None) -> str:
        when = date or "latest"
        tid = self._title_id(target)
        return f"{self.config.base_url}/{tid}/{when}/{when}/text/latest/epub/OEBPS"

    def url_for(self, target: Target) -> str:
        return f"{self._ocf(target, None)}/document_1/document_1.html"

    def name_for(self, target: Target, url: str) -> str:
        return f"frl-{self._title_id(target)}.html"

    def meta_for(self, target: Target) -> ImportMeta:
        tid = self._title_id(target)
        meta = dict(target.meta)
        meta["native_ids"] = {"frl": tid, **dict(meta.get("native_ids") or {})}
        meta.setdefault("source_url", f"https://www.legislation.gov.au/{tid}/latest/text")
        return ImportMeta.model_validate(meta)

    def requests(self, target: Target, ctx: TargetContext):
        tid = self._title_id(target)
        url = f"{self.api_base}/versions/find(titleId='{tid}',asAtSpecification='Latest')"
        version: dict = {}
        try:
            payload = json.loads(ctx.get(url, headers={"Accept": "application/json"}
                                         ).body.decode("utf-8-sig"))
            version = payload if isinstance(payload, dict) else {}
        except (FetchError, ValueError) as exc:
            ctx.notes.append(f"cannot read the latest compilation from the API ({exc}); "
                             "reading the 'latest' text instead")
        start = str(version.get("start") or version.get("Start") or "")[:10]
        date = start if re.fullmatch(r"\d{4}-\d{2}-\d{2}", start) else None
        base = self._ocf(target, date)
        yield self.make_request(target, f"{base}/document_1/document_1.html",
                                params={"version": version, "ncx": f"{base}/document.ncx"})

    def fetch(self, ctx: TargetContext, request: Request) -> FetchResult:
        """Every volume of the compilation, as one body (volumes marked), in NCX order."""
        ncx = request.params.get("ncx")
        volumes = ["document_1/document_1.html"]
        if ncx:
            try:
                listing = ctx.get(str(ncx)).body.decode("utf-8", errors="replace")
                found = re.findall(r'src="(document_\d+/document_\d+\.html)', listing)
                volumes = list(dict.fromkeys(found)) or volumes
            except FetchError as exc:
                ctx.notes.append(f"cannot read the contents file ({exc}); volume 1 only")
        first = super().fetch(ctx, request)
        if len(volumes) <= 1:
            return first
        base = request.url.rsplit("/", 2)[0]  # .../OEBPS
        bodies = [first.body]
        for volume in volumes[1:]:
            url = f"{base}/{volume}"
            bodies.append(VOLUME_MARK.format(url=url).encode() + b"\n" + ctx.get(url).body)
        body = b"\n".join(bodies)
        ctx.notes.append(f"{len(volumes)} volumes")
        return FetchResult(
            url=first.url, final_url=first.final_url, status=first.status, body=body,
            content_type=first.content_type, etag=first.etag,
            last_modified=first.last_modified, fetched_at=first.fetched_at,
            sha256=hashlib.sha256(body).hexdigest(),
            not_modified=all(f.not_modified for f in ctx.fetches[-len(volumes):]))

    def parse(self, request: Request, result: FetchResult) -> list[Instrument]:
        docs = parse_frl(result.body, request.name, dict(request.params.get("version") or {}))
        return self.build_records(docs, request, result, FORMAT)
