"""Identifiers: Akoma Ntoso FRBR work URIs for instruments, eIds for provisions, note ids.

Ids are parsed and lower-cased once at the boundary (loader, importer, API) and are stable
across re-crawls: a new text of the same work is a new version, never a new id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

DOC_TYPES = (
    "act",
    "regulation",
    "decree",
    "circular",
    "decision",
    "guideline",
    "standard",
    "treaty",
    "agreement-chapter",
    "court-decision",
    "bill",
    "doc",
)

_SEGMENT = r"[a-z0-9][a-z0-9.\-]*"
_WORK_RE = re.compile(
    rf"^/akn/(?P<country>[a-z]{{2,3}})/(?P<doctype>[a-z][a-z\-]*)"
    rf"(?P<subtype>(?:/[a-z][a-z\-]*)?)"
    rf"/(?P<date>\d{{4}}(?:-\d{{2}}-\d{{2}})?)/(?P<number>{_SEGMENT})$"
)
_EID_RE = re.compile(r"^[a-z][a-z0-9_.\-]*$")
_NOTE_RE = re.compile(
    r"^/notes/(?P<country>[a-z]{2,3})/(?P<year>\d{4})/(?P<slug>[a-z0-9][a-z0-9\-]*)$"
)


class InvalidId(ValueError):
    """An identifier that does not follow the project's id scheme."""


@dataclass(frozen=True, slots=True)
class WorkId:
    """An instrument's FRBR work URI, e.g. ``/akn/sg/act/2012/26``."""

    country: str
    doctype: str
    subtype: str
    date: str
    number: str

    @classmethod
    def parse(cls, value: str) -> WorkId:
        text = value.strip().lower()
        match = _WORK_RE.match(text)
        if not match:
            raise InvalidId(
                f"not an Akoma Ntoso work id: {value!r} "
                "(expected /akn/{country}/{doctype}/{date-or-year}/{number})"
            )
        return cls(
            country=match["country"],
            doctype=match["doctype"],
            subtype=match["subtype"].lstrip("/"),
            date=match["date"],
            number=match["number"],
        )

    def __str__(self) -> str:
        subtype = f"/{self.subtype}" if self.subtype else ""
        return f"/akn/{self.country}/{self.doctype}{subtype}/{self.date}/{self.number}"


@lru_cache(maxsize=65_536)
def clean_work_id(value: str) -> str:
    """Return the canonical (lower-case, validated) form of an instrument id."""
    return str(WorkId.parse(value))


def clean_eid(value: str) -> str:
    text = value.strip().lower()
    if not _EID_RE.match(text):
        raise InvalidId(f"not an Akoma Ntoso eId: {value!r} (letters, digits, _ . - only)")
    return text


def provision_id(work_id: str, eid: str) -> str:
    """``/akn/eu/act/regulation/2016/679`` + ``art_44`` -> ``.../679/~art_44``."""
    return f"{clean_work_id(work_id)}/~{clean_eid(eid)}"


def split_provision_id(value: str) -> tuple[str, str]:
    """Split a provision id into (instrument id, eId), validating both."""
    work, sep, eid = value.strip().lower().partition("/~")
    if not sep:
        raise InvalidId(f"not a provision id: {value!r} (expected {{work id}}/~{{eId}})")
    return clean_work_id(work), clean_eid(eid)


def clean_note_id(value: str) -> str:
    text = value.strip().lower()
    if not _NOTE_RE.match(text):
        raise InvalidId(
            f"not a case-note id: {value!r} (expected /notes/{{jurisdiction}}/{{year}}/{{slug}})"
        )
    return text


def kind_of(value: str) -> str:
    """Which record kind an id names: instrument, provision or case-note."""
    text = value.strip().lower()
    if text.startswith("/notes/"):
        clean_note_id(text)
        return "case-note"
    if "/~" in text:
        split_provision_id(text)
        return "provision"
    clean_work_id(text)
    return "instrument"


def slugify(text: str, max_len: int = 60) -> str:
    """A lower-case ascii slug for id segments (diacritics folded)."""
    from kb.text import fold

    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_len].strip("-") or "x"
