"""Bộ pháp điển: Viet Nam's official codification of legal norms, by đề mục (subject heading).

Source: Bộ pháp điển điện tử, Ministry of Justice of Viet Nam (phapdien.moj.gov.vn).
URL: an đề mục is known by its id (a GUID, as in the downloadable Bộ pháp điển's
``demuc/<guid>.html``). Its page ``https://phapdien.moj.gov.vn/TraCuuPhapDien/ViewBoPD.aspx?
obj=&demucid={guid}&mapc=1`` names the current ``fileVersion`` in its script
(``fileVersion: '...'``); ``/TraCuuPhapDien/ActionHandler.aspx?deMucID={guid}&fileVersion=
{version}&do=html`` then answers with the codified text (JSON ``{"Erros": false, "Data":
"<html>"}``; the browser posts these fields, the handler also reads them from the query
string). The file version in the URL makes each codification state a URL of its own, so the
cache never serves an old state as new.
Terms of use: a public service of the Ministry of Justice; Vietnamese legal normative texts
are not protected by copyright (Law on Intellectual Property, Art. 15). The Bộ pháp điển has
the legal value of the documents it codifies (Pháp lệnh pháp điển 2012).
Jurisdiction: vn.
Formats: the đề mục HTML read by ``kb.importers.vn_phapdien`` (``p.pChuong``, ``p.pDieu``
"Điều 3.5.LQ.1. ...", ``p.pGhiChu`` source notes linking to vbpl.vn, ``p.pNoiDung``); a body
without the ``<h3>Đề mục N<br/>Title</h3>`` heading gets it from sources.yaml (``number``,
``title``) before parsing.
History / notes: one record per đề mục, its id given in sources.yaml (an đề mục states no date
of its own), the same id a saved copy gets from ``kb import --official``. An empty đề
mục (published empty while it is being re-codified, as 3.6 Viễn thông was after the 2023
Telecommunications Law) fails loudly, never stores an empty record. The members (codified
and amending documents, with their vbpl.vn ids) are read from the source notes.
"""

from __future__ import annotations

import json
import re
from html import escape
from urllib.parse import urlencode

from crawlers.base import CrawlerSource, Request, Target, TargetContext
from crawlers.fetcher import FetchResult
from kb.errors import ImportFailed
from kb.importers import vn_phapdien
from kb.importing import ImportMeta
from kb.models import Instrument

FORMAT = vn_phapdien.FORMAT
_FILE_VERSION = re.compile(r"fileVersion\s*:\s*['\"]([^'\"]+)['\"]")


def unwrap(data: bytes, number: str | None = None, title: str | None = None) -> bytes:
    """The đề mục HTML from the handler's answer (JSON or HTML), with its heading."""
    text = data.decode("utf-8-sig", errors="replace")
    if text.lstrip().startswith("{"):
        try:
            payload = json.loads(text)
        except ValueError as exc:
            raise ImportFailed(f"the codification handler answered with broken JSON ({exc})"
                               ) from None
        if payload.get("Erros") or payload.get("Errors"):
            raise ImportFailed("the codification handler reported an error: "
                               f"{payload.get('Message') or 'no message'}")
        text = str(payload.get("Data") or "")
        if not text.strip():
            raise ImportFailed("the codification handler answered with no text (empty Data)")
    if not re.search(r"<h3[^>]*>\s*Đề mục", text) and number:
        head = f"<h3>Đề mục {escape(number)}<br />{escape(title or '')}</h3>"
        if "_content" not in text:
            text = f"<div class='_content'>{text}</div>"
        text = head + text
    return text.encode("utf-8")


class Source(CrawlerSource):
    version = "1"

    def _guid(self, target: Target) -> str:
        return str(target.params.get("demucid") or target.key)

    def view_url(self, target: Target, base: str | None = None) -> str:
        query = urlencode({"obj": "", "demucid": self._guid(target), "mapc": "1"})
        return f"{base or self.config.base_url}/TraCuuPhapDien/ViewBoPD.aspx?{query}"

    def url_for(self, target: Target) -> str:
        return self.view_url(target)

    def name_for(self, target: Target, url: str) -> str:
        return f"demuc-{target.params.get('number') or self._guid(target)}.html"

    def meta_for(self, target: Target) -> ImportMeta:
        meta = dict(target.meta)
        number = str(target.params.get("number") or "")
        native = {"phapdien_id": self._guid(target)}
        if number:
            native["phapdien"] = number
        meta["native_ids"] = {**native, **dict(meta.get("native_ids") or {})}
        meta.setdefault("source_url", self.view_url(target, "https://phapdien.moj.gov.vn"))
        return ImportMeta.model_validate(meta)

    def requests(self, target: Target, ctx: TargetContext):
        page = ctx.get(self.view_url(target)).body.decode("utf-8", errors="replace")
        found = _FILE_VERSION.search(page)
        if not found:
            raise ImportFailed(f"{self.id} {target.key}: the đề mục page names no fileVersion "
                               "(has the portal changed?)")
        query = urlencode({"deMucID": self._guid(target), "fileVersion": found.group(1),
                           "do": "html"})
        yield self.make_request(
            target, f"{self.config.base_url}/TraCuuPhapDien/ActionHandler.aspx?{query}",
            headers={"X-Requested-With": "XMLHttpRequest"},
            params={"file_version": found.group(1)})

    def parse(self, request: Request, result: FetchResult) -> list[Instrument]:
        params = request.target.params
        body = unwrap(result.body, params.get("number"), params.get("title"))
        docs = vn_phapdien.parse(body, request.name)
        return self.build_records(docs, request, result, FORMAT)
