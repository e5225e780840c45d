"""As-of dates: which text of a work was in force on a given day.

A work's texts are the versions in the record store (``RecordStore.versions``) and, for a work
with no stored text, its curated entry (one text, whose dates decide). The rule is defined once,
in ``in_force_on``; search, show and compare (CLI, API, web pages, notebooks) all ask it.

The index holds current texts only, so a search "as of" a date ranks and excerpts the current
text; a hit whose text in force on that date is an older stored version says so
(``Hit.as_of_note``) and names that version, rather than pretending the old text was ranked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kb.errors import InvalidQuery
from kb.models import Dates, Instrument

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# statuses that mean "never in force yet", whatever the dates say
NOT_YET = ("draft", "signed-not-in-force")


def parse_as_of(value: dt.date | str | None) -> dt.date | None:
    """``as_of`` from a CLI option, a query string or a notebook: a date or ``InvalidQuery``
    (exit 2, HTTP 400), never a silent "today"."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidQuery(f"as_of: not a date: {text!r} (expected YYYY-MM-DD)") from None


@dataclass(frozen=True)
class Text:
    """One text of a work: a stored version (``version`` its number) or a curated entry
    (``version`` None)."""

    record: Instrument = field(repr=False)
    version: int | None = None
    current: bool = True

    @property
    def date(self) -> dt.date | None:
        """When this text took effect: its expression date (``version``), else, for a stored
        version, the date of the last amendment it contains, else its entry into force; None
        when it says none. A curated entry describes the work as a whole: it counts from the
        work's entry into force."""
        label = self.record.version or ""
        if _ISO_DATE.fullmatch(label):
            try:
                return dt.date.fromisoformat(label)
            except ValueError:
                pass
        dates = self.record.dates
        if self.version is None:
            return dates.in_force
        return dates.last_amended or dates.in_force


@dataclass(frozen=True)
class InForce:
    """The answer for one work on one date."""

    work_id: str
    on: dt.date
    in_force: bool
    text: Text | None = None  # the text in force (None: not in force, or no text known)
    reason: str = ""  # why not in force, or what is uncertain about the text

    @property
    def version(self) -> int | None:
        return self.text.version if self.text else None

    @property
    def version_date(self) -> dt.date | None:
        return self.text.date if self.text else None

    @property
    def older(self) -> bool:
        """The text in force is a stored version older than the current (indexed) one."""
        return self.text is not None and self.text.version is not None and not self.text.current

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.work_id, "as_of": self.on.isoformat(), "in_force": self.in_force,
                "version": self.version,
                "version_date": self.version_date.isoformat() if self.version_date else None,
                "current": not self.older, "reason": self.reason or None}


def _repealed(dates: Dates) -> dt.date | None:
    """A repeal date, for records that carry one (``dates.repealed``)."""
    value = getattr(dates, "repealed", None)
    return value if isinstance(value, dt.date) else None


