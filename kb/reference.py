"""Reference lists: the topic, jurisdiction and agreement codes a user can type, with their
English and Vietnamese names (``kb topics``, ``kb jurisdictions``, ``kb agreements`` and
``GET /v1/topics``, ``/v1/jurisdictions``, ``/v1/agreements``).

One builder for the CLI and the API, so what an error message points to and what the API
lists are the same codes.
"""

from __future__ import annotations

from typing import Any

from kb.errors import InvalidQuery
from kb.load import LoadResult
from kb.parties import agreements as agreement_codes
from kb.parties import parties
from kb.taxonomy import jurisdictions, taxonomy
from kb.text import fold


def _matches(needle: str | None, *names: str | None) -> bool:
    """Whether any name contains ``needle``, with or without Vietnamese marks."""
    if not needle:
        return True
    key = fold(needle.strip())
    return any(key in fold(name) for name in names if name)


def topic_list(match: str | None = None, sector: str | None = None) -> list[dict[str, Any]]:
    """Sectors and topics in taxonomy order; ``sector`` keeps one sector's tree, ``match``
    the topics whose id, label or synonym contains the words."""
    tax = taxonomy()
    if sector is not None and (sector not in tax or "/" in sector):
        raise InvalidQuery(f"unknown sector: {sector!r} "
                           f"(one of {', '.join(s.id for s in tax.sectors)})")
    out = []
    for t in tax.topics.values():
        if sector and t.sector != sector:
            continue
        if not _matches(match, t.id, *t.labels()):
            continue
        out.append({"id": t.id, "parent": t.parent, "sector": t.sector,
                    "depth": t.id.count("/"), "label": t.label, "label_vi": t.label_vi,
                    "synonyms": list(t.synonyms), "synonyms_vi": list(t.synonyms_vi)})
    return out


def group_list() -> list[dict[str, Any]]:
    """The groups (ipef, asean, ...) a jurisdiction filter expands, with their members."""
    juris = jurisdictions()
    return [{"code": code, "name": spec.get("name", code.upper()),
             "name_vi": spec.get("name_vi") or spec.get("name", code.upper()),
             "members": juris.members(code)}
            for code, spec in juris.groups.items()]


def jurisdiction_list(match: str | None = None, group: str | None = None
                      ) -> list[dict[str, Any]]:
    """Every jurisdiction (ISO 3166-1 alpha-2, ``eu``, ``int``) by code; ``group`` keeps its
    members, ``match`` those whose code or name (either language) contains the words."""
    juris = jurisdictions()
    if group is not None and group.strip().lower() not in juris.groups:
        raise InvalidQuery(f"unknown group: {group!r} (one of {', '.join(juris.groups)})")
    members = set(juris.members(group.strip().lower())) if group else None
    return [{"code": code, "name": spec["name"], "name_vi": spec.get("name_vi") or spec["name"],
             "alpha3": spec.get("alpha3"), "groups": list(spec.get("groups") or [])}
            for code, spec in sorted(juris.entries.items())
            if (members is None or code in members)
            and _matches(match, code, spec.get("alpha3"), spec["name"], spec.get("name_vi"))]


def agreement_list(entries: LoadResult) -> list[dict[str, Any]]:
    """The agreements of the curated entries: the code to type (``-a cptpp``), the names in
    both languages, and who is bound today."""
    out = []
    for code in agreement_codes(entries):
        data = parties(entries, code)
        out.append({"agreement": code, "instrument_id": data["instrument_id"],
                    "title": data["title"], "title_vi": data["title_vi"] or data["title"],
                    "status": data["status"], "parties": len(data["parties"]),
                    "in_force_for": [p["party"] for p in data["parties"] if p["bound"]]})
    return out
