"""legislation.gov.uk: UK primary legislation as Akoma Ntoso.

Source: legislation.gov.uk, run by The National Archives.
URL: ``https://www.legislation.gov.uk/{type}/{year}/{number}/data.akn`` (the latest revised
version of the whole act; ``/enacted/data.akn`` is the text as enacted). Every legislation page
also serves ``/data.xml`` (CLML) and ``/data.xht``; ``data.akn`` is what ``kb.importers.akn``
reads. Documentation: https://legislation.github.io/data-documentation/
Terms of use: Open Government Licence v3.0 (Crown copyright), acknowledge the source; the
robots.txt asks for a crawl delay, which the fetcher honours.
Jurisdiction: gb (United Kingdom).
Formats: Akoma Ntoso 3.0 XML (``akn``).
History / notes: the FRBR work URI is an http URI (``http://www.legislation.gov.uk/id/ukpga/
2018/12``) that the importer turns into ``/akn/gb/act/2018/12``; the expression date
(``validFrom``) becomes the record's version, so a re-crawl after an amendment is a new
version of the same work. Sections carry commentary references that the importer drops.
"""

from __future__ import annotations

from crawlers.base import CrawlerSource, Target
from kb.importing import ImportMeta


class Source(CrawlerSource):
    version = "1"

    def url_for(self, target: Target) -> str:
        path = str(target.params.get("path") or target.key).strip("/")
        return f"{self.config.base_url}/{path}/data.akn"

    def name_for(self, target: Target, url: str) -> str:
        return target.key.replace("/", "-") + ".data.akn"

    def meta_for(self, target: Target) -> ImportMeta:
        path = str(target.params.get("path") or target.key).strip("/")
        return target.import_meta(source_url=f"https://www.legislation.gov.uk/{path}")
