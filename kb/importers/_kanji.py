"""Japanese numbering shared by the Japanese importers: kanji numerals, era years, article labels.

Japanese statutes print numbers in kanji, in two styles: the traditional one in article labels
(第百九十三条, 第十二条の二) and a positional one in law numbers and dates of amending laws
(平成一一年一二月八日法律第一五一号). Both are read here; labels are written in the
traditional style, as statutes print them.
"""

from __future__ import annotations

import datetime as dt
import re

_DIGITS = {ch: i for i, ch in enumerate("〇一二三四五六七八九")}
_DIGITS.update({"零": 0, "元": 1})
_DIGITS.update({ch: i for i, ch in enumerate("０１２３４５６７８９")})
_DIGITS.update({str(i): i for i in range(10)})
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_LARGE_UNITS = {"万": 10_000, "億": 100_000_000}

# First Gregorian year of each era (era year 1).
ERA_START = {
    "明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019,
    "meiji": 1868, "taisho": 1912, "showa": 1926, "heisei": 1989, "reiwa": 2019,
}
ERA_LETTER = {"明治": "m", "大正": "t", "昭和": "s", "平成": "h", "令和": "r"}

NUMERAL_CHARS = "".join(_DIGITS) + "".join(_SMALL_UNITS) + "".join(_LARGE_UNITS)


def to_int(text: str) -> int | None:
    """Read a kanji (or full-width, or ascii) number: 百九十三, 一五一, ２, 35; None if not one."""
    text = text.strip()
    if not text or any(ch not in NUMERAL_CHARS for ch in text):
        return None
    if not any(ch in _SMALL_UNITS or ch in _LARGE_UNITS for ch in text):
        return int("".join(str(_DIGITS[ch]) for ch in text))  # positional: 一五一 = 151
    total = section = digit = 0
    for ch in text:
        if ch in _DIGITS:
            digit = digit * 10 + _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            section += (digit or 1) * _SMALL_UNITS[ch]
            digit = 0
        else:
            total += (section + digit or 1) * _LARGE_UNITS[ch]
            section = digit = 0
    return total + section + digit


def to_kanji(number: int) -> str:
    """Write a number the way statutes print it: 10 -> 十, 193 -> 百九十三, 2000 -> 二千."""
    if number < 0:
        raise ValueError(f"no kanji numeral for {number}")
    if number == 0:
        return "〇"
    digits = "〇一二三四五六七八九"
    out = []
    for unit, value in (("億", 100_000_000), ("万", 10_000)):
        if number >= value:
            out.append(to_kanji(number // value) + unit)
            number %= value
    for unit, value in (("千", 1000), ("百", 100), ("十", 10)):
        if number >= value:
            count = number // value
            out.append(("" if count == 1 else digits[count]) + unit)
            number %= value
    if number:
        out.append(digits[number])
    return "".join(out)


def article_label(num: str) -> str | None:
    """``12_2`` -> ``第十二条の二`` (the e-Gov Num attribute form); None if not numeric."""
    parts = num.split("_")
    if not all(p.isdigit() for p in parts):
        return None
    label = f"第{to_kanji(int(parts[0]))}条"
    return label + "".join(f"の{to_kanji(int(p))}" for p in parts[1:])


_LABEL_RE = re.compile(rf"^第([{NUMERAL_CHARS}]+)条((?:の[{NUMERAL_CHARS}]+)*)$")


def article_num(label: str) -> str | None:
    """``第十二条の二`` -> ``12_2``; None if the text is not an article label."""
    match = _LABEL_RE.match(label.strip())
    if not match:
        return None
    numbers = [to_int(match.group(1))]
    numbers += [to_int(p) for p in match.group(2).split("の")[1:]]
    if any(n is None for n in numbers):
        return None
    return "_".join(str(n) for n in numbers)


def era_year(era: str, year: int) -> int | None:
    """Gregorian year of an era year (``Heisei``/``平成`` 5 -> 1993)."""
    start = ERA_START.get(era.strip().lower()) or ERA_START.get(era.strip())
    return start + year - 1 if start else None


_LAW_NUM_RE = re.compile(
    rf"(明治|大正|昭和|平成|令和)([{NUMERAL_CHARS}]+)年"
    rf"(?:([{NUMERAL_CHARS}]+)月([{NUMERAL_CHARS}]+)日)?"
    rf"(\D*?)第([{NUMERAL_CHARS}]+)号"
)


def law_num_key(text: str) -> str | None:
    """A short ascii key for a law number: ``平成一一年一二月八日法律第一五一号`` -> ``h11_151``.

    Laws other than acts (政令, 省令 ...) get their kind spelled out so keys do not collide:
    ``平成十二年政令第四号`` -> ``h12_seirei_4``.
    """
    match = _LAW_NUM_RE.search(text)
    if not match:
        return None
    year = to_int(match.group(2))
    number = to_int(match.group(6))
    if year is None or number is None:
        return None
    kind = match.group(5)
    kinds = {"法律": "", "政令": "seirei_", "勅令": "chokurei_", "府令": "furei_",
             "省令": "shorei_", "規則": "kisoku_"}
    infix = next((v for k, v in kinds.items() if kind.endswith(k)), "other_")
    return f"{ERA_LETTER[match.group(1)]}{year}_{infix}{number}"


def era_date(era: str, year: str, month: str | None, day: str | None) -> dt.date | None:
    """The date an era-dated attribute set states, or None when any part is missing or bad."""
    y = to_int(year or "")
    m = to_int(month or "")
    d = to_int(day or "")
    if y is None or m is None or d is None:
        return None
    gregorian = era_year(era, y)
    if gregorian is None:
        return None
    try:
        return dt.date(gregorian, m, d)
    except ValueError:
        return None


_LAW_ID = re.compile(r"^(?P<era>[1-5])(?P<year>\d{2})(?P<kind>AC|CO|M\d{2}|IO|DF)(?P<num>\d{10})$")
_ERA_BY_DIGIT = {"1": "明治", "2": "大正", "3": "昭和", "4": "平成", "5": "令和"}
_DOCTYPE = {"AC": "act", "CO": "decree", "IO": "decree"}


def work_id_from_law_id(law_id: str) -> str | None:
    """``359AC0000000086`` (Shōwa 59, Act No. 86) -> ``/akn/jp/act/1984/86``.

    The e-Gov law id encodes the era, the year within it, the kind of law and its number,
    so the same law gets the same work id whichever e-Gov product it was read from.
    """
    match = _LAW_ID.match(law_id or "")
    if not match:
        return None
    year = era_year(_ERA_BY_DIGIT[match["era"]], int(match["year"]))
    doctype = _DOCTYPE.get(match["kind"], "regulation")
    if year is None:
        return None
    return f"/akn/jp/{doctype}/{year}/{int(match['num'][1:])}"  # 1st digit: who proposed
