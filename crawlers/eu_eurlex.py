"""EUR-Lex: EU acts by CELEX number, as the XHTML of the Official Journal.

Source: EUR-Lex, the Publications Office of the European Union.
URL: ``https://eur-lex.europa.eu/legal-content/{LANG}/TXT/HTML/?uri=CELEX:{celex}`` (the OJ
text as XHTML, CONVEX markup: ``doc-ti``, ``ti-art``, ``sti-art``, ``normal``; newer acts use
the ``oj-`` prefixed classes). With ``options.via: cellar`` the same manifestation is asked of
the Cellar by content negotiation: ``https://publications.europa.eu/resource/celex/{celex}``
with ``Accept: application/xhtml+xml`` and ``Accept-Language: eng``, which redirects to the
Cellar item (every hop stays on the allow-list).
Terms of use: (c) European Union; reuse authorised with acknowledgement (Commission Decision
2011/833/EU, EUR-Lex legal notice). Only the OJ electronic edition is authentic.
Jurisdiction: eu.
Formats: EUR-Lex XHTML (``eurlex_html``); Formex 4 (``formex``) is served by the Cellar only as
a zip per act and is not fetched here.
History / notes: since late 2025 EUR-Lex may answer automated clients with a JavaScript
challenge page instead of the act; every target carries ``expected_number`` (``2016/679``), so
such a page, or any other wrong page, fails loudly instead of becoming a record. A consolidated
version has its own CELEX (``02016R0679-20160504``) and would be another target.
"""

from __future__ import annotations

from crawlers.base import CrawlerSource, Target, TargetContext
from kb.importing import ImportMeta

_LANG3 = {"EN": "eng", "FR": "fra", "DE": "deu", "ES": "spa", "IT": "ita", "NL": "nld"}


class Source(CrawlerSource):
    version = "1"

    def _celex(self, target: Target) -> str:
        return str(target.params.get("celex") or target.key)

    def _lang(self) -> str:
        return str(self.config.options.get("language") or "EN").upper()

    def url_for(self, target: Target) -> str:
        celex = self._celex(target)
        if self.config.options.get("via") == "cellar":
            base = self.config.options.get("cellar_base_url") or "https://publications.europa.eu"
            return f"{str(base).rstrip('/')}/resource/celex/{celex}"
        return f"{self.config.base_url}/legal-content/{self._lang()}/TXT/HTML/?uri=CELEX:{celex}"

    def name_for(self, target: Target, url: str) -> str:
        return f"CELEX_{self._celex(target)}.{self._lang().lower()}.html"

    def meta_for(self, target: Target) -> ImportMeta:
        celex = self._celex(target)
        meta = dict(target.meta)
        meta["native_ids"] = {"celex": celex, **dict(meta.get("native_ids") or {})}
        meta.setdefault(
            "source_url",
            f"https://eur-lex.europa.eu/legal-content/{self._lang()}/TXT/?uri=CELEX:{celex}")
        return ImportMeta.model_validate(meta)

    def requests(self, target: Target, ctx: TargetContext):
        headers = {}
        if self.config.options.get("via") == "cellar":
            headers = {"Accept": "application/xhtml+xml, text/html;q=0.9",
                       "Accept-Language": _LANG3.get(self._lang(), "eng")}
        yield self.make_request(target, headers=headers)