def in_force_on(work_id: str, texts: Iterable[Text], on: dt.date,
                work_dates: Dates | None = None, status: str | None = None) -> InForce:
    """Whether a work was in force on ``on``, and which of its texts was.

    - The work was not in force if it entered into force after ``on`` (``work_dates.in_force``,
      else the earliest ``in_force`` of its texts), if its first known date of any kind
      (adoption, signature) is after ``on``, or if it is a draft or signed but not in force
      with no entry-into-force date.
    - Nor if it was repealed on or before ``on``: a repeal date (``dates.repealed``, where a
      record has one), or the text in force on ``on`` has status ``repealed`` and a date.
    - Otherwise the text in force is the latest whose date (``Text.date``: expression date,
      else last amendment, else entry into force) is on or before ``on``; texts without a date
      count as older than any dated one. When every text is dated after ``on`` but the work
      was in force, no text is given and ``reason`` says so; with no entry-into-force date
      either, nothing shows it was in force, and it is taken as not in force.
    - A curated entry (one text) counts from the work's entry into force; when the day is
      before its ``last_amended``, ``reason`` says it describes the law as amended.
    """
    texts = list(texts)
    dates = work_dates or (texts[0].record.dates if texts else Dates())
    in_force_dates = [d for d in [dates.in_force, *(t.record.dates.in_force for t in texts)] if d]
    started = dates.in_force or (min(in_force_dates) if in_force_dates else None)
    if started and started > on:
        return InForce(work_id, on, False, reason=f"it entered into force on {started}")
    first = dates.main()
    if not started and first and first > on:
        return InForce(work_id, on, False, reason=f"its first date is {first}")
    if status in NOT_YET and not started:
        return InForce(work_id, on, False, reason=f"not in force ({status})")
    repealed = _repealed(dates)
    if repealed and repealed <= on:
        return InForce(work_id, on, False, reason=f"repealed on {repealed}")
    dated = sorted(((t.date, t.version or 0, i) for i, t in enumerate(texts) if t.date),
                   reverse=True)
    undated = sorted(((t.version or 0, i) for i, t in enumerate(texts) if not t.date),
                     reverse=True)
    chosen = next((texts[i] for d, _, i in dated if d <= on), None)
    if chosen is None and undated:
        chosen = texts[undated[0][1]]
    if chosen is None:
        if not texts:  # no record to read: the dates above are all there is
            return InForce(work_id, on, True, reason="" if started else "no dates to decide")
        if not started:
            return InForce(work_id, on, False, reason=f"no text of it is dated on or before {on}")
        earliest = min(d for d, _, _ in dated)
        return InForce(work_id, on, True, reason=f"in force since {started}, but the earliest "
                       f"text stored is of {earliest}")
    if chosen.record.status == "repealed" and chosen.date and chosen.date <= on:
        return InForce(work_id, on, False, reason=f"repealed (text of {chosen.date})")
    amended = chosen.record.dates.last_amended
    if chosen.version is None and amended and amended > on:
        return InForce(work_id, on, True, chosen, reason=f"the entry describes the law as "
                       f"amended on {amended}; no text of {on} is stored")
    return InForce(work_id, on, True, chosen)


class AsOf:
    """``in_force_on`` for the works of one knowledge base, each work read once per object
    (one search, one page)."""

    def __init__(self, kb: Any, on: dt.date):
        self.kb = kb
        self.on = on
        self._curated: dict[str, Any] | None = None
        self._answers: dict[str, InForce] = {}

    def texts(self, work_id: str) -> tuple[list[Text], Dates | None, str | None]:
        """The work's stored versions (or its curated entry) and the work's own dates and
        status: the curated entry's when there is one, as in the index."""
        if self._curated is None:
            self._curated = {r.id: r for r in self.kb.load_entries().records}
        curated = self._curated.get(work_id)
        curated = curated if isinstance(curated, Instrument) else None
        texts: list[Text] = []
        store = self.kb.store if self.kb.settings.store_path.exists() else None
        if store is not None:
            for info in store.versions(work_id):
                record = store.get(work_id, version=info.version)
                if isinstance(record, Instrument):
                    texts.append(Text(record, info.version, info.current))
        if not texts and curated is not None:
            texts.append(Text(curated))
        dates = curated.dates if curated is not None else None
        status = curated.status if curated is not None else None
        if dates is None and texts:
            current = next((t for t in texts if t.current), texts[-1])
            dates, status = current.record.dates, current.record.status
        return texts, dates, status

    def of(self, work_id: str, fallback_date: str | None = None) -> InForce:
        """The answer for one work; ``fallback_date`` (the index's date of the record)
        decides for a work with no record to read."""
        if work_id not in self._answers:
            texts, dates, status = self.texts(work_id)
            if not texts and fallback_date and _ISO_DATE.fullmatch(fallback_date):
                dates = Dates(in_force=dt.date.fromisoformat(fallback_date))
            self._answers[work_id] = in_force_on(work_id, texts, self.on, dates, status)
        return self._answers[work_id]


def provision_in(record: Instrument, eid: str) -> Any:
    """The provision of ``record`` with this eId (or the same portion under another name),
    or None: the provision did not exist in that text."""
    from kb.core import _portion_key
    from kb.ids import normalise_eid

    wanted = normalise_eid(eid)
    for prov in record.provisions:
        if normalise_eid(prov.eid) == wanted:
            return prov
    key = _portion_key(eid)
    return next((p for p in record.provisions if _portion_key(p.eid) == key), None)


