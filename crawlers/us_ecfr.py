"""eCFR: the Electronic Code of Federal Regulations, Title 47 (Telecommunication), by part.

Source: eCFR, the Office of the Federal Register (NARA) with the GPO.
URL: ``https://www.ecfr.gov/api/versioner/v1/full/{date}/title-47.xml?part={part}`` (and
``&subpart={letter}``), ``{date}`` being the title's ``up_to_date_as_of`` from
``https://www.ecfr.gov/api/versioner/v1/titles.json``. Documentation:
https://www.ecfr.gov/developers/documentation/api/v1
Fallback: ``https://www.govinfo.gov/bulkdata/ECFR/title-47/ECFR-title47.xml``, the daily bulk
XML of the whole title in the same markup, used when robots.txt disallows the versioner
(ecfr.gov's robots.txt has carried ``Disallow: /api/versioner/v1/full/`` for all agents);
the part is cut out of it here.
Terms of use: US government work, public domain. The eCFR is authoritative but unofficial; the
annual CFR edition on govinfo.gov is the official one.
Jurisdiction: us.
Formats: eCFR XML (``DIV5`` part, ``DIV6`` subpart, ``DIV7`` subject group, ``DIV8`` section,
``DIV9`` appendix, each with a ``HEAD``; ``SOURCE`` and ``AUTH`` notes; ``P``/``FP`` paragraphs,
``GPOTABLE`` tables, ``CITA`` amendment history). No ``kb.importers`` module reads it, so the
small parser below (``parse_ecfr``, pure) turns it into a ``ParsedDocument`` that goes through
``kb.importing.build_instrument`` like any other import.
History / notes: sections become provisions numbered ``§ 1.2101`` (eId ``sec_1.2101``) with the
subpart and subject-group headings as path; reserved sections are skipped; the part's (or
subpart's) ``SOURCE`` note gives the date of first publication, which fixes the id's year
(``/akn/us/regulation/1997/47-cfr-27``) unless sources.yaml gives the id.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from lxml import etree

from crawlers.base import CrawlerSource, Request, Target, TargetContext
from crawlers.fetcher import FetchError, FetchResult
from kb.errors import ImportFailed
from kb.importers.base import ParsedDocument
from kb.importing import ImportMeta
from kb.models import Instrument, Provision
from kb.text import normalize_space

FORMAT = "ecfr_xml"
_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
           "sep": 9, "oct": 10, "nov": 11, "dec": 12}
_SOURCE_DATE = re.compile(r"\b\d+\s+FR\s+\d+,\s*([A-Z][a-z]+)\.?\s+(\d{1,2}),\s*(\d{4})")
_SMALL = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"}
_SKIP = {"HEAD"}
_DASHES = re.compile(r"\s*[—–]\s*|\s+-\s+")


def _text(el: etree._Element | None) -> str:
    return normalize_space("".join(el.itertext())) if el is not None else ""


def _title_case(caption: str) -> str:
    if caption != caption.upper():
        return caption
    words = caption.lower().split(" ")
    return " ".join(w if (i and w in _SMALL) else w[:1].upper() + w[1:]
                    for i, w in enumerate(words))


def source_date(text: str) -> dt.date | None:
    """``62 FR 9658, Mar. 3, 1997, unless otherwise noted.`` -> 1997-03-03."""
    match = _SOURCE_DATE.search(text)
    return _month_date(match[0].split(",", 1)[1]) if match else None


def _month_date(text: str) -> dt.date | None:
    """``Jun. 10, 2024`` / ``June 10, 2024`` -> 2024-06-10."""
    match = re.search(r"([A-Z][a-z]+)\.?\s+(\d{1,2}),\s*(\d{4})", text)
    month = _MONTHS.get(match[1][:3].lower()) if match else None
    try:
        return dt.date(int(match[3]), month, int(match[2])) if match and month else None
    except ValueError:
        return None


def _block_text(el: etree._Element) -> str:
    if el.tag == "GPOTABLE":
        rows = []
        for row in el.iter("ROW", "BOXHD"):
            cells = [_text(c) for c in row if _text(c)]
            if cells:
                rows.append(" | ".join(cells))
        return "\n".join(rows)
    return _text(el)


def _section(el: etree._Element, node: etree._Element, order: int) -> Provision | None:
    head = _text(el.find("HEAD"))
    number_attr = normalize_space(el.get("N") or "")
    lines = [t for t in (_block_text(c) for c in el if c.tag not in _SKIP
                         and isinstance(c.tag, str)) if t]
    path = []
    parent = el.getparent()
    while parent is not None and parent is not node:
        if parent.tag in ("DIV6", "DIV7") and _text(parent.find("HEAD")):
            path.insert(0, _text(parent.find("HEAD")))
        parent = parent.getparent()
    if el.tag == "DIV8":
        match = re.match(r"^§+\s*([\w.\-]+)\s*(.*)$", head)
        number = f"§ {match[1] if match else number_attr}"
        heading = (match[2] if match else head).strip().rstrip(".").strip() or None
        if not lines and (not heading or "[reserved]" in heading.lower()):
            return None
        key = match[1] if match else number_attr
        eid = "sec_" + re.sub(r"[^a-z0-9.\-]+", "_", key.lower()).strip("_")
        kind = "section"
    else:  # DIV9: appendix
        parts = _DASHES.split(head, maxsplit=1)
        number = parts[0] or number_attr or f"Appendix {order}"
        heading = parts[1] if len(parts) > 1 else None
        if not lines:
            return None
        eid = "app_" + (re.sub(r"[^a-z0-9]+", "_", number.lower()).strip("_") or str(order))
        kind = "annex"
    return Provision(eid=eid, number=number, heading=heading, path=path,
                     text="\n".join(lines) or None, kind=kind, language="en", order=order)


def parse_ecfr(data: bytes, name: str, *, part: str, subpart: str | None = None,
               title: int = 47, version_date: dt.date | None = None,
               issuing_body: str | None = None) -> list[ParsedDocument]:
    """One part (or subpart) of an eCFR XML answer or bulk title file -> one document."""
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=True))
    except etree.XMLSyntaxError as exc:
        raise ImportFailed(f"{name}: not well-formed XML: {exc}") from exc
    part = str(part)
    part_el = root if (root.tag == "DIV5" and root.get("N") == part) else next(
        (e for e in root.iter("DIV5") if e.get("N") == part), None)
    node = part_el
    if subpart:
        scope = part_el if part_el is not None else root
        node = scope if (scope.tag == "DIV6" and (scope.get("N") or "").upper()
                         == subpart.upper()) else next(
            (e for e in scope.iter("DIV6") if (e.get("N") or "").upper() == subpart.upper()),
            None)
    label = f"Part {part}" + (f", Subpart {subpart.upper()}" if subpart else "")
    if node is None:
        raise ImportFailed(f"{name}: no {title} CFR {label} in the answer (root "
                           f"<{root.tag}>); the eCFR may have moved or reserved it")
    head = _text(node.find("HEAD"))
    pieces = _DASHES.split(head, maxsplit=1)
    caption = _title_case(pieces[1].strip()) if len(pieces) > 1 else ""
    number = f"{title} CFR {label}"
    doc_title = f"{number} - {caption}" if caption else number

    if version_date is None:  # a bulk title file states its currency in AMDDATE
        version_date = _month_date(_text(root.find(".//AMDDATE")))
    source_text = _text(node.find("SOURCE"))
    if not source_text and part_el is not None:
        source_text = _text(part_el.find("SOURCE"))
    first_published = source_date(source_text)

    provisions: list[Provision] = []
    seen: set[str] = set()
    for el in node.iter("DIV8", "DIV9"):
        if el.tag == "DIV9" and el.getparent() is not None and el.getparent().tag == "DIV8":
            continue
        prov = _section(el, node, len(provisions) + 1)
        if prov is None:
            continue
        eid, n = prov.eid, 1
        while eid in seen:
            n += 1
            eid = f"{prov.eid}_{n}"
        seen.add(eid)
        provisions.append(prov if eid == prov.eid else prov.model_copy(update={"eid": eid}))
    if not provisions:
        raise ImportFailed(f"{name}: {number} has no sections with text")

    work_id = None
    if first_published:
        slug = f"{title}-cfr-{part}" + (f"-subpart-{subpart.lower()}" if subpart else "")
        work_id = f"/akn/us/regulation/{first_published.year}/{slug}"
    return [ParsedDocument(
        title=doc_title, provisions=provisions, number=number, jurisdiction="us",
        doc_type="regulation", language="en", date=first_published, version_date=version_date,
        native_ids={"cfr": number}, work_id=work_id, issuing_body=issuing_body,
        notes=[] if first_published else ["no SOURCE date; the id needs one from sources.yaml"],
    )]


class Source(CrawlerSource):
    version = "1"

    def __init__(self, config):
        super().__init__(config)
        self._date: str | None = None

    @property
    def title_number(self) -> int:
        return int(self.config.options.get("title") or 47)

    def _date_or_default(self) -> str:
        return self._date or str(self.config.options.get("date") or "current")

    def url_for(self, target: Target) -> str:
        part = str(target.params["part"])
        url = (f"{self.config.base_url}/api/versioner/v1/full/{self._date_or_default()}/"
               f"title-{self.title_number}.xml?part={part}")
        if target.params.get("subpart"):
            url += f"&subpart={target.params['subpart']}"
        return url

    def bulk_url(self) -> str:
        base = str(self.config.options.get("bulk_base_url") or "https://www.govinfo.gov")
        t = self.title_number
        return f"{base.rstrip('/')}/bulkdata/ECFR/title-{t}/ECFR-title{t}.xml"

    def name_for(self, target: Target, url: str) -> str:
        return f"ecfr-title{self.title_number}-{target.key}.xml"

    def meta_for(self, target: Target) -> ImportMeta:
        part = str(target.params["part"])
        sub = target.params.get("subpart")
        page = f"https://www.ecfr.gov/current/title-{self.title_number}/part-{part}"
        if sub:
            page += f"/subpart-{sub}"
        return target.import_meta(source_url=target.meta.get("source_url") or page)

    def resolve_date(self, ctx: TargetContext) -> None:
        """The title's ``up_to_date_as_of`` from titles.json (once per crawl)."""
        if self._date or self.config.options.get("date"):
            return
        url = f"{self.config.base_url}/api/versioner/v1/titles.json"
        try:
            payload = json.loads(ctx.get(url).body.decode("utf-8-sig"))
        except (FetchError, ValueError) as exc:
            ctx.notes.append(f"cannot read the title dates ({exc}); using 'current'")
            return
        for item in payload.get("titles", []) if isinstance(payload, dict) else []:
            if str(item.get("number")) == str(self.title_number):
                date = item.get("up_to_date_as_of") or item.get("latest_issue_date")
                if date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(date)):
                    self._date = str(date)
                return

    def requests(self, target: Target, ctx: TargetContext):
        self.resolve_date(ctx)
        yield self.make_request(target, alternates=(self.bulk_url(),))

    def parse(self, request: Request, result: FetchResult) -> list[Instrument]:
        params = request.target.params
        version = None
        match = re.search(r"/full/(\d{4}-\d{2}-\d{2})/", request.url)
        if match:
            version = dt.date.fromisoformat(match[1])
        docs = parse_ecfr(
            result.body, request.name, part=str(params["part"]), subpart=params.get("subpart"),
            title=self.title_number, version_date=version,
            issuing_body=self.config.options.get("issuing_body"),
        )
        return self.build_records(docs, request, result, FORMAT)
