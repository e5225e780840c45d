"""What a Vietnamese legal document says about itself in its header, in any format.

Every Vietnamese normative document opens the same way (Decree 30/2020/ND-CP on the form of
documents): the issuing body top left ("QUỐC HỘI", "CHÍNH PHỦ", "BỘ THÔNG TIN VÀ TRUYỀN
THÔNG", "ỦY BAN NHÂN DÂN TỈNH NAM ĐỊNH"), the number below it ("Luật số: 91/2025/QH15",
"Số: 13/2023/NĐ-CP"), the national motto top right ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM /
Độc lập - Tự do - Hạnh phúc"), the place and date line ("Hà Nội, ngày 17 tháng 4 năm 2023"),
then the type word and the caption ("NGHỊ ĐỊNH / Về bảo vệ dữ liệu cá nhân"). Laws carry no
date line: their date is in the closing formula ("Luật này được Quốc hội ... thông qua ngày 26
tháng 6 năm 2025"). Converters glue these lines together ("QUỐC HỘILuật số: 91/2025/QH15",
"VIỆT NAMĐộc lập") or put them in table cells, so the reader works on the text, not the layout.

Recognising the header is what makes a Markdown or PDF copy of a Vietnamese law say it is
Vietnamese without ``--meta``. Pure functions over text; used by the text and portal importers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from kb import ids
from kb.text import fold

# type word as printed -> doc type; longest first so "Thông tư liên tịch" wins over "Thông tư"
_RESOLUTION = "resolution" if "resolution" in ids.DOC_TYPES else "decision"
DOC_TYPES: tuple[tuple[str, str], ...] = (
    ("Thông tư liên tịch", "circular"), ("Thông tư", "circular"), ("Nghị định", "decree"),
    ("Bộ luật", "act"), ("Luật", "act"), ("Pháp lệnh", "act"), ("Nghị quyết", _RESOLUTION),
    ("Quyết định", "decision"),
)
_TYPE_WORD = "|".join(w for w, _ in DOC_TYPES)
_SYMBOL_TYPES = ((r"/NĐ-", "decree"), (r"/TTLT-", "circular"), (r"/TT-", "circular"),
                 (r"/QĐ-", "decision"), (r"/NQ-", _RESOLUTION), (r"/QH\d+$", "act"),
                 (r"/UBTVQH\d+$", _RESOLUTION))

NUMBER = re.compile(r"\b(\d+[a-z]?/(?:\d{4}/)?[A-ZĐ][A-ZĐa-z0-9\-]*[A-ZĐ0-9])")
_NUMBER_LINE = re.compile(
    rf"(?:(?P<word>{_TYPE_WORD})\s+)?\b[Ss][ốô](?:\s+hiệu)?\s*[:.]?\s*"
    r"(?P<num>\d+[a-z]?/(?:\d{4}/)?[A-ZĐ][A-ZĐa-z0-9\-]*[A-ZĐ0-9])")
_DATE_LINE = re.compile(
    r"(?P<place>[A-ZĐ][^\W\d_]*(?:[ \t]+[A-ZĐ][^\W\d_]*){0,4})[ \t]*,\s*ngày\s+(?P<d>\d{1,2})\s+"
    r"tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})")
_PASSED = re.compile(
    r"(?:Luật|Bộ luật|Pháp lệnh|Nghị quyết) này (?:đã )?được .{0,160}?thông qua\s+"
    r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.S)
IN_FORCE = re.compile(
    rf"(?:{_TYPE_WORD}) này có hiệu lực(?: thi hành)?(?: kể)? từ ngày\s+(\d{{1,2}})\s+tháng\s+"
    r"(\d{1,2})\s+năm\s+(\d{4})")
CLOSING = re.compile(
    r"^(?:(?:Luật|Bộ luật|Pháp lệnh|Nghị quyết) này (?:đã )?được .{0,160}thông qua|"
    r"Nơi nhận\s*:)")
# folded, so that "HÒA"/"HOÀ", dashes and spacing do not matter
_MOTTO = re.compile(r"cong\s*hoa\s*xa\s*hoi\s*chu\s*nghia\s*viet\s*nam|doc\s*lap\W+tu\s*do\W+"
                    r"hanh\s*phuc")
_BODIES = re.compile(
    r"^(?:QUỐC HỘI|ỦY BAN THƯỜNG VỤ QUỐC HỘI|CHỦ TỊCH NƯỚC|CHÍNH PHỦ|THỦ TƯỚNG CHÍNH PHỦ|"
    r"BỘ [A-ZÀ-ỸĐ][A-ZÀ-ỸĐ ,\-]+|NGÂN HÀNG NHÀ NƯỚC(?: VIỆT NAM)?|TÒA ÁN NHÂN DÂN TỐI CAO|"
    r"VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO|KIỂM TOÁN NHÀ NƯỚC|"
    r"(?:ỦY|UỶ) BAN NHÂN DÂN(?: [A-ZÀ-ỸĐ][A-ZÀ-ỸĐ ,\-]+)?|UBND [A-ZÀ-ỸĐ][\wÀ-ỹ ,\-]+|"
    r"HỘI ĐỒNG NHÂN DÂN(?: [A-ZÀ-ỸĐ][A-ZÀ-ỸĐ ,\-]+)?)$")
_CONTINUED = re.compile(r"(?: VÀ| NHÂN DÂN| TỈNH| THÀNH PHỐ)$")
_LOCAL = re.compile(r"^(?:(?:ỦY|UỶ) BAN NHÂN DÂN|UBND|HỘI ĐỒNG NHÂN DÂN)\b|-UBND$|-HĐND$")


@dataclass
class Header:
    """The header facts of one Vietnamese document; None where the document does not say."""

    motto: bool = False
    issuing_body: str | None = None
    type_word: str | None = None  # "Luật", "Nghị định" ... as a reader would write it
    doc_type: str | None = None
    number: str | None = None
    title: str | None = None
    place: str | None = None
    date: dt.date | None = None  # the date line, else the passing date of the closing formula
    in_force: dt.date | None = None
    local: bool = False  # issued by a provincial or district People's Committee or Council
    notes: list[str] = field(default_factory=list)

    @property
    def recognised(self) -> bool:
        """Vietnamese for sure: the motto, or a number with an issuing body or type word."""
        return self.motto or bool(self.number and (self.issuing_body or self.type_word))


def make_date(day: str, month: str, year: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def type_of(word: str | None) -> str | None:
    """``"Nghị định"`` -> ``"decree"``; any case; None for other words."""
    if not word:
        return None
    for printed, kind in DOC_TYPES:
        if re.match(rf"^{printed}\b", word.strip(), re.I):
            return kind
    return None


def _type_of_number(number: str) -> str | None:
    for pattern, kind in _SYMBOL_TYPES:
        if re.search(pattern, number):
            return kind
    return None


def _upper_prefix(line: str) -> str:
    """The upper-case run a line starts with ("QUỐC HỘILuật số" -> "QUỐC HỘI")."""
    out = ""
    for ch in line:
        if ch.isupper() or ch in " ,-":
            out += ch
            continue
        if ch.islower() and out and out[-1].isupper():
            out = out[:-1]  # "...HỘIL|uật": the L starts the next line
        break
    else:
        out = line
    return re.sub(r"\s*[-_=.*]{2,}.*$", "", out).strip(" ,-")


def _split(lines: list[str]) -> list[str]:
    """Lines, with table cells (" | ") and glued header lines taken apart."""
    out: list[str] = []
    for line in lines:
        for cell in line.split(" | "):
            cell = re.sub(r"(VIỆT NAM)(?=Độc)", r"\1\n", cell)
            cell = re.sub(r"([A-ZÀ-ỸĐ]{2})(?=(?:Luật|Số|Nghị|Thông|Quyết)\b)", r"\1\n", cell)
            out.extend(c.strip() for c in cell.split("\n") if c.strip())
    return out


def read_header(lines: list[str], full_text: str = "") -> Header:
    """The header of the text whose first lines (markup removed) are ``lines``.

    ``lines`` should stop at the first article heading; ``full_text`` (the whole document) is
    searched for the passing date of a law and its entry into force.
    """
    head = Header()
    cells = _split(lines[:60])
    joined = "\n".join(cells)
    head.motto = bool(_MOTTO.search(fold(joined)))
    for i, cell in enumerate(cells[:12]):
        body = _upper_prefix(cell)
        if body and _BODIES.match(body) and not head.issuing_body:
            # a body printed on two lines: "BỘ THÔNG TIN VÀ" / "TRUYỀN THÔNG"
            nxt = cells[i + 1] if i + 1 < len(cells) else ""
            if _CONTINUED.search(body) and nxt.isupper() and not _MOTTO.search(fold(nxt)) \
                    and not _TITLE_WORD.match(nxt):
                body = f"{body} {nxt}"
            head.issuing_body = body
    m = _NUMBER_LINE.search(joined)
    if m:
        head.number = m["num"]
        if m["word"]:
            head.type_word = m["word"].capitalize()
    m = _DATE_LINE.search(joined)
    if m and not re.match(r"(?i)căn cứ|theo", m["place"]):
        head.place, head.date = m["place"], make_date(m["d"], m["m"], m["y"])
    _title(head, cells)
    if head.date is None and full_text:
        m = _PASSED.search(full_text)
        if m:
            head.date = make_date(*m.groups())
    if full_text:
        m = IN_FORCE.search(full_text)
        if m:
            head.in_force = make_date(*m.groups())
    head.doc_type = type_of(head.type_word) or (_type_of_number(head.number)
                                                if head.number else None)
    head.local = bool((head.issuing_body and _LOCAL.search(head.issuing_body))
                      or (head.number and _LOCAL.search(head.number)))
    if head.local:
        head.notes.append(f"issued by a local authority ({head.issuing_body or head.number}), "
                          "not national legislation")
    return head


_TITLE_WORD = re.compile(r"^(BỘ LUẬT|LUẬT|NGHỊ ĐỊNH|THÔNG TƯ LIÊN TỊCH|THÔNG TƯ|QUYẾT ĐỊNH|"
                         r"NGHỊ QUYẾT|PHÁP LỆNH)(?=$|\s)(.*)$")
_NOT_CAPTION = re.compile(
    r"^(?:Căn cứ|Theo đề nghị|Xét đề nghị|Điều\s|Chương\s|ĐIỀU\s|CHƯƠNG\s|Phần\s|PHẦN\s"
    r"|[A-ZĐ][^\W\d_]*(?:\s+[A-ZĐ]\w*)*,\s*ngày|(?:ỦY|UỶ) BAN|BỘ TRƯỞNG|THỦ TƯỚNG|CHỦ TỊCH"
    r"|QUỐC HỘI|CHÍNH PHỦ|HỘI ĐỒNG|THỐNG ĐỐC|TỔNG GIÁM ĐỐC|[-_=*.]{2,})")
_NAMED = ("LUẬT", "BỘ LUẬT", "PHÁP LỆNH")  # "LUẬT AN NINH MẠNG" is named "Luật An ninh mạng"


def _title(head: Header, cells: list[str]) -> None:
    """The type word line ("NGHỊ ĐỊNH" or "LUẬT AN NINH MẠNG") and the caption under it."""
    for i, cell in enumerate(cells):
        m = _TITLE_WORD.match(cell)
        if not m:
            continue
        word, rest = m.group(1), m.group(2).strip(" :")
        head.type_word = word.capitalize()
        if rest and word in _NAMED and rest.isupper():
            head.title = f"{word.capitalize()} {rest.capitalize()}"
        elif rest:
            head.title = cell.strip()
        else:
            caption = []
            for nxt in cells[i + 1:i + 4]:
                if _NOT_CAPTION.match(nxt) or len(nxt) > 300:
                    break
                caption.append(nxt)
                if not nxt.isupper() and not nxt.endswith((",", " và", " của")):
                    break
            text = " ".join(caption)
            if text.isupper() and word in _NAMED:
                head.title = f"{word.capitalize()} {text.capitalize()}"
                return
            if text.isupper():
                head.title = f"{word} {text}"
                return
            if text and text[0].isupper() and len(text) > 1 and text[1].islower():
                text = text[0].lower() + text[1:]  # "Về bảo vệ ..." -> "Nghị định về bảo vệ"
            head.title = f"{word.capitalize()} {text}".strip()
        return
