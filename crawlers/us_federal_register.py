"""US Federal Register API: rules, proposed rules and notices of the FCC and NTIA.

Source: FederalRegister.gov, the Office of the Federal Register (NARA) with the GPO.
URL: ``https://www.federalregister.gov/api/v1/documents.json`` with ``conditions[agencies][]``
(agency slugs: ``federal-communications-commission``,
``national-telecommunications-and-information-administration``), ``conditions[term]``,
``conditions[type][]`` (RULE, PRORULE, NOTICE, PRESDOCU), ``fields[]``, ``per_page``,
``order=newest``; answers carry ``count``, ``total_pages``, ``next_page_url`` and ``results``.
Documentation: https://www.federalregister.gov/developers/documentation/api/v1
Terms of use: keyless public API; US government works are in the public domain; the printed
Federal Register (PDF on govinfo.gov) is the official edition.
Jurisdiction: us.
Formats: Federal Register API JSON (``federal_register``).
History / notes: each target is a search, followed through ``next_page_url`` up to
``max_pages`` pages (the API itself stops at 2,000 results per search). Records carry the
document metadata and abstract, not the body text (the body is a separate download named in
each record's notes). A search that finds nothing is reported as a failure, as is an API
error answer; the record's ``source_url`` is the document's page on FederalRegister.gov.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from crawlers.base import CrawlerSource, Request, Target
from crawlers.fetcher import FetchResult
from kb.models import Instrument

FIELDS = ("title", "document_number", "citation", "type", "publication_date", "effective_on",
          "abstract", "html_url", "agencies", "body_html_url", "full_text_xml_url")


class Source(CrawlerSource):
    version = "1"
    expects_provisions = False  # the API serves metadata and abstracts only
    max_pages = 2

    def url_for(self, target: Target) -> str:
        params: list[tuple[str, str]] = []
        for agency in target.params.get("agencies") or []:
            params.append(("conditions[agencies][]", str(agency)))
        if target.params.get("term"):
            params.append(("conditions[term]", str(target.params["term"])))
        for kind in target.params.get("types") or []:
            params.append(("conditions[type][]", str(kind)))
        for name, value in sorted((target.params.get("conditions") or {}).items()):
            params.append((f"conditions[{name}]", str(value)))
        params += [("fields[]", f) for f in FIELDS]
        per_page = target.params.get("per_page") or self.config.options.get("per_page") or 20
        params += [("per_page", str(per_page)), ("order", "newest")]
        return f"{self.config.base_url}/api/v1/documents.json?{urlencode(params)}"

    def name_for(self, target: Target, url: str) -> str:
        return f"federal-register-{target.key}.json"

    def parse(self, request: Request, result: FetchResult) -> list[Instrument]:
        records = super().parse(request, result)
        out = []
        for record in records:
            page = record.native_ids.get("official_url")
            out.append(record.model_copy(update={"source_url": page}) if page else record)
        return out

    def next_request(self, request: Request, result: FetchResult,
                     records: list[Instrument]) -> Request | None:
        try:
            payload = json.loads(result.body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        next_url = payload.get("next_page_url") if isinstance(payload, dict) else None
        if not next_url:
            return None
        return self.make_request(request.target, str(next_url), page=request.page + 1,
                                 name=f"federal-register-{request.target.key}-p"
                                      f"{request.page + 1}.json")
