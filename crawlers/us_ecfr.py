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
Formats: eCFR XML, read by ``kb.importers.ecfr_xml`` (``parse_ecfr`` for the part or subpart
a target asks for); records go through ``kb.importing.build_instrument`` like any import.
History / notes: sections become provisions numbered ``§ 1.2101`` (eId ``sec_1.2101``) with the
subpart and subject-group headings as path; reserved sections are skipped; the part's (or
subpart's) ``SOURCE`` note gives the date of first publication, which fixes the id's year
(``/akn/us/regulation/1997/47-cfr-27``) unless sources.yaml gives the id.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from crawlers.base import CrawlerSource, Request, Target, TargetContext
from crawlers.fetcher import FetchError, FetchResult
from kb.importers.ecfr_xml import FORMAT, parse_ecfr
from kb.importing import ImportMeta
from kb.models import Instrument

__all__ = ["FORMAT", "Source", "parse_ecfr"]


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
