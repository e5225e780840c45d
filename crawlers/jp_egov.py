"""Japan e-Gov 法令API: the current text of Japanese laws by e-Gov law id.

Source: e-Gov 法令検索, Digital Agency of Japan.
URL: API v1 ``https://laws.e-gov.go.jp/api/1/lawdata/{law id}`` (``<DataRoot><Result>
<Code>0</Code>...<ApplData><LawId>...<LawFullText><Law>``); with ``options.api: v2``,
``https://laws.e-gov.go.jp/api/2/law_data/{law id}?response_format=xml``. Specification:
https://laws.e-gov.go.jp/api/1/ (法令API仕様書) and https://laws.e-gov.go.jp/api/2/swagger-ui
Terms of use: e-Gov terms of use (Government of Japan Standard Terms of Use 2.0, compatible
with CC BY 4.0): reuse with attribution; do not overload the service.
Jurisdiction: jp.
Formats: 法令標準XML wrapped in the API answer (``egov_xml``).
History / notes: an unknown law id is answered with ``<Code>1</Code>`` and a message
(取得結果が０件でした) rather than an HTTP error; the importer turns it into a failure that
names the code. Law ids look like ``359AC0000000086`` (era digit + year, AC = act, number).
Titles are checked against the expected Japanese title, so a mistyped id cannot store another
law under the wrong id.
"""

from __future__ import annotations

from crawlers.base import CrawlerSource, Target
from kb.importing import ImportMeta


class Source(CrawlerSource):
    version = "1"

    def _law_id(self, target: Target) -> str:
        return str(target.params.get("law_id") or target.key)

    def url_for(self, target: Target) -> str:
        law_id = self._law_id(target)
        if self.config.options.get("api") == "v2":
            return f"{self.config.base_url}/api/2/law_data/{law_id}?response_format=xml"
        return f"{self.config.base_url}/api/1/lawdata/{law_id}"

    def name_for(self, target: Target, url: str) -> str:
        return f"{self._law_id(target)}.xml"

    def meta_for(self, target: Target) -> ImportMeta:
        law_id = self._law_id(target)
        meta = dict(target.meta)
        meta["native_ids"] = {"egov": law_id, **dict(meta.get("native_ids") or {})}
        meta.setdefault("source_url", f"https://laws.e-gov.go.jp/law/{law_id}")
        return ImportMeta.model_validate(meta)
