"""Bộ pháp điển (Viet Nam's official codification) đề mục pages, as HTML.

Published by the Ministry of Justice at phapdien.moj.gov.vn; the downloadable Bộ pháp điển
holds one ``demuc/<guid>.html`` file per đề mục (subject heading). There is no published
schema; the structure is a flat run of paragraphs inside ``<div class='_content'>``:

- ``<h3>Đề mục 3.5<br/>Tần số vô tuyến điện</h3>``: the đề mục number and title;
- ``p.pChuong``: "Chương I" / "Mục 1" labels, each followed by another ``p.pChuong`` holding
  its title;
- ``p.pDieu``: a codified article, "Điều 3.5.LQ.1. Phạm vi điều chỉnh" (đề mục number, source
  type LQ/NĐ/TT/QĐ/TL, instrument sequence, article);
- ``p.pGhiChu``: the source note, a link to vbpl.vn with "(Điều 1 Luật số 42/2009/QH12 ..., có
  hiệu lực thi hành kể từ ngày 01/07/2010)";
- ``p.pNoiDung``: the article's content, with the content paragraphs nested inside it (invalid
  HTML: an HTML parser closes the outer paragraph, so the content is read as the paragraphs
  that follow, up to the next ``pDieu``/``pChuong``);
- ``p.pChiDan``: an editorial cross-reference ("Điều này có nội dung liên quan đến ..."),
  left out of the text.

One ParsedDocument per đề mục. A provision's text is its content followed by its source note
as a last paragraph; each distinct source instrument number ("42/2009/QH12") is listed once in
``notes``. Quirks: stray "<" before letters in the text ("Trung tâm <Ứ<ng cứu") are dropped
before parsing; codified numbers can repeat within a đề mục (their eIds get _2, _3); some
codified articles have no caption. An empty đề mục (an empty content div, as published while
a subject is being re-codified) raises ImportFailed.
"""

from __future__ import annotations

import re

from kb.errors import ImportFailed
from kb.importers import _headings as hd
from kb.importers.base import ParsedDocument
from kb.models import Provision
from kb.text import normalize_space

FORMAT = "vn_phapdien"

_KNOWN_TAGS = ("a", "p", "div", "span", "em", "strong", "b", "i", "u", "br", "h[1-6]", "link",
               "img", "tt", "sup", "sub", "table", "tbody", "thead", "tr", "td", "th", "font",
               "ul", "ol", "li", "html", "head", "body", "meta", "title", "style", "script")
_STRAY_LT = re.compile(rf"<(?!/?(?:{'|'.join(_KNOWN_TAGS)})\b|!--)", re.I)
_DIEU = re.compile(r"^(Điều\s+\d+(?:\.[0-9A-Za-zĐđ]+)+?)\.?(?:\s+(.*))?$")
_INSTRUMENT = re.compile(r"số\s*(\d+[a-z]?\s*/\s*(?:\d{4}\s*/\s*)?[A-ZĐ][A-Za-zĐđ0-9\-]*)")


def sniff(data: bytes, filename: str) -> int:
    head = data[:8192].decode("utf-8", errors="ignore")
    if "class='pDieu'" in head or 'class="pDieu"' in head:
        return 95
    if re.search(r"<h3[^>]*>\s*Đề mục\s+\d+(?:\.\d+)*", head) and (
            "_content" in head or "ViewDanhSachVB" in head):
        return 90
    return 0


def _text(el) -> str:
    for br in el.iter("br"):
        br.tail = " " + (br.tail or "")
    return normalize_space(el.text_content())


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    import lxml.html

    html = data.decode("utf-8-sig", errors="replace")
    head = re.search(r"<h3[^>]*>(.*?)</h3>", html, re.S | re.I)
    if not head:
        raise ImportFailed(f"{filename}: not a Bộ pháp điển đề mục page (no 'Đề mục' heading)")
    heading = normalize_space(re.sub(r"<[^>]+>", " ", head.group(1)))
    m = re.match(r"Đề mục\s+(\d+(?:\.\d+)*)\s*(.*)$", heading)
    if not m:
        raise ImportFailed(f"{filename}: the h3 heading {heading!r} names no đề mục number")
    number, title = m.group(1), m.group(2).strip() or heading
    root = lxml.html.fromstring(_STRAY_LT.sub("", html))
    content = root.xpath("//div[contains(concat(' ', normalize-space(@class), ' '), ' _content ')]")
    if not content or not content[0].xpath(".//p[contains(@class, 'pDieu')]"):
        raise ImportFailed(
            f"{filename}: đề mục {number} {title} has no provisions (empty codification)")

    provisions: list[Provision] = []
    notes: list[str] = []
    seen: set[str] = set()
    path: list[tuple[int, str]] = []
    pending_title = False
    cur: dict | None = None

    def close() -> None:
        if cur is None:
            return
        paras = cur["paras"] + ([cur["note"]] if cur["note"] else [])
        provisions.append(Provision(
            eid=hd.unique_eid(cur["eid"], seen), number=cur["number"], heading=cur["heading"],
            path=cur["path"], text="\n".join(paras) or None, kind="article", language="vi",
            order=len(provisions) + 1))

    for el in content[0].iter("p", "table", "ul", "ol"):
        if _inside_block(el, content[0]):
            continue  # read with its table or list
        cls = el.get("class") or ""
        text = _text(el) if el.tag == "p" else _block_text(el)
        if "pChuong" in cls:
            grp = hd.match_group(text)
            if grp:
                close()
                cur = None
                path = [(lvl, t) for lvl, t in path if lvl < grp.level]
                path.append((grp.level, grp.label + (f" {grp.title}" if grp.title else "")))
                pending_title = grp.title is None
            elif text and pending_title and path:
                lvl, label = path[-1]
                path[-1] = (lvl, f"{label} {text}")
                pending_title = False
            continue
        pending_title = False
        if "pDieu" in cls:
            close()
            d = _DIEU.match(text)
            if not d:
                raise ImportFailed(f"{filename}: unexpected article heading {text!r}")
            label = d.group(1)
            cur = {"number": label, "heading": (d.group(2) or "").strip() or None,
                   "eid": "dieu_" + hd.eid_token(label.split(None, 1)[1]),
                   "path": [t for _, t in path], "paras": [], "note": None}
        elif cur is None or "pChiDan" in cls:
            continue
        elif "pGhiChu" in cls:
            if text:
                cur["note"] = text
                inst = _INSTRUMENT.search(text)
                if inst:
                    number_cited = re.sub(r"\s+", "", inst.group(1))
                    if number_cited not in notes:
                        notes.append(number_cited)
        elif text:
            cur["paras"].append(text)
    close()
    return [ParsedDocument(
        title=title, provisions=provisions, number=number, jurisdiction="vn", doc_type="doc",
        language="vi", native_ids={"phapdien": number}, notes=notes)]


def _inside_block(el, stop) -> bool:
    for a in el.iterancestors():
        if a is stop:
            return False
        if a.tag in ("table", "ul", "ol"):
            return True
    return False


def _block_text(el) -> str:
    """A table or list as text: one line per row or item, cells separated by " | "."""
    rows = []
    for row in el.iter("tr", "li"):
        cells = [normalize_space(c.text_content()) for c in row if c.tag in ("td", "th")]
        rows.append(" | ".join(c for c in cells if c) if cells else
                    normalize_space(row.text_content()))
    return "\n".join(r for r in rows if r)
