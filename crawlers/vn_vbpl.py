"""vbpl.vn: Viet Nam's national database of legal documents (Cơ sở dữ liệu quốc gia về văn
bản pháp luật), full texts with their attributes.

Source: Cơ sở dữ liệu quốc gia về văn bản pháp luật, Ministry of Justice of Viet Nam
(vbpl.vn, also served as vbpl.moj.gov.vn).
URL: a document is known by its ``ItemID`` on one of the database's sites (``TW`` for the
central one, a ministry's site such as ``bocongan`` for some documents):
``https://vbpl.vn/{site}/Pages/vbpq-thuoctinh.aspx?ItemID={id}`` is its attributes page
(``div.vbProperties``: "Số ký hiệu", "Ngày ban hành", "Ngày có hiệu lực", "Loại văn bản",
"Cơ quan ban hành"...; ``div.vbInfo``: "Hiệu lực: Còn hiệu lực"), and
``https://vbpl.vn/{site}/Pages/vbpq-toanvan.aspx?ItemID={id}`` its full text
(``div.toanvancontent``). The crawler reads the attributes first (best effort: a failure
there is a note, not a failure), then the text.
Terms of use: the database is a public service of the Ministry of Justice; Vietnamese legal
normative documents are not protected by copyright (Law on Intellectual Property, Art. 15).
The text published in the Official Gazette (Công báo) is the authoritative one.
Jurisdiction: vn.
Formats: the full-text page is read by ``kb.importers.vn_portal`` (Word-exported paragraphs,
"Điều N." articles under "Chương"/"Mục" headings, the document's own header for number, date
and title); the attributes page fills what the text does not state and gives the status.
History / notes: status from "Hiệu lực": "Còn hiệu lực" -> in-force, "Hết hiệu lực toàn bộ" ->
repealed, "Chưa có hiệu lực" -> signed-not-in-force, "Hết hiệu lực một phần" -> in-force with
a note. ``expected_number`` in sources.yaml guards against the portal serving another
document for an ItemID. The record's ``native_ids`` carry ``vbpl`` (the ItemID).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from crawlers.base import CrawlerSource, Request, Target, TargetContext
from crawlers.fetcher import FetchError, FetchResult
from kb.importers import _vn, vn_portal
from kb.importing import ImportMeta
from kb.models import Instrument

FORMAT = vn_portal.FORMAT
_STATUS = (("hết hiệu lực toàn bộ", "repealed"), ("hết hiệu lực một phần", "in-force"),
           ("chưa có hiệu lực", "signed-not-in-force"), ("còn hiệu lực", "in-force"))


def parse_attributes(data: bytes) -> dict[str, str]:
    """The attributes page as ``{label (lower case): value}`` ("số ký hiệu", "hiệu lực"...)."""
    import lxml.html

    root = lxml.html.document_fromstring(data.decode("utf-8", errors="replace"))
    out: dict[str, str] = {}
    for row in root.xpath("//div[contains(@class,'vbProperties')]//tr"):
        cells = [re.sub(r"\s+", " ", td.text_content()).strip() for td in row.iter("td")]
        for key, value in zip(cells[::2], cells[1::2], strict=False):
            key = key.rstrip(":").strip().lower()
            if key and value:
                out.setdefault(key, value)
    for item in root.xpath("//div[contains(@class,'vbInfo')]//li"):
        key, sep, value = re.sub(r"\s+", " ", item.text_content()).strip().partition(":")
        if sep and value.strip():
            out.setdefault(key.strip().lower(), value.strip())
    title = root.xpath("//td[contains(@class,'title')]")
    if title:
        out.setdefault("tên văn bản", re.sub(r"\s+", " ", title[0].text_content()).strip())
    return out


def _date(value: str | None) -> dt.date | None:
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", (value or "").strip())
    return _vn.make_date(*m.groups()) if m else None


def status_of(attrs: dict[str, str]) -> tuple[str | None, str | None]:
    """(status, note) from the attributes' "Hiệu lực" / "Tình trạng hiệu lực"."""
    said = (attrs.get("hiệu lực") or attrs.get("tình trạng hiệu lực") or "").strip()
    for words, status in _STATUS:
        if said.lower().startswith(words):
            note = f"vbpl.vn: {said}" if status == "in-force" and "một phần" in said else None
            return status, note
    return None, (f"vbpl.vn: {said}" if said else None)


class Source(CrawlerSource):
    version = "1"

    def _item(self, target: Target) -> str:
        return str(target.params.get("vbpl") or target.key)

    def _page(self, target: Target, page: str, base: str | None = None) -> str:
        site = str(target.params.get("site") or "TW")
        return (f"{base or self.config.base_url}/{site}/Pages/vbpq-{page}.aspx"
                f"?ItemID={self._item(target)}")

    def url_for(self, target: Target) -> str:
        return self._page(target, "toanvan")

    def name_for(self, target: Target, url: str) -> str:
        return f"vbpl-{self._item(target)}.html"

    def meta_for(self, target: Target) -> ImportMeta:
        meta = dict(target.meta)
        meta["native_ids"] = {"vbpl": self._item(target), **dict(meta.get("native_ids") or {})}
        meta.setdefault("source_url", self._page(target, "toanvan", "https://vbpl.vn"))
        meta.setdefault("language", "vi")
        return ImportMeta.model_validate(meta)

    def requests(self, target: Target, ctx: TargetContext):
        attrs: dict[str, str] = {}
        try:
            attrs = parse_attributes(ctx.get(self._page(target, "thuoctinh")).body)
        except (FetchError, ValueError) as exc:
            ctx.notes.append(f"attributes page not read ({exc}); the text alone is used")
        yield self.make_request(target, params={"attributes": attrs})

    def parse(self, request: Request, result: FetchResult) -> list[Instrument]:
        attrs = dict(request.params.get("attributes") or {})
        docs = vn_portal.parse(result.body, request.name)
        status, note = status_of(attrs)
        out = []
        for doc in docs:
            issuer = attrs.get("cơ quan ban hành") or next(
                (v for k, v in attrs.items() if k.startswith("cơ quan ban hành")), None)
            out.append(replace(
                doc,
                number=doc.number or attrs.get("số ký hiệu"),
                date=doc.date or _date(attrs.get("ngày ban hành")),
                in_force=doc.in_force or _date(attrs.get("ngày có hiệu lực")),
                doc_type=doc.doc_type or _vn.type_of(attrs.get("loại văn bản")),
                issuing_body=doc.issuing_body or issuer,
                status=status or doc.status,
                native_ids={**doc.native_ids, "vbpl": request.meta.native_ids.get("vbpl", "")},
                notes=doc.notes + ([note] if note else [])))
        return self.build_records(out, request, result, FORMAT)
