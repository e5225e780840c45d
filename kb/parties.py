"""Who is bound by an agreement, and since when, from the per-party dates of the entries.

A negotiator's question "is Viet Nam bound by this article?" is answered by the party's own
entry into force, never by its being a negotiating participant: a partner that signed but has
no recorded entry into force is not counted as bound. The dates live in the treaty's curated
entry (``party_dates``, docs/entries.md); its chapters share them through the agreement code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from kb.errors import InvalidQuery, RecordNotFound
from kb.load import LoadResult
from kb.models import Instrument, PartyDates
from kb.taxonomy import jurisdictions


class Bound(NamedTuple):
    """``(bound, since, status)``: status is in-force, ratified, signed, not-yet, withdrawn,
    unknown (a participant without dates) or not-party."""

    bound: bool
    since: dt.date | None
    status: str


def agreement_entry(entries: LoadResult, agreement: str) -> Instrument:
    """The entry holding an agreement's parties: the one with party dates, else the treaty
    itself, else any chapter of it."""
    code = agreement.strip().lower()
    found = [r for r in entries.instruments if r.agreement == code]
    if not found:
        known = sorted({r.agreement for r in entries.instruments if r.agreement})
        raise RecordNotFound(f"no agreement {agreement!r} (one of {', '.join(known)})")
    found.sort(key=lambda r: (not r.party_dates, r.doc_type != "treaty", r.id))
    return found[0]


def agreements(entries: LoadResult) -> list[str]:
    return sorted({r.agreement for r in entries.instruments if r.agreement})


def _party_code(jurisdiction: str) -> str:
    code = jurisdiction.strip().lower()
    if code not in jurisdictions():
        raise InvalidQuery(f"unknown jurisdiction: {jurisdiction!r} (an ISO code such as vn)")
    return code


def party_dates(entry: Instrument, code: str) -> PartyDates | None:
    return next((p for p in entry.party_dates if p.party == code), None)


def bound(
    entries: LoadResult, agreement: str, jurisdiction: str, on: dt.date | None = None
) -> Bound:
    """Is ``jurisdiction`` bound by ``agreement`` on ``on`` (default today), and since when."""
    entry = agreement_entry(entries, agreement)
    code = _party_code(jurisdiction)
    on = on or dt.date.today()
    if code not in entry.parties:
        return Bound(False, None, "not-party")
    dates = party_dates(entry, code)
    if dates is None:
        return Bound(False, None, "unknown")
    status = dates.status(on)
    return Bound(status == "in-force", dates.in_force if status == "in-force" else None, status)


def bound_agreements(
    entries: LoadResult, jurisdiction: str, on: dt.date | None = None
) -> list[str]:
    """The agreement codes binding ``jurisdiction`` on a date (the ``bound`` search filter)."""
    return [code for code in agreements(entries)
            if bound(entries, code, jurisdiction, on).bound]


def parties(
    entries: LoadResult, agreement: str, on: dt.date | None = None
) -> dict[str, Any]:
    """The agreement's parties with their dates and their status on a date, in the order of
    the entry (participants without dates last, as ``unknown``)."""
    entry = agreement_entry(entries, agreement)
    on = on or dt.date.today()
    juris = jurisdictions()
    rows: list[dict[str, Any]] = []
    dated = {p.party for p in entry.party_dates}
    for item in [*entry.party_dates,
                 *(PartyDates(party=c) for c in entry.parties if c not in dated)]:
        answer = bound(entries, agreement, item.party, on)
        rows.append({
            "party": item.party,
            "name": juris.name(item.party, "en"),
            "name_vi": juris.name(item.party, "vi"),
            "signed": item.signed, "ratified": item.ratified,
            "ratification_kind": item.ratification_kind,
            "in_force": item.in_force, "withdrawn": item.withdrawn,
            "uncertain": list(item.uncertain), "note": item.note,
            "source": item.source or (entry.parties_source if item.party in dated else None),
            "status": answer.status, "bound": answer.bound,
        })
    return {"agreement": entry.agreement, "instrument_id": entry.id, "title": entry.title,
            "title_vi": entry.title_vi, "status": entry.status, "on": on,
            "signed": entry.dates.signed, "in_force": entry.dates.in_force, "parties": rows}
