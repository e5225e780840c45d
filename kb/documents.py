"""Records -> flat index documents, the one shape both backends index.

Everything a backend needs is computed here once (ancestors of topics, groups of jurisdictions,
folded text, treaty commitment strength), so backends stay thin and behave the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from kb.citations import portion_vi
from kb.ids import expression_of
from kb.models import (
    CaseNote,
    Dates,
    DisputeSettlement,
    Instrument,
    Period,
    Provision,
    Record,
)
from kb.strength import assess, chapter_dispute_settlement, find_exceptions
from kb.tagging import tag_provision
from kb.taxonomy import Jurisdictions, Taxonomy, jurisdictions, tag_token, taxonomy
from kb.text import index_text

T = TypeVar("T")

IndexDoc = dict[str, Any]
TopicFields = tuple[list[str], list[str], str]  # topics with ancestors, sectors, tag terms

TREATY_TYPES = ("treaty", "agreement-chapter")

# Keyword fields a query can filter and facet on (same names in every backend).
KEYWORD_FIELDS = (
    "kind",
    "jurisdictions",
    "groups",
    "parties",
    "agreement",
    "sectors",
    "topics",
    "doc_type",
    "status",
    "language",
    "provision_kind",
    "strength",
    "origin",
    "text_source",
)
FACET_FIELDS = (
    "kind",
    "jurisdictions",
    "groups",
    "sectors",
    "topics",
    "doc_type",
    "status",
    "language",
    "strength",
)


def _tags(tax: Taxonomy, topics: list[str]) -> str:
    return " ".join(tag_token(t) for t in topics)


def _sectors(tax: Taxonomy, sectors: list[str], topics: list[str]) -> list[str]:
    out = list(sectors)
    for topic in topics:
        sector = topic.split("/", 1)[0]
        if sector not in out:
            out.append(sector)
    return out


def _groups(juris: Jurisdictions, codes: list[str]) -> list[str]:
    out: list[str] = []
    for code in codes:
        out.extend(g for g in juris.groups_of(code) if g not in out)
    return out


def instrument_docs(
    inst: Instrument, tax: Taxonomy | None = None, juris: Jurisdictions | None = None
) -> Iterator[IndexDoc]:
    """The instrument itself, then one document per provision."""
    tax, juris = tax or taxonomy(), juris or jurisdictions()
    topics = tax.with_ancestors([t for t in inst.topics if t in tax])
    sectors = _sectors(tax, inst.sectors, topics)
    date = inst.dates.main()
    common = {
        "instrument_id": inst.id,
        "instrument_title": inst.title,
        "jurisdiction": inst.jurisdiction,
        "jurisdictions": [inst.jurisdiction],
        "groups": _groups(juris, [inst.jurisdiction]),
        "parties": inst.parties,
        "agreement": inst.agreement,
        "doc_type": inst.doc_type,
        "status": inst.status,
        "date": date.isoformat() if date else None,
        "source_url": inst.source,
        "origin": inst.origin,
        # an other-language expression (``.../679/fra@``) links to the work it expresses
        "expression_of": expression_of(inst.id),
    }
    title_text = index_text(inst.title)
    yield {
        **common,
        "id": inst.id,
        "kind": "instrument",
        "title": inst.title,
        "title_vi": inst.title_vi,
        "number": None,
        "heading": None,
        "path": [],
        "text": inst.summary or "",
        "text_vi": inst.summary_vi,
        "text_source": "editorial",
        "language": inst.language,
        "sectors": sectors,
        "topics": topics,
        "provision_kind": None,
        "strength": None,
        "exceptions": [],
        "order": 0,
        "a_title": index_text(
            " ".join(
                filter(
                    None,
                    [inst.title, inst.title_vi, inst.title_original, *inst.native_ids.values()],
                )
            )
        ),
        "a_heading": "",
        "a_context": "",
        "a_summary": index_text(" ".join(filter(None, [inst.summary, inst.summary_vi]))),
        "a_body": "",
        "a_tags": _tags(tax, topics),
    }
    is_treaty = inst.doc_type in TREATY_TYPES
    tagged: dict[tuple, TopicFields] = {}
    ds = dispute_settlement_by_chapter(inst) if is_treaty else {}
    for order, prov in enumerate(inst.provisions, start=1):
        yield provision_doc(inst, prov, order, common, tax, is_treaty, title_text, tagged, ds)


def dispute_settlement_by_chapter(inst: Instrument) -> dict[str | None, DisputeSettlement]:
    """Chapter label (None: the whole instrument) -> its dispute-settlement status.

    Curated entries win; otherwise a chapter's own exclusion article decides (RCEP 12.17,
    AANZFTA Chapter 10 Article 10). Chapters with neither are not listed: "applies" is only
    shown where a text or an editor says so."""
    found = chapter_dispute_settlement(
        (p.number, p.heading, p.path, p.text or "") for p in inst.provisions
    )
    out: dict[str | None, DisputeSettlement] = {
        label: DisputeSettlement(status=c.status, article=c.article, chapter=label)
        for label, c in found.items()
    }
    for entry in inst.dispute_settlement:
        out[entry.chapter] = entry
    return out


def provision_doc(
    inst: Instrument,
    prov: Provision,
    order: int,
    common: dict,
    tax: Taxonomy,
    is_treaty: bool,
    title_text: str | None = None,
    tagged: dict[tuple, TopicFields] | None = None,
    ds: dict[str | None, DisputeSettlement] | None = None,
) -> IndexDoc:
    own = [t for t in prov.topics if t in tax]
    # a provision's topics are its own, never its instrument's (else every article of an act
    # would claim every topic of the act): curated or found at import, else found here in a
    # curated summary or an editorial heading, which the import never read
    from_content = not own and (bool(prov.summary) or not prov.text)
    key = (*own, bool(prov.text))
    fields = tagged.get(key) if tagged is not None and not from_content else None
    if fields is None:
        if from_content:
            own = [t for t in tag_provision(prov) if t in tax]
        topics = tax.with_ancestors(own)
        fields = (topics, _sectors(tax, inst.sectors, topics), _tags(tax, topics))
        if tagged is not None and not from_content:
            tagged[key] = fields
    topics, sectors, tags = fields
    strength, exceptions = prov.strength, list(prov.exceptions)
    phrase, paragraphs = prov.strength_phrase, list(prov.paragraph_strengths)
    clauses = [c.model_dump() for c in prov.exception_clauses]
    scope = list(prov.scope_exclusions)
    if is_treaty and prov.text:
        found = assess(prov.text, prov.heading, prov.path)
        if strength is None:
            strength, phrase = found.strength, phrase or found.phrase
        exceptions = exceptions or found.exception_types
        paragraphs = paragraphs or found.paragraph_strengths
        clauses = clauses or [{"type": e.type, "clause": e.clause} for e in found.exceptions]
        scope = scope or found.scope_exclusions
    elif is_treaty and prov.summary and not exceptions:
        # a curated article known by its summary: the carve-outs the editor describes
        found_exc = find_exceptions(prov.summary)
        exceptions = [e.type for e in found_exc]
        clauses = clauses or [{"type": e.type, "clause": e.clause} for e in found_exc]
    chapter_ds = None
    if is_treaty and ds:
        chapter_ds = ds.get(prov.path[-1] if prov.path else None) or ds.get(None)
    ds_status = prov.dispute_settlement or (chapter_ds.status if chapter_ds else None)
    body = prov.text or prov.summary or ""
    if prov.status == "suspended":  # no obligation while suspended: out of strength filters
        strength = None
    return {
        **common,
        "id": f"{inst.id}/~{prov.eid}",  # both validated already (ids.provision_id)
        # an expression's provision links to the same eId in the work it expresses
        "expression_of": f"{common['expression_of']}/~{prov.eid}"
        if common.get("expression_of") else None,
        "status": prov.status or inst.status,
        "status_note": prov.status_note,
        "incorporated_from": prov.incorporated_from,
        "incorporated_by": prov.incorporated_by,
        "kind": "provision",
        "title": " ".join(filter(None, [prov.number, prov.heading])) or prov.number,
        # "Điều 17 <heading>": the number in its Vietnamese form (kb.citations.portion_vi)
        "title_vi": " ".join(filter(None, [portion_vi(prov.number, prov.eid),
                                           prov.heading_vi])) if prov.heading_vi else None,
        "number": prov.number,
        "heading": prov.heading,
        "path": prov.path,
        "text": body,
        "text_vi": prov.summary_vi,
        "text_source": prov.text_source,
        "language": prov.language or inst.language,
        "sectors": list(sectors),
        "topics": list(topics),
        "provision_kind": prov.kind,
        "strength": strength if is_treaty else None,
        "exceptions": exceptions if is_treaty else [],
        "strength_phrase": phrase if is_treaty else None,
        "paragraph_strengths": paragraphs if is_treaty else [],
        "exception_clauses": clauses if is_treaty else [],
        "scope_exclusions": scope if is_treaty else [],
        "dispute_settlement": ds_status if is_treaty else None,
        "dispute_settlement_article": chapter_ds.article if is_treaty and chapter_ds else None,
        "order": prov.order or order,
        "a_title": index_text(" ".join(filter(None, [prov.number, prov.heading, prov.heading_vi]))),
        "a_heading": index_text(" ".join(prov.path)),
        "a_context": title_text or index_text(inst.title),
        "a_summary": index_text(" ".join(filter(None, [prov.summary, prov.summary_vi]))),
        "a_body": index_text(prov.text),
        "a_tags": tags,
    }


def case_note_doc(
    note: CaseNote, tax: Taxonomy | None = None, juris: Jurisdictions | None = None
) -> IndexDoc:
    tax, juris = tax or taxonomy(), juris or jurisdictions()
    topics = tax.with_ancestors([t for t in note.topics if t in tax])
    parts = [note.summary, note.what_was_done, note.outcome, *note.lessons]
    year = note.period.end or note.period.start if note.period else None
    return {
        "id": note.id,
        "kind": "case-note",
        "title": note.title,
        "title_vi": note.title_vi,
        "number": None,
        "heading": None,
        "path": [],
        "text": "\n\n".join(filter(None, parts)),
        "text_vi": note.summary_vi,
        "text_source": "editorial",
        "instrument_id": None,
        "instrument_title": None,
        "jurisdiction": note.jurisdictions[0],
        "jurisdictions": note.jurisdictions,
        "groups": _groups(juris, note.jurisdictions),
        "parties": [],
        "agreement": None,
        "doc_type": None,
        "status": None,
        "date": f"{year:04d}-01-01" if year else None,
        "source_url": note.source,
        "origin": "curated",
        "language": "en",
        "sectors": _sectors(tax, note.sectors, topics),
        "topics": topics,
        "provision_kind": None,
        "strength": None,
        "exceptions": [],
        "order": 0,
        "a_title": index_text(" ".join(filter(None, [note.title, note.title_vi]))),
        "a_heading": "",
        "a_context": "",
        "a_summary": index_text(" ".join(filter(None, [note.summary, note.summary_vi]))),
        "a_body": index_text(
            " ".join(filter(None, [note.what_was_done, note.outcome, *note.lessons,
                                   *note.lessons_vi]))
        ),
        "a_tags": _tags(tax, topics),
    }


def listing_date(when: Dates | Period | None) -> str:
    """The date a record is listed by, from an instrument's dates or a case note's period;
    "" when it has none."""
    if isinstance(when, Dates):
        date = when.main()
        return date.isoformat() if date else ""
    year = (when.end or when.start) if when else None
    return f"{year:04d}-01-01" if year else ""


def record_date(record: Record) -> str:
    """The date a record is listed by (its documents share it); "" when it has none."""
    return listing_date(record.dates if isinstance(record, Instrument) else record.period)


def index_order(records: Iterable[Record]) -> list[Record]:
    """Newest first, then by id: the order documents are numbered in (``seq``).

    Listing without a query follows it on every backend, and ties of score are broken by it."""
    return [record for _, _, record in in_index_order(
        (record.id, record_date(record), record) for record in records)]


def in_index_order(keyed: Iterable[tuple[str, str, T]]) -> list[tuple[str, str, T]]:
    """(id, listing date, anything) sorted into index order: newest first, then by id."""
    ordered = sorted(keyed, key=lambda k: k[0])
    ordered.sort(key=lambda k: k[1], reverse=True)
    return ordered


def record_docs(records: Iterable[Record], ordered: bool = False) -> Iterator[IndexDoc]:
    """Every record's documents in index order, each numbered by ``seq``. Records that come
    ``ordered`` already (``KnowledgeBase.documents``, which reads them one at a time) are
    not gathered to be sorted."""
    tax, juris = taxonomy(), jurisdictions()
    seq = 0
    for record in records if ordered else index_order(records):
        if isinstance(record, Instrument):
            docs: Iterable[IndexDoc] = instrument_docs(record, tax, juris)
        else:
            docs = (case_note_doc(record, tax, juris),)
        for doc in docs:
            seq += 1
            doc["seq"] = seq
            yield doc