def note(answer: InForce) -> str:
    """What a hit says when its text in force on the date is an older stored version."""
    return (f"text as of {answer.version_date or 'an undated version'} (version "
            f"{answer.version}); ranked on the current text, which the index holds")


# -- the version timeline and diffs between versions (instrument pages) -------------------------
@dataclass(frozen=True)
class TimelineEntry:
    """One stored version of a work, as a reader lists them."""

    version: int
    label: str  # the document's own version label or date, else "v{N}"
    date: str | None  # when the text took effect (``Text.date``)
    stored_at: str
    source_url: str | None
    sha256: str | None  # of the bytes fetched (provenance), when known
    current: bool

    @property
    def sha256_short(self) -> str:
        return (self.sha256 or "")[:12]


def timeline(store: Any, work_id: str) -> list[TimelineEntry]:
    """Every stored version of a work, oldest first; empty for a work with none."""
    out = []
    for info in store.versions(work_id):
        record = store.get(work_id, version=info.version)
        if not isinstance(record, Instrument):
            continue
        text = Text(record, info.version, info.current)
        provenance = info.provenance or {}
        out.append(TimelineEntry(
            version=info.version, label=record.version or f"v{info.version}",
            date=text.date.isoformat() if text.date else None, stored_at=info.stored_at,
            source_url=provenance.get("url") or record.source_url,
            sha256=provenance.get("sha256"), current=info.current))
    return out


_DIFF_SPEC = re.compile(r"\s*v?(\d{1,6})\s*\.\.\s*v?(\d{1,6})\s*")


def parse_diff_spec(spec: str) -> tuple[int, int]:
    """``v1..v3`` (or ``1..3``) -> (1, 3), else ``InvalidQuery``."""
    match = _DIFF_SPEC.fullmatch(spec or "")
    if not match:
        raise InvalidQuery(f"diff: expected two versions such as v1..v3, not {spec!r}")
    return int(match[1]), int(match[2])


@dataclass(frozen=True)
class ProvisionChange:
    """One provision between two versions: ``added``, ``removed``, ``changed`` or
    ``unchanged``, with the word diff of its texts."""

    eid: str
    number: str
    heading: str | None
    change: str
    diff: Any  # kb.compare.Diff


@dataclass(frozen=True)
class VersionDiff:
    work_id: str
    left: int
    right: int
    changes: list[ProvisionChange]  # every provision, in the order of the newer text

    @property
    def changed(self) -> list[ProvisionChange]:
        return [c for c in self.changes if c.change != "unchanged"]

    @property
    def unchanged(self) -> int:
        return len(self.changes) - len(self.changed)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.work_id, "left": self.left, "right": self.right,
                "unchanged": self.unchanged,
                "changes": [{"eid": c.eid, "number": c.number, "heading": c.heading,
                             "change": c.change, **c.diff.to_dict()} for c in self.changed]}


def version_diff(store: Any, work_id: str, left: int, right: int) -> VersionDiff:
    """Provision by provision word diff (``kb.compare.diff_texts``) of two stored versions
    of a work; a version that is not stored is ``RecordNotFound``."""
    from kb.compare import diff_texts
    from kb.errors import RecordNotFound

    texts = []
    for number in (left, right):
        record = store.get(work_id, version=number)
        if not isinstance(record, Instrument):
            raise RecordNotFound(f"no version {number} of {work_id!r} in the store")
        texts.append(record)
    old = {p.eid: p for p in texts[0].provisions}
    new = {p.eid: p for p in texts[1].provisions}
    order = [*new, *(eid for eid in old if eid not in new)]
    changes = []
    for eid in order:
        a, b = old.get(eid), new.get(eid)
        a_text = (a.text or a.summary or "") if a else ""
        b_text = (b.text or b.summary or "") if b else ""
        change = ("added" if a is None else "removed" if b is None
                  else "unchanged" if a_text == b_text else "changed")
        shown = b or a
        assert shown is not None
        changes.append(ProvisionChange(
            eid, shown.number, shown.heading, change,
            diff_texts(a_text, b_text, f"{work_id}/~{eid}@v{left}",
                       f"{work_id}/~{eid}@v{right}")))
    return VersionDiff(work_id, left, right, changes)
