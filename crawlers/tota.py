"""ToTA: Texts of Trade Agreements, one XML file per preferential trade agreement.

Source: the ToTA project (W. Alschner, J. Seiermann, D. Skougarevskiy), repository
https://github.com/mappingtreaties/tota, built from the WTO Regional Trade Agreements database.
URL: ``https://raw.githubusercontent.com/mappingtreaties/tota/master/xml/pta_{id}.xml``.
Terms of use: CC BY-NC 4.0 (attribution, non-commercial use); the underlying treaty texts are
intergovernmental public documents.
Jurisdiction: int (treaties; parties are carried on each record).
Formats: ToTA treaty XML (``tota``).
History / notes: texts are OCR/PDF-derived, with annexes, schedules and side letters removed;
the TPP text (pta_449) is the 2016 TPP-12 text, which the CPTPP incorporates by reference.
Ids are fixed here (``/akn/int/treaty/2016/tpp``) because ToTA files carry none; the
expected title is ToTA's own ``<name>`` (``Korea, Republic of - US``). raw.githubusercontent.com
serves ETags, so a re-crawl of an unchanged file is a 304.
"""

from __future__ import annotations

from crawlers.base import CrawlerSource, Target


class Source(CrawlerSource):
    version = "1"

    def _pta(self, target: Target) -> str:
        value = str(target.params.get("pta") or target.key)
        return value.removeprefix("pta_")

    def url_for(self, target: Target) -> str:
        return f"{self.config.base_url}/xml/pta_{self._pta(target)}.xml"

    def name_for(self, target: Target, url: str) -> str:
        return f"pta_{self._pta(target)}.xml"
