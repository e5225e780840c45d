"""Loading the JSON formats (GDPRtEXT, Federal Register API, per-article law JSON): one place
that decodes the bytes and turns every way they can be wrong into an ImportFailed naming the
file, so each importer starts from a parsed object.
"""

from __future__ import annotations

import json

from kb.errors import ImportFailed


def head(data: bytes, size: int = 4096) -> str:
    """The first bytes as text without a BOM, for cheap sniffing."""
    return data[:size].decode("utf-8", "ignore").lstrip("\ufeff")


def load(data: bytes, filename: str) -> object:
    """The decoded JSON value of UTF-8 bytes (a BOM is allowed)."""
    if not data.strip():
        raise ImportFailed(f"{filename}: the file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{filename}: not valid JSON: not UTF-8 ({exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"{filename}: not valid JSON ({exc})") from None


def load_object(data: bytes, filename: str, what: str) -> dict:
    """The decoded JSON object; anything else (a list, a string) is not ``what``."""
    value = load(data, filename)
    if not isinstance(value, dict):
        raise ImportFailed(f"{filename}: not {what} (the JSON is a {type(value).__name__}, "
                           "not an object)")
    return value
