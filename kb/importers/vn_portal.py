"""Vietnamese legal portal pages: thuvienphapluat.vn document pages and vbpl.vn full texts.

thuvienphapluat.vn (LawNet, private) serves each document as a page full of site chrome and
scripts; the Vietnamese text sits in ``div.cldivContentDocVn div.content1`` (an English
translation may follow in ``div.cldivContentDocEn``, ignored), the attribute table in
``div#divThuocTinh`` ("Số hiệu", "Loại văn bản", "Nơi ban hành", "Ngày ban hành"), the canonical
URL in ``<link rel="canonical">`` and a clean document name in the JSON-LD ``headline``.
vbpl.vn (the Ministry of Justice's national database) puts the text in ``div#toanvancontent``.
Neither publishes a schema: the text is Word-exported HTML, one paragraph per ``<p>``.

What is read: title (JSON-LD headline, else ``<title>`` without the site's "áp dụng 2025 mới
nhất" suffix), number ("Số hiệu", else the "Số: 24/2018/QH14" header line, else the title),
doc_type from the document type word (Luật/Bộ luật/Pháp lệnh -> act, Nghị định -> decree,
Thông tư -> circular, Quyết định/Nghị quyết -> decision), date from "Hà Nội, ngày 12 tháng 6
năm 2018" (else "Ngày ban hành"), entry into force from "... này có hiệu lực thi hành từ ngày
...", issuing body, canonical URL and the portal's numeric document id.

Provisions: one per "Điều N." heading paragraph. Headings vary in print ("Điều 2.Đối tượng",
"Điều 5 Chính sách", "Điều 24:Nguyên tắc", a heading split over two lines); a paragraph counts
as a heading when it starts with "Điều N" in bold or carries the portal's ``dieu_N`` anchor.
In decisions only "Điều 1." is bold and the rest of the paragraph is the article's first
sentence, not a caption. ``path`` holds the enclosing "Chương ..." and "Mục ..." headings with
their titles (printed on the same line or the next). Tables inside articles become one line per
row, cells joined by " | ". The text stops at the closing formula ("Luật này đã được Quốc hội
... thông qua ...", "Nơi nhận:") or the signature block.

Note: the portal resolves pages by the trailing numeric id only, so a saved page may hold
another document than the one asked for; compare ``number``/``title`` with what was expected.
"""

from __future__ import annotations

import json
import re

from kb.errors import ImportFailed
from kb.importers import _headings as hd
from kb.importers import _vn
from kb.importers.base import ParsedDocument
from kb.models import Provision
from kb.text import normalize_space

FORMAT = "vn_portal"

_NUMBER = _vn.NUMBER
_DIEU = re.compile(r"^(Điều\s+(\d+[a-zđ]?))(?=$|[\s.:;,\-–])\s*[.:\-–]?\s*(.*)$", re.S)
_CLOSING = _vn.CLOSING
_SIGNATURE = re.compile(r"^(?:TM\.|KT\.|Q\.|TL\.|TUQ\.|CHỦ TỊCH|PHÓ CHỦ TỊCH|BỘ TRƯỞNG|"
                        r"THỦ TƯỚNG|PHÓ THỦ TƯỚNG|CHÁNH ÁN|VIỆN TRƯỞNG|TỔNG KIỂM TOÁN)")


def sniff(data: bytes, filename: str) -> int:
    head = data[:200_000]
    if b"thuvienphapluat.vn" in head and (b'class="content1"' in head
                                          or b"divContentDoc" in head):
        return 90
    if b"toanvancontent" in head and b"vbpl.vn" in head:
        return 85
    return 0


_date = _vn.make_date
_doc_type = _vn.type_of


def _attributes(root) -> dict[str, str]:
    """The portal's attribute table: {"số hiệu": "24/2018/QH14", "loại văn bản": "Luật", ...}."""
    out: dict[str, str] = {}
    for table in root.xpath("//div[@id='divThuocTinh']//table"):
        cells = [normalize_space(td.text_content()) for td in table.iter("td")]
        for key, value in zip(cells, cells[1:], strict=False):
            if key.endswith(":") and value and not value.endswith(":"):
                out.setdefault(key[:-1].strip().lower(), value)
    return out


