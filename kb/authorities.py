"""Vietnamese names of issuing bodies (``kb/authorities.yaml``), for pages and exports in
Vietnamese: "National Assembly of Viet Nam" reads "Quốc hội"."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

AUTHORITIES_PATH = Path(__file__).parent / "authorities.yaml"


@lru_cache(maxsize=1)
def authority_names(path: Path = AUTHORITIES_PATH) -> dict[str, str]:
    """English name -> Vietnamese name."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(en).strip(): str(vi).strip() for en, vi in data.items()}


def authority_vi(name: str | None) -> str | None:
    """The Vietnamese name of an issuing body, or None when the table has none."""
    if not name:
        return None
    return authority_names().get(name.strip())


def authority_name(name: str | None, lang: str = "en") -> str:
    """The body's name in ``lang``; in Vietnamese, the English one when the table lacks it."""
    if lang == "vi":
        return authority_vi(name) or (name or "")
    return name or ""


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when PyYAML has it


@lru_cache(maxsize=1)
def bundled_agreement_names() -> dict[str, tuple[str, str]]:
    """Agreement code -> (English name, Vietnamese name), from the bundled entries.

    For exports, which see a grid and no knowledge base: the entry chosen is the one
    ``kb.parties.agreement_entry`` reads (party dates first, then the treaty itself). Only
    files that declare an agreement are parsed, so this stays cheap.
    """
    from kb.load import ENTRIES_DIR

    found: dict[str, tuple[tuple[bool, bool, str], str, str]] = {}
    for path in sorted((ENTRIES_DIR / "instruments").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if "\nagreement:" not in text:
            continue
        data = yaml.load(text, Loader=_SAFE_LOADER) or {}  # noqa: S506 - a safe loader
        code = str(data.get("agreement") or "").strip().lower()
        if not code:
            continue
        rank = (not data.get("party_dates"), data.get("doc_type") != "treaty", str(data.get("id")))
        title = str(data.get("title") or code.upper())
        if code not in found or rank < found[code][0]:
            found[code] = (rank, title, str(data.get("title_vi") or title))
    return {code: (en, vi) for code, (_, en, vi) in found.items()}


_NAMES_OF: dict[int, tuple[Any, dict[str, tuple[str, str]]]] = {}


def agreement_names_of(kb: Any) -> dict[str, tuple[str, str]]:
    """Agreement code -> (English, Vietnamese) name: a knowledge base's entries (which may add
    agreements), then the bundled ones. One lookup for the pages, the API and the MCP server,
    worked out once per set of loaded entries (every answer asks for it)."""
    from kb.errors import KBError
    from kb.reference import agreement_list

    try:
        entries = kb.load_entries()
    except (KBError, OSError, ValueError):
        return dict(bundled_agreement_names())
    known = _NAMES_OF.get(id(entries))
    if known is not None and known[0] is entries:
        return known[1]
    names = dict(bundled_agreement_names())
    try:
        for item in agreement_list(entries):
            names[item["agreement"]] = (item["title"], item["title_vi"])
    except (KBError, OSError, ValueError):
        pass
    _NAMES_OF.clear()  # one set of entries in service at a time
    _NAMES_OF[id(entries)] = (entries, names)
    return names


def agreement_name(code: str, lang: str = "en",
                   names: dict[str, tuple[str, str]] | None = None) -> str:
    """An agreement's name instead of its code (``cptpp`` -> "Comprehensive and Progressive
    Agreement for Trans-Pacific Partnership (CPTPP)"); the code in capitals when unknown."""
    key = code.removeprefix("agreement:").strip().lower()
    pair = (names if names is not None else bundled_agreement_names()).get(key)
    if not pair:
        return key.upper()
    return pair[1] if lang == "vi" else pair[0]


@lru_cache(maxsize=1)
def bundled_instruments() -> dict[str, dict[str, str]]:
    """Instrument id -> its English and Vietnamese titles and agreement, from the bundled
    entries: what a Vietnamese export cites a provision by (``Điều 23 Luật Dữ liệu 2024``)."""
    from kb.load import ENTRIES_DIR

    out: dict[str, dict[str, str]] = {}
    for path in sorted((ENTRIES_DIR / "instruments").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        record_id = str(data.get("id") or "").strip().lower()
        if record_id:
            out[record_id] = {key: str(data[key]) for key in ("title", "title_vi", "agreement")
                              if data.get(key)}
    return out
