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

One ParsedDocument per đề mục, identified by its codification number (``native_ids`` ``phapdien``
"3.6"); it states no date of its own, so ``date`` stays empty and ``version_date`` is the latest
entry into force its notes cite (the state of the law it codifies). A provision (eId ``art_`` +
the codified number, ``art_3.6.lq.1``) has its content followed by its source note as a last
paragraph. The documents codified or amending, with their titles, dates, issuing bodies and
vbpl.vn ids, are read from the notes into ``members``.

The markup is broken in ways an HTML parser cannot repair: lists closed by ``</p>`` instead of
``</li>``/``</ol>`` leave a list open to the end of the page, and every article after it would
be read as part of that list (the telecom đề mục 3.6 lost 491 of its 728 articles that way). So
the page is cut into pieces at each ``<p class='p...'>`` marker first, and each piece is parsed
on its own. Other quirks: stray "<" before letters ("Trung tâm <Ứ<ng cứu") are dropped; text
is normalised (NFC, look-alike letters) before headings are read; codified numbers repeat
within a đề mục (3.5.QĐ.3.3 is Điều 3 of both Decision 71/2013 and its amendment 02/2017): a
repeat from another member document gets that document's number in its eId
(``art_3.5.qd.3.3_02-2017-qd-ttg``), a repeat within one document ``_2``; some codified
articles have no caption. An empty đề mục (an empty content div, as published while a subject
is being re-codified) raises ImportFailed.
"""

from __future__ import annotations

import datetime as dt
import re

from kb.errors import ImportFailed
from kb.importers import _headings as hd
from kb.importers import _vn
from kb.importers.base import ParsedDocument
from kb.models import Provision
from kb.text import normalize_space

FORMAT = "vn_phapdien"

_KNOWN_TAGS = ("a", "p", "div", "span", "em", "strong", "b", "i", "u", "br", "h[1-6]", "link",
               "img", "tt", "sup", "sub", "table", "tbody", "thead", "tr", "td", "th", "font",
               "ul", "ol", "li", "html", "head", "body", "meta", "title", "style", "script")
_STRAY_LT = re.compile(rf"<(?!/?(?:{'|'.join(_KNOWN_TAGS)})\b|!--)", re.I)
_DIEU = re.compile(r"^(Điều\s+\d+(?:\.[0-9A-Za-zĐđ]+)+?)\.*(?:\s+(.*))?$")
_MARKER = re.compile(r"<p\s+class\s*=\s*['\"](p(?:Dieu|Chuong|GhiChu|NoiDung|ChiDan))['\"][^>]*>",
                     re.I)
_TYPES = r"Bộ luật|Luật|Pháp lệnh|Nghị định|Thông tư liên tịch|Thông tư|Quyết định|Nghị quyết"
_NUM = r"\d+[a-z]?\s*/\s*(?:\d{4}\s*/\s*)?[A-ZĐ][A-Za-zĐđ0-9\-]*"
# "(Điều 1 Luật số 41/2009/QH12 Viễn thông ngày 23/11/2009 của Quốc hội, có hiệu lực thi hành
# kể từ ngày 01/07/2010, ... bởi Điều 2 Luật số 21/2017/QH14 có hiệu lực thi hành kể từ ...)"
_SOURCE = re.compile(
    rf"(?P<type>{_TYPES})\s+số\s*(?P<num>{_NUM})(?P<rest>.*?)(?:,\s*)?có hiệu lực(?: thi hành)?"
    r"(?: kể)? từ ngày\s*(?P<force>\d{1,2}/\d{1,2}/\d{4})", re.S)
_ISSUED = re.compile(r"^(?P<title>.*?)\s*ngày\s+(?P<date>\d{1,2}/\d{1,2}/\d{4})\s+của\s+"
                     r"(?P<body>[^,()]+?)\s*$", re.S)


def sniff(data: bytes, filename: str) -> int:
    head = data[:8192].decode("utf-8", errors="ignore")
    if "class='pDieu'" in head or 'class="pDieu"' in head:
        return 95
    if re.search(r"<h3[^>]*>\s*Đề mục\s+\d+(?:\.\d+)*", head) and (
            "_content" in head or "ViewDanhSachVB" in head):
        return 90
    return 0


def _iso(value: str) -> str | None:
    d, m, y = (int(x) for x in value.split("/"))
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def _sources(note: str, vbpl: str | None) -> list[dict[str, str]]:
    """The documents a source note names: the codified one, then any amending ones."""
    out: list[dict[str, str]] = []
    for i, m in enumerate(_SOURCE.finditer(note)):
        member = {"number": re.sub(r"\s+", "", m["num"]), "type": m["type"],
                  "role": "codified" if i == 0 else "amending"}
        kind = _vn.type_of(m["type"])
        if kind:
            member["doc_type"] = kind
        issued = _ISSUED.match(m["rest"].strip(" ,"))
        if issued:
            if issued["title"].strip():
                member["title"] = issued["title"].strip()
            if _iso(issued["date"]):
                member["date"] = _iso(issued["date"])
            member["issuing_body"] = issued["body"].strip()
        if _iso(m["force"]):
            member["in_force"] = _iso(m["force"])
        if i == 0 and vbpl:
            member["vbpl"] = vbpl
        out.append(member)
    return out


def _pieces(html: str) -> list[tuple[str, str]]:
    """(class, fragment) for each marked paragraph, the fragment running to the next marker."""
    marks = list(_MARKER.finditer(html))
    return [(m.group(1), html[m.end():marks[i + 1].start() if i + 1 < len(marks) else len(html)])
            for i, m in enumerate(marks)]


def _first_text(fragment: str) -> str:
    """The text of the marked paragraph itself (up to its closing tag)."""
    import lxml.html

    head = re.split(r"</p\s*>", fragment, maxsplit=1, flags=re.I)[0]
    if not head.strip():
        return ""
    el = lxml.html.fragment_fromstring(head, create_parent="div")
    return _text(el)


def _text(el) -> str:
    for br in el.iter("br"):
        br.tail = " " + (br.tail or "")
    return normalize_space(el.text_content())


def _content(fragment: str) -> list[str]:
    """The paragraphs of a pNoiDung piece: paragraphs, list items, table rows, in order."""
    import lxml.html

    if not fragment.strip():
        return []
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    out: list[str] = []
    if root.text and root.text.strip():
        out.append(normalize_space(root.text))
    for el in root.iter("p", "li", "table", "div"):
        if _inside_block(el, root) or (el.tag == "div" and el.find(".//p") is not None):
            continue
        text = _block_text(el) if el.tag == "table" else _text(el)
        if text:
            out.append(text)
        if el.tail and el.tail.strip() and el.getparent() is root:
            out.append(normalize_space(el.tail))
    return out


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    html = hd.normalize_unicode(data.decode("utf-8-sig", errors="replace"))
    head = re.search(r"<h3[^>]*>(.*?)</h3>", html, re.S | re.I)
    if not head:
        raise ImportFailed(f"{filename}: not a Bộ pháp điển đề mục page (no 'Đề mục' heading)")
    heading = normalize_space(re.sub(r"<[^>]+>", " ", head.group(1)))
    m = re.match(r"Đề mục\s+(\d+(?:\.\d+)*)\s*(.*)$", heading)
    if not m:
        raise ImportFailed(f"{filename}: the h3 heading {heading!r} names no đề mục number")
    number, title = m.group(1), m.group(2).strip() or heading
    start = re.search(r"<div[^>]*class\s*=\s*['\"][^'\"]*\b_content\b", html)
    pieces = _pieces(_STRAY_LT.sub("", html[start.start():])) if start else []
    if not any(cls == "pDieu" for cls, _ in pieces):
        raise ImportFailed(
            f"{filename}: đề mục {number} {title} has no provisions (empty codification)")

    provisions: list[Provision] = []
    members: dict[str, dict[str, str]] = {}
    seen: set[str] = set()
    owner: dict[str, str] = {}  # eId -> number of the member document it came from
    path: list[tuple[int, str]] = []
    pending_title = False
    cur: dict | None = None

    def close() -> None:
        if cur is None:
            return
        paras = cur["paras"] + ([cur["note"]] if cur["note"] else [])
        eid, source = cur["eid"], cur["source"]
        if eid in seen and source and owner.get(eid) not in (None, source):
            eid = f"{eid}_{hd.eid_token(source).replace('.', '-')}"
        eid = hd.unique_eid(eid, seen)
        owner.setdefault(eid, source)
        provisions.append(Provision(
            eid=eid, number=cur["number"], heading=cur["heading"], path=cur["path"],
            text="\n".join(paras) or None, kind="article", language="vi",
            order=len(provisions) + 1))

    for cls, fragment in pieces:
        if cls == "pChuong":
            text = _first_text(fragment)
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
        if cls == "pDieu":
            close()
            text = _first_text(fragment)
            d = _DIEU.match(text)
            if not d:
                raise ImportFailed(f"{filename}: unexpected article heading {text!r}")
            label = d.group(1)
            cur = {"number": label, "heading": (d.group(2) or "").strip() or None,
                   "eid": "art_" + hd.eid_token(label.split(None, 1)[1]),
                   "path": [t for _, t in path], "paras": [], "note": None, "source": None}
        elif cur is None or cls == "pChiDan":
            continue
        elif cls == "pGhiChu":
            text = _first_text(fragment)
            if text:
                cur["note"] = text
                item = re.search(r"ItemID=(\d+)", fragment.split("</p", 1)[0], re.I)
                found = _sources(text, item.group(1) if item else None)
                if found:
                    cur["source"] = found[0]["number"]
                for member in found:
                    known = members.setdefault(member["number"], member)
                    for key, value in member.items():
                        known.setdefault(key, value)
                    if member["role"] == "codified":
                        known["role"] = "codified"
        else:  # pNoiDung
            cur["paras"].extend(_content(fragment))
    close()
    listed = list(members.values())
    dates = [m["in_force"] for m in listed if m.get("in_force")]
    return [ParsedDocument(
        title=title, provisions=provisions, number=number, jurisdiction="vn", doc_type="doc",
        language="vi", native_ids={"phapdien": number},
        version_date=dt.date.fromisoformat(max(dates)) if dates else None, members=listed)]


def _inside_block(el, stop) -> bool:
    """Whether ``el`` is read as part of an enclosing table or list item."""
    for a in el.iterancestors():
        if a is stop:
            return False
        if a.tag in ("table", "li"):
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