def _headline(html: str) -> str | None:
    for block in re.findall(r'<script[^>]*application/ld\+json[^>]*>(.*?)</script>', html,
                            re.S | re.I):
        try:
            value = json.loads(block).get("headline")
        except (ValueError, AttributeError):
            m = re.search(r'"headline"\s*:\s*"([^"]+)"', block)
            value = m.group(1) if m else None
        if value and normalize_space(value):
            return normalize_space(value)
    return None


def _bold_text(el) -> str:
    parts = [b.text_content() for b in el.iter("b", "strong")
             if not any(a.tag in ("b", "strong") for a in b.iterancestors())]
    return normalize_space(" ".join(parts))


def _p_text(el) -> str:
    for br in el.iter("br"):
        br.tail = " " + (br.tail or "")
    return normalize_space(el.text_content())


def _table_text(el) -> str:
    rows = []
    for tr in el.iter("tr"):
        cells = [_p_text(td) for td in tr if td.tag in ("td", "th")]
        line = " | ".join(c for c in cells if c)
        if line:
            rows.append(line)
    return "\n".join(rows)


def _is_signature(table) -> bool:
    """The signature block: a small layout table with "TM. ỦY BAN ...", "CHỦ TỊCH ..." cells."""
    rows = table.xpath(".//tr")
    return len(rows) <= 3 and any(_SIGNATURE.match(_p_text(td))
                                  for td in table.iter("td", "th"))


def _inside(el, tags: tuple[str, ...], stop) -> bool:
    """Whether ``el`` sits inside one of ``tags`` below the ``stop`` element."""
    for a in el.iterancestors():
        if a is stop:
            return False
        if a.tag in tags:
            return True
    return False


def _blocks(content):
    """(kind, text, element) for each paragraph or table in reading order."""
    for el in content.iter("p", "table", "h1", "h2", "h3", "h4", "h5", "h6", "li"):
        if _inside(el, ("table",), content) or (el.tag == "p"
                                                and _inside(el, ("li",), content)):
            continue
        if el.tag == "table":
            yield "table", _table_text(el), el
        else:
            yield "p", _p_text(el), el


