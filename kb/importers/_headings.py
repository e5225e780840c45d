"""Article and grouping headings as printed in laws and treaties, in several scripts.

Shared by the generic text importer and the Vietnamese HTML importers. Each matcher takes one
line (already stripped of Markdown ``#`` marks and HTML) and says whether it is an
article-level heading (``Article 14.11``, ``Art. 5``, ``Section 12``, ``§ 230``, ``Điều 26``,
``第四条``, ``第二条の二``, ``제4조의2``) or a grouping heading above articles (``Chapter V``,
``Part 2``, ``Section A``, ``Chương II``, ``Mục 1``, ``第一章``, ``제1장``), or an annex
(``ANNEX II``, ``Schedule 1``, ``FIRST SCHEDULE``, ``Correlation table``, ``Phụ lục``).

Plain lines are ambiguous (a wrapped sentence may start with "Article 57 applies ..."), so a
heading must end right after its number, or continue with a separator (``:`` ``.`` ``-``) and a
caption, or with a caption that looks like one (capitalised words, no trailing comma).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kb.text import fold

SPACES = "\u00a0\u202f\u2007\u2009\u3000"
_WS = rf"[\s{SPACES}]"
_SEP = r"[:.\-–—]"

_CJK_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
               "七": 7, "八": 8, "九": 9}
_CJK_UNITS = {"十": 10, "百": 100, "千": 1000}
_CJK_NUM = "〇零一二两三四五六七八九十百千0-9０-９"


def cjk_number(text: str) -> int | None:
    """``二十三`` -> 23, ``百一`` -> 101, ``４`` -> 4; None when it is not a number."""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in _CJK_DIGITS:
            digit = _CJK_DIGITS[ch] if digit is None else digit * 10 + _CJK_DIGITS[ch]
        elif ch in _CJK_UNITS:
            total += (1 if digit is None else digit) * _CJK_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# A Đ typed with the Icelandic eth (U+00D0/U+00F0) or the African D (U+0189), or a D with a
# combining stroke: "Ðiều 5" then fails to match "Điều" and the article merges into the one
# before. Vietnamese words begin with đ, Icelandic words never with ð, so only word-initial
# forms are folded.
_LOOKALIKE_D = re.compile(r"(?<![^\W\d_])(?:[ÐƉ]|D[\u0335\u0336])")
_LOOKALIKE_DD = re.compile(r"(?<![^\W\d_])(?:ð|d[\u0335\u0336])")


def normalize_unicode(text: str) -> str:
    """NFC, invisible characters out, look-alike letters folded: run before heading detection.

    Decomposed text ("Điều" as D + stroke, "ề" as e + two combining marks) and look-alike
    letters stop headings from matching, which silently merges articles.
    """
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    if "Ð" in text or "Ɖ" in text or "ð" in text or "\u0335" in text or "\u0336" in text:
        text = _LOOKALIKE_DD.sub("đ", _LOOKALIKE_D.sub("Đ", text))
        text = unicodedata.normalize("NFC", text)
    return text


def clean_space(text: str) -> str:
    return re.sub(rf"{_WS}+", " ", text).strip()


def eid_token(text: str) -> str:
    """A number as an eId segment: ``3.5.NĐ.1`` -> ``3.5.nd.1``, ``14(a)`` -> ``14-a``.

    A letter suffix đ after a number ("Điều 23đ", between 23d and 23e) becomes ``dd``, so it
    does not collide with 23d.
    """
    token = re.sub(r"[^a-z0-9.]+", "-", fold(re.sub(r"(?<=\d)[đĐ]", "dd", text))).strip("-.")
    return token or "x"


def unique_eid(eid: str, seen: set[str]) -> str:
    """``eid``, or ``eid_2``, ``eid_3`` ... when already used in this document."""
    out, n = eid, 1
    while out in seen:
        n += 1
        out = f"{eid}_{n}"
    seen.add(out)
    return out


def looks_like_caption(text: str, strict: bool) -> bool:
    """A short caption rather than running text; ``strict`` also asks for Title Case/CAPS."""
    text = text.strip()
    if not text or len(text) > 160 or text[-1] in ",;" or not (text[0].isupper()
                                                                  or text[0].isdigit()
                                                                  or text[0] in "\"'“‘("):
        return False
    if not strict:
        return True
    if text.isupper():
        return True
    words = [w for w in re.findall(r"[^\W\d_]+", text) if len(w) > 3]
    return bool(words) and all(w[0].isupper() for w in words)


@dataclass(frozen=True)
class Heading:
    """An article-level heading: number as printed, caption, eId, kind and any text after it."""

    number: str
    heading: str | None
    eid: str
    kind: str
    rest: str = ""  # body text printed on the heading line (Japanese, Chinese, Korean)


@dataclass(frozen=True)
class Group:
    """A grouping heading (chapter, part, section ...): level 1 (part) .. 6; title may follow."""

    level: int
    label: str
    title: str | None


_EN_ART = re.compile(
    rf"^(?P<kw>Article|ARTICLE|Art\.){_WS}*(?P<num>\d+[A-Za-z]?(?:\.\d+[A-Za-z]?)*"
    rf"(?:{_WS}?(?:bis|ter|quater))?)(?P<rest>.*)$")
_SECTION = re.compile(rf"^(?P<kw>Section|SECTION|Sec\.|SEC\.){_WS}+(?P<num>\d+[A-Za-z]?(?:\.\d+)*)"
                      rf"(?P<rest>.*)$")
_PARAGRAPH_SIGN = re.compile(rf"^(?P<kw>§§?){_WS}*(?P<num>\d+[A-Za-z]?(?:[.\-–]\d+[A-Za-z]?)*)"
                             rf"(?P<rest>.*)$")
_VI_ART = re.compile(rf"^(?P<kw>Điều|ĐIỀU){_WS}+(?P<num>\d+[a-zđ]?)(?P<rest>.*)$")
_CJK_ART = re.compile(rf"^第(?P<num>[{_CJK_NUM}]+)条(?P<sub>(?:の[{_CJK_NUM}]+)*)(?P<rest>.*)$")
_KO_ART = re.compile(r"^제\s*(?P<num>\d+)\s*조(?P<sub>(?:\s*의\s*\d+)?)(?P<rest>.*)$")


def _caption(rest: str, strict_plain: bool, markdown: bool, allow_bare_dot: bool) -> str | None:
    """The caption after a heading number, "" for none, None when the line is running text."""
    rest = rest.replace("\u00a0", " ").replace("\u202f", " ")
    if not rest.strip():
        return ""
    if markdown:
        return re.sub(rf"^{_WS}*{_SEP}*{_WS}*", "", rest).strip()
    sep = re.match(rf"^{_WS}*({_SEP}+){_WS}*(.*)$", rest)
    if sep:
        caption = sep.group(2).strip()
        if not caption:
            return "" if (allow_bare_dot or sep.group(1) != ".") else None
        if sep.group(1) == "." and not rest.startswith((". ", ".\u00a0", ".\t")) \
                and not allow_bare_dot:
            return None  # "Article 5.2" style cross reference, or "5.Title" glued
        return caption if looks_like_caption(caption, strict=False) else None
    if not re.match(rf"^{_WS}", rest):
        return None  # "Article 6(1)", "Điều 5của"
    caption = rest.strip()
    return caption if looks_like_caption(caption, strict=strict_plain) else None


def match_article(line: str, markdown: bool = False, sections: bool = True) -> Heading | None:
    """The article-level heading this line is, if any.

    ``markdown``: the line was a Markdown/HTML heading, so whatever follows the number is the
    caption. ``sections``: "Section 12" counts as an article-level unit (documents that have
    no "Article" headings); otherwise it is left to :func:`match_group`.
    """
    line = line.strip()
    if not line:
        return None
    m = _EN_ART.match(line)
    if m:
        cap = _caption(m["rest"], strict_plain=True, markdown=markdown, allow_bare_dot=False)
        if cap is None:
            return None
        number = clean_space(f"{m['kw']} {m['num']}")
        return Heading(number, cap or None, f"art_{eid_token(m['num'])}", "article")
    m = _PARAGRAPH_SIGN.match(line)
    if m:
        cap = _caption(m["rest"], strict_plain=False, markdown=markdown, allow_bare_dot=True)
        if cap is None:
            return None
        return Heading(f"{m['kw']} {m['num']}", cap or None, f"sec_{eid_token(m['num'])}",
                       "section")
    m = _SECTION.match(line) if sections else None
    if m:
        cap = _caption(m["rest"], strict_plain=True, markdown=markdown, allow_bare_dot=False)
        if cap is None:
            return None
        return Heading(clean_space(f"{m['kw']} {m['num']}"), cap or None,
                       f"sec_{eid_token(m['num'])}", "section")
    m = _VI_ART.match(line)
    if m:  # Vietnamese captions are in sentence case: "Điều 5 Chính sách của Nhà nước"
        cap = _caption(m["rest"], strict_plain=False, markdown=markdown, allow_bare_dot=True)
        if cap is None:
            return None
        eid = f"art_{eid_token(m['num'])}"
        if cap and not markdown and cap[-1] in ".;:" and len(cap.split()) > 3:
            # "Điều 1. Phê duyệt kế hoạch ... ." in decisions: the first sentence, not a caption
            return Heading(f"{m['kw']} {m['num']}", None, eid, "article", cap)
        return Heading(f"{m['kw']} {m['num']}", cap or None, eid, "article")
    m = _CJK_ART.match(line)
    if m:
        rest = m["rest"]
        if rest and not re.match(rf"^{_WS}", rest) and not markdown:
            return None  # "第四条の規定により" is a reference, not a heading
        nums = [cjk_number(m["num"])] + [cjk_number(s) for s in m["sub"].split("の")[1:]]
        if None in nums:
            return None
        label = line[: m.start("rest")]
        caption, body = _cjk_caption(rest.strip())
        return Heading(label, caption, "art_" + "-".join(str(n) for n in nums), "article", body)
    m = _KO_ART.match(line)
    if m:
        rest = m["rest"]
        if rest and not re.match(rf"^({_WS}|\(|（)", rest) and not markdown:
            return None  # "제4조에 따른" is a reference
        nums = [m["num"]] + re.findall(r"\d+", m["sub"])
        caption, body = _cjk_caption(rest.strip())
        return Heading(clean_space(line[: m.start("rest")]), caption,
                       "art_" + "-".join(nums), "article", body)
    return None


def _cjk_caption(rest: str) -> tuple[str | None, str]:
    """``(목적) 이 법은 ...`` -> ("목적", "이 법은 ..."); a bare body stays body."""
    m = re.match(r"^[（(]([^）)]{1,60})[）)]\s*(.*)$", rest, re.S)
    if m:
        return m.group(1).strip(), m.group(2).strip()
    return None, rest


_GROUP_KW = {
    "part": 1, "title": 2, "chapter": 3, "section": 4, "subsection": 5, "sub-section": 5,
    "phần": 1, "chương": 3, "mục": 4, "tiểu mục": 5,
}
_EN_GROUP = re.compile(
    rf"^(?P<kw>PART|Part|TITLE|Title|CHAPTER|Chapter|SECTION|Section|SUB-?SECTION|Sub-?section"
    rf"|Subsection|PHẦN|Phần|CHƯƠNG|Chương|TIỂU MỤC|Tiểu mục|MỤC|Mục)"
    rf"{_WS}+(?P<num>[IVXLCDM]+|\d+[A-Za-z]?|[A-Z])(?=$|[\s{SPACES}:.\-–—])(?P<rest>.*)$")
_CJK_GROUP = re.compile(rf"^第(?P<num>[{_CJK_NUM}]+)(?P<kw>[編编章節节款目])(?P<rest>.*)$")
_KO_GROUP = re.compile(r"^제\s*(?P<num>\d+)\s*(?P<kw>[편장절관])(?P<rest>.*)$")
_CJK_LEVEL = {"編": 1, "编": 1, "편": 1, "章": 3, "장": 3, "節": 4, "节": 4, "절": 4, "款": 5,
              "관": 5, "目": 6}
_SUPPLEMENTARY = re.compile(r"^(附[\s　]*則|부[\s　]*칙)$")


def match_group(line: str, markdown: bool = False) -> Group | None:
    """The grouping heading this line is, if any ("Chapter V", "Mục 1", "第一章", "제1장")."""
    line = line.strip()
    m = _EN_GROUP.match(line)
    if m:
        level = _GROUP_KW[m["kw"].lower().replace("-", "")] if m["kw"].lower() != "sub-section" \
            else 5
        rest = m["rest"].replace("\u00a0", " ").replace("\u202f", " ")
        title: str | None
        if not rest.strip():
            title = None
        elif markdown:
            title = re.sub(rf"^{_WS}*{_SEP}*{_WS}*", "", rest).strip() or None
        else:
            sep = re.match(rf"^{_WS}*({_SEP}+){_WS}*(.*)$", rest)
            title = (sep.group(2) if sep else rest).strip()
            # after a dash ("Part 2—Numbering plan", Australian style) a sentence-case title
            dashed = bool(sep) and sep.group(1) in ("—", "–")
            if title and not looks_like_caption(title, strict=not dashed):
                return None
            title = title or None
        return Group(level, clean_space(f"{m['kw']} {m['num']}"), title)
    for pattern in (_CJK_GROUP, _KO_GROUP):
        m = pattern.match(line)
        if m:
            rest = m["rest"]
            if rest and not re.match(rf"^{_WS}", rest) and not markdown:
                return None
            return Group(_CJK_LEVEL[m["kw"]], clean_space(line[: m.start("rest")]),
                         clean_space(rest) or None)
    if _SUPPLEMENTARY.match(line):
        return Group(1, clean_space(line), None)
    return None


_ANNEX = re.compile(rf"^(?P<kw>ANNEX|Annex|APPENDIX|Appendix|PHỤ LỤC|Phụ lục|SCHEDULE|Schedule)"
                    rf"(?:{_WS}+(?P<num>[IVXLCDM]+|\d+[A-Za-z]?|[A-Z]))?(?P<rest>.*)$")
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
             "tenth", "eleventh", "twelfth")
# Commonwealth schedules ("FIRST SCHEDULE", "THE SCHEDULE") and EU correlation tables: not law
# of the last section or article, so each starts its own annex portion.
_ORDINAL_SCHEDULE = re.compile(rf"^(?P<ord>(?:{'|'.join(_ORDINALS)}|the)){_WS}+schedule"
                               rf"(?P<rest>.*)$", re.I)
_CORRELATION = re.compile(rf"^correlation{_WS}+table(?P<rest>.*)$", re.I)


def _annex_caption(rest: str, markdown: bool) -> str | None:
    """The caption after an annex number, "" for none, None when the line is running text."""
    if not rest.strip():
        return ""
    sep = re.match(rf"^{_WS}*{_SEP}+{_WS}*(.*)$", rest)
    if sep:
        caption = sep.group(1).strip()
    elif markdown and re.match(rf"^{_WS}", rest):
        caption = rest.strip()
    else:
        return None
    if not markdown and caption and not looks_like_caption(caption, strict=False):
        return None
    return caption


def match_annex(line: str, markdown: bool = False) -> Heading | None:
    """An annex heading ("ANNEX", "ANNEX II", "Annex 1 - Title", "## ANNEX I: Title",
    "Schedule 1—Australian Privacy Principles", "FIRST SCHEDULE", "Correlation table")."""
    line = line.strip()
    m = _ORDINAL_SCHEDULE.match(line)
    if m and (m["ord"].isupper() or markdown or m["ord"][0].isupper()):
        caption = _annex_caption(m["rest"], markdown)
        if caption is None:
            return None
        word = m["ord"].lower()
        eid = f"sch_{_ORDINALS.index(word) + 1}" if word in _ORDINALS else "sch"
        number = clean_space(line[: m.start("rest")])
        return Heading(number, caption or None, eid, "annex")
    m = _CORRELATION.match(line)
    if m and not m["rest"].strip():
        return Heading(clean_space(line), None, "correlation_table", "annex")
    m = _ANNEX.match(line)
    if not m:
        return None
    caption = _annex_caption(m["rest"], markdown)
    if caption is None:
        return None
    number = clean_space(f"{m['kw']} {m['num'] or ''}")
    prefix = "sch" if m["kw"].lower() == "schedule" else "annex"
    eid = f"{prefix}_{eid_token(m['num'])}" if m["num"] else prefix
    return Heading(number, caption or None, eid, "annex")