def parse(data: bytes, filename: str) -> list[ParsedDocument]:
    import lxml.html

    html = hd.normalize_unicode(data.decode("utf-8-sig", errors="replace"))
    try:
        root = lxml.html.document_fromstring(html)
    except Exception as exc:  # lxml raises ParserError or ValueError on junk
        raise ImportFailed(f"{filename}: not readable HTML ({exc})") from None
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    content = (root.xpath("//div[contains(@class,'cldivContentDocVn')]"
                          "//div[contains(concat(' ', @class, ' '), ' content1 ')]")
               or root.xpath("//*[@id='toanvancontent']")
               or root.xpath("//div[contains(concat(' ', @class, ' '), ' toanvancontent ')]")
               or root.xpath("//div[contains(concat(' ', @class, ' '), ' content1 ')]"))
    if not content:
        raise ImportFailed(f"{filename}: no law text found (no div.content1 or "
                           "div#toanvancontent): not a document page, or a login/error page")
    content = content[0]
    attrs = _attributes(root)
    title_el = root.find(".//title")
    page_title = normalize_space(title_el.text_content()) if title_el is not None else ""
    page_title = re.sub(r"\s+(?:áp dụng \d{4}(?: mới nhất)?|mới nhất)$", "", page_title)
    page_title = re.sub(r"\s+[-|]\s+(?:Cơ sở dữ liệu|CSDL|Thư viện|vbpl).*$", "", page_title,
                        flags=re.I)
    title = _headline(html) or page_title

    provisions: list[Provision] = []
    seen: set[str] = set()
    path: list[tuple[int, str]] = []
    pending_group = False
    cur: dict | None = None
    header: list[str] = []  # text before the first article: number, place and date lines

    def close() -> None:
        if cur is not None and (cur["paras"] or cur["heading"]):
            provisions.append(Provision(
                eid=hd.unique_eid(cur["eid"], seen), number=cur["number"],
                heading=cur["heading"], path=cur["path"], text="\n".join(cur["paras"]) or None,
                kind="article", language="vi", order=len(provisions) + 1))

    for kind, text, el in _blocks(content):
        if not text:
            continue
        if kind == "table":
            if cur is not None and _is_signature(el):
                break
            (cur["paras"] if cur is not None else header).append(text)
            continue
        if cur is not None and _CLOSING.match(text):
            break
        dieu = _DIEU.match(text)
        anchors = [a.get("name") or "" for a in el.iter("a")]
        bold = _bold_text(el)
        if dieu and (bold.startswith(dieu.group(1)) or any(re.fullmatch(r"dieu_\d+\w*", a)
                                                           for a in anchors)
                     or hd.match_article(text) is not None):
            close()
            rest = dieu.group(3).strip()
            whole_bold = bold and len(bold) >= len(text) - 2
            if bold.startswith(dieu.group(1)) and not whole_bold:
                heading, first = None, rest  # "<b>Điều 2.</b> Giao UBND huyện ..."
            elif rest and (whole_bold or (len(rest) <= 200 and rest[-1] not in ":;")):
                heading, first = rest, None
            else:
                heading, first = None, rest or None
            cur = {"number": dieu.group(1), "heading": heading,
                   "eid": f"art_{hd.eid_token(dieu.group(2))}",
                   "path": [t for _, t in path], "paras": [first] if first else []}
            pending_group = False
            continue
        grp = hd.match_group(text) if len(text) <= 250 else None
        if grp and grp.level in (1, 3, 4, 5) and not text.startswith(("Điều", "ĐIỀU")):
            close()
            cur = None
            path = [(lvl, t) for lvl, t in path if lvl < grp.level]
            path.append((grp.level, grp.label + (f" {grp.title}" if grp.title else "")))
            pending_group = grp.title is None
            continue
        if pending_group and path and (text.isupper() or bold == text):
            lvl, label = path[-1]
            path[-1] = (lvl, f"{label} {text}")
            pending_group = False
            continue
        pending_group = False
        if cur is None:
            header.append(text)
        elif cur["heading"] and not cur["paras"] and bold == text and len(text) < 120:
            cur["heading"] = f"{cur['heading']} {text}"  # a caption broken over two lines
        else:
            cur["paras"].append(text)
    close()
    if not provisions:
        raise ImportFailed(f"{filename}: no 'Điều N.' article headings in the law text "
                           f"({title or 'untitled page'})")

    # Title, number and dates come from the document itself; the portal's attribute table,
    # JSON-LD and <title> (site chrome such as "Trung ương") only fill what it does not say.
    head = _vn.read_header(header, _p_text(content))
    number = head.number or attrs.get("số hiệu")
    if not number:
        m = _NUMBER.search(title or page_title)
        number = m.group(1) if m else None
    date = head.date
    if date is None and attrs.get("ngày ban hành"):
        d = re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})$", attrs["ngày ban hành"])
        date = _date(*d.groups()) if d else None
    in_force = head.in_force
    if in_force is None:
        m = _vn.IN_FORCE.search("\n".join(p.text or "" for p in provisions))
        in_force = _date(*m.groups()) if m else None
    canonical = root.xpath("//link[@rel='canonical']/@href")
    source_url = canonical[0].strip() if canonical and canonical[0].startswith("http") else None
    native_ids: dict[str, str] = {}
    if source_url:
        tvpl = re.search(r"thuvienphapluat\.vn/.*-(\d+)\.aspx", source_url)
        vbpl = re.search(r"vbpl\.vn/.*[?&]ItemID=(\d+)", source_url, re.I)
        if tvpl:
            native_ids["tvpl"] = tvpl.group(1)
        if vbpl:
            native_ids["vbpl"] = vbpl.group(1)
    doc_type = (head.doc_type or _doc_type(attrs.get("loại văn bản")) or _doc_type(title)
                or _doc_type(page_title))
    if head.title:
        title = head.title
    elif not title or not (_doc_type(title) or _NUMBER.search(title)):
        title = None  # a page header ("Trung ương"), not a document name
    return [ParsedDocument(
        title=title or number or filename, provisions=provisions, number=number,
        jurisdiction="vn", doc_type=doc_type, language="vi", date=date, in_force=in_force,
        native_ids=native_ids, source_url=source_url,
        issuing_body=head.issuing_body or attrs.get("nơi ban hành") or None,
        notes=list(head.notes))]
