"""Comparisons: grids of provisions by jurisdiction/agreement x topic, coverage maps, diffs,
counterparts. The same objects serve the CLI, the HTTP API and notebooks.

A grid cell holds the best provisions (with citation, status, date and, for treaty text,
commitment strength) or says explicitly that nothing was found: for a negotiator a gap is
information too.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kb import similar
from kb.backends.base import Backend
from kb.errors import InvalidQuery
from kb.glossary import translations as glossary_translations
from kb.search import (
    DEMOTED_KINDS,
    MAX_TRANSLATIONS,
    TAG_WEIGHT,
    TRANSLATION_WEIGHT,
    Clause,
    Hit,
    ParsedQuery,
    PlanClause,
    SearchQuery,
    TextPlan,
)
from kb.taxonomy import jurisdictions, tag_token, taxonomy
from kb.text import fold, is_stop_word, stem, words

MAX_ROWS = 60
MAX_COLUMNS = 12
MAX_PER_CELL = 10
MAX_PASTED = 20_000
NOTHING_FOUND = {"en": "nothing found", "vi": "không tìm thấy"}
# A cell ranks this many candidates before keeping ``per_cell``: enough for the curated and
# operative provisions to be among them when procedural ones outscore them on words.
CELL_POOL = 30
MAX_WHY_TERMS = 6
# provision id -> the topics (with ancestors) its curated entry files it under, for provisions
# with a curated summary: an editor's reading of what the provision is about
CuratedTopics = dict[str, frozenset[str]]


@dataclass(frozen=True)
class Row:
    """A grid row: a jurisdiction (``vn``) or an agreement (``agreement:cptpp``)."""

    key: str
    kind: str  # "jurisdiction" | "agreement"
    code: str

    def label(self, lang: str = "en") -> str:
        if self.kind == "agreement":
            return self.code.upper()
        return jurisdictions().name(self.code, lang)

    def query(self, **params: Any) -> SearchQuery:
        if self.kind == "agreement":
            return SearchQuery(agreements=[self.code], **params)
        return SearchQuery(jurisdictions=[self.code], **params)


def resolve_rows(jurisdiction_names: list[str], agreement_codes: list[str]) -> list[Row]:
    rows = [Row(c, "jurisdiction", c) for c in jurisdictions().expand(jurisdiction_names)]
    rows += [Row(f"agreement:{a.lower()}", "agreement", a.lower()) for a in agreement_codes]
    if not rows:
        raise InvalidQuery("a comparison needs rows: jurisdictions, groups (ipef) or agreements")
    if len(rows) > MAX_ROWS:
        raise InvalidQuery(f"too many rows ({len(rows)}, at most {MAX_ROWS})")
    return rows


def resolve_columns(topic_names: list[str]) -> list[str]:
    if not topic_names:
        raise InvalidQuery("a comparison needs at least one topic")
    topics = []
    for name in topic_names:
        topic = taxonomy().resolve(name)
        if topic not in topics:
            topics.append(topic)
    if len(topics) > MAX_COLUMNS:
        raise InvalidQuery(f"too many topics ({len(topics)}, at most {MAX_COLUMNS})")
    return topics


@dataclass
class Cell:
    row: str
    topic: str
    hits: list[Hit]
    level: str  # "provision" | "instrument" | "none"

    @property
    def empty(self) -> bool:
        return not self.hits

    def why(self, hit: Hit) -> dict[str, Any]:
        """Why ``hit`` is in this cell: the words it matched and the topic, if tagged with it."""
        return why(hit, [self.topic])


def matched_terms(hit: Hit, limit: int = MAX_WHY_TERMS) -> list[str]:
    """The words of a hit's excerpt that matched, as written there (lower case); highlights
    separated only by spaces are one term ("dữ liệu", "computing facilities")."""
    spans: list[list[int]] = []
    for start, end in sorted(hit.highlights):
        if spans and not hit.excerpt[spans[-1][1]:start].strip():
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    out: list[str] = []
    for start, end in spans:
        term = " ".join(_trimmed(hit.excerpt[start:end].lower().split()))
        if term and term not in out:
            out.append(term)
    return out[:limit]


def _trimmed(written: list[str]) -> list[str]:
    """A matched run without the function words at its ends ("of computing facilities in"
    -> "computing facilities"): they matched inside a phrase but say nothing on their own."""
    def stop(word: str) -> bool:
        folded = fold(word)
        return is_stop_word(folded, word, False) or is_stop_word(folded, folded, True)

    while written and stop(written[0]):
        written = written[1:]
    while written and stop(written[-1]):
        written = written[:-1]
    return written


def why(hit: Hit, topics: Iterable[str]) -> dict[str, Any]:
    """``{terms, topic}``: what a reader checks before trusting a match."""
    topic = next((t for t in topics if t in hit.topics), None)
    return {"terms": matched_terms(hit), "topic": topic}


def hit_dict(hit: Hit, reason: dict[str, Any]) -> dict[str, Any]:
    """A hit as the API gives it in a grid or counterparts: its fields, citation and why."""
    return hit.model_dump(exclude={"sort", "snippet"}) | {"citation": citation(hit),
                                                          "why": reason}


def citation(hit: Hit) -> str:
    """``Personal Data Protection Act 2012, Section 26`` - what a brief cites."""
    if hit.kind == "provision":
        return f"{hit.instrument_title}, {hit.number}" if hit.number else hit.title
    return hit.title


@dataclass
class Grid:
    rows: list[Row]
    topics: list[str]
    cells: dict[tuple[str, str], Cell]
    text: str = ""
    # the party a negotiator reads the grid for (``vn``): whether each agreement row binds it
    # and since when, and its own measures linked to each treaty provision shown
    party: str | None = None
    bound: dict[str, dict[str, Any]] = field(default_factory=dict)
    measures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def cell(self, row: str, topic: str) -> Cell:
        return self.cells[(row, topic)]

    def records(self, lang: str = "en") -> list[dict[str, Any]]:
        """One flat record per (row, topic, hit); empty cells appear with ``found=False``."""
        tax = taxonomy()
        out = []
        for row in self.rows:
            for topic in self.topics:
                cell = self.cells[(row.key, topic)]
                bound = self.bound.get(row.key, {})
                base = {"row": row.key, "row_label": row.label(lang), "topic": topic,
                        "topic_label": tax.get(topic).display(lang),
                        "party_bound": bound.get("bound"), "party_since": bound.get("since")}
                if cell.empty:
                    out.append({**base, "found": False, "rank": None, "level": "none",
                                "party_measures": "",
                                "citation": NOTHING_FOUND[lang if lang in NOTHING_FOUND else "en"],
                                "id": None, "instrument_id": None, "number": None,
                                "status": None, "date": None, "strength": None,
                                "exceptions": "", "source_url": None, "excerpt": ""})
                    continue
                for rank, hit in enumerate(cell.hits, start=1):
                    measures = "; ".join(f"{m['relation']}: {m['other_title']}"
                                         for m in self.measures.get(hit.id, []))
                    out.append({**base, "found": True, "rank": rank, "level": cell.level,
                                "party_measures": measures,
                                "citation": citation(hit), "id": hit.id,
                                "instrument_id": hit.instrument_id or hit.id,
                                "number": hit.number, "status": hit.status, "date": hit.date,
                                "strength": hit.strength, "exceptions": ", ".join(hit.exceptions),
                                "source_url": hit.source_url, "excerpt": hit.excerpt})
        return out

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        tax = taxonomy()
        return {
            "party": self.party,
            "rows": [{"key": r.key, "kind": r.kind, "label": r.label(lang),
                      **({"bound": self.bound[r.key]} if r.key in self.bound else {})}
                     for r in self.rows],
            "topics": [{"id": t, "label": tax.get(t).display(lang)} for t in self.topics],
            "cells": [
                {"row": key[0], "topic": key[1], "level": cell.level, "found": not cell.empty,
                 "hits": [{**hit_dict(h, cell.why(h)), "measures": self.measures.get(h.id, [])}
                          for h in cell.hits]}
                for key, cell in self.cells.items()
            ],
        }

    def counts(self) -> dict[str, dict[str, int]]:
        return {r.key: {t: len(self.cells[(r.key, t)].hits) for t in self.topics}
                for r in self.rows}

    def to_pandas(self, lang: str = "en"):
        import pandas as pd

        return pd.DataFrame(self.records(lang))

    def plot(self, lang: str = "en", ax: Any = None):
        """A heatmap of how many provisions each cell holds (0 = nothing found)."""
        tax = taxonomy()
        matrix = [[len(self.cells[(r.key, t)].hits) for t in self.topics] for r in self.rows]
        return heatmap(matrix, [r.label(lang) for r in self.rows],
                       [tax.get(t).display(lang) for t in self.topics], ax=ax,
                       title="Provisions found" if lang != "vi" else "Số điều khoản tìm thấy")


class _PlannedQuery(ParsedQuery):
    """A parse that carries its own plan: a grid cell or a counterparts probe asks for texts
    on a topic in terms no typed query can spell (a tag that admits, all the names of a topic
    as alternatives of one unit), and both backends translate whatever plan a parse gives."""

    def __init__(self, plan: TextPlan, **fields: Any):
        super().__init__(**fields)
        self.fixed = plan

    def plan(self) -> TextPlan:
        return self.fixed


def planned(query: SearchQuery, parsed: ParsedQuery) -> SearchQuery:
    """``query`` searching with ``parsed`` (its ``text`` only names it, for --show-query)."""
    query.parsed()  # validate the display text; then replace its parse
    query._parsed = ((query.text, query.expand), parsed)
    return query


def _phrases(names: Iterable[str]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name in names:
        folded = tuple(words(name))
        if folded and folded not in out:
            out.append(folded)
    return out


def topic_parse(topic_id: str) -> ParsedQuery:
    """What a cell on ``topic_id`` searches: any label or synonym of the topic in any of the
    taxonomy's languages, their glossary translations a little below, and the topic's tag,
    which lets in a text tagged with the topic and weighs like the topic bonus of a search.
    One unit, so a text that names the topic once qualifies."""
    names = _phrases(taxonomy().get(topic_id).labels())
    other: list[tuple[str, ...]] = []
    for phrase in names:
        for translated in glossary_translations(phrase)[:MAX_TRANSLATIONS]:
            if translated not in names and translated not in other:
                other.append(translated)
    tag = tag_token(topic_id)
    stems = tuple(dict.fromkeys(tuple(stem(w) for w in p) for p in names))
    translated_stems = tuple(
        t for t in dict.fromkeys(tuple(stem(w) for w in p) for p in other) if t not in stems
    )
    plan = TextPlan(
        clauses=(PlanClause(phrases=stems, tags=(tag,), required=False,
                            translations=translated_stems,
                            translation_weight=TRANSLATION_WEIGHT, tag_weight=TAG_WEIGHT),),
        minimum_should_match=1, excluded=(), all_words=False, proximity=(),
    )
    return _PlannedQuery(plan, clauses=[Clause(names, translations=other, tags=[tag])],
                         expansions=list(translated_stems), topic_tags=[tag],
                         topics=[topic_id])


def demoted(doc: dict[str, Any]) -> bool:
    """Procedural articles (committees, entry into force, accession) and recitals or preambles
    answer no topic: they go last in a cell, whatever their words."""
    return doc.get("strength") == "procedural" or doc.get("provision_kind") in DEMOTED_KINDS


def rank_cell(hits: list[Hit], topic: str, docs: dict[str, dict[str, Any]],
              curated: CuratedTopics) -> list[Hit]:
    """Curated provisions summarised under the topic first, then operative provisions, then
    procedural ones and recitals; within each, the law of today before repealed texts (a
    drafter cites the rule in force first, the one it replaced after), then by relevance."""
    def tier(hit: Hit) -> int:
        if topic in curated.get(hit.id, ()):
            return 0
        return 2 if demoted(docs.get(hit.id, {})) else 1

    order = {hit.id: i for i, hit in enumerate(hits)}
    return sorted(hits, key=lambda h: (tier(h), h.status == "repealed", order[h.id]))


def compare(
    backend: Backend, jurisdiction_names: list[str], topic_names: list[str],
    agreement_codes: list[str] | None = None, per_cell: int = 3, text: str = "",
    statuses: list[str] | None = None, curated: CuratedTopics | None = None,
) -> Grid:
    """The grid: one batched search for provisions, one for instruments where a cell is empty.

    A cell's provisions are ranked by relevance to its topic (``topic_parse``), then
    ``rank_cell`` puts curated, then operative provisions first. ``text`` replaces the
    topic's names by a query of one's own, within the topic.
    """
    if not 1 <= per_cell <= MAX_PER_CELL:
        raise InvalidQuery(f"per_cell must be between 1 and {MAX_PER_CELL}")
    rows = resolve_rows(jurisdiction_names, agreement_codes or [])
    topics = resolve_columns(topic_names)
    keys = [(row, topic) for row in rows for topic in topics]
    parses = {topic: topic_parse(topic) for topic in topics}
    tax = taxonomy()

    def provision_query(row: Row, topic: str) -> SearchQuery:
        if text:
            return row.query(text=text, topics=[topic], kinds=["provision"],
                             statuses=statuses or [], limit=CELL_POOL, facets=False)
        query = row.query(text=tax.get(topic).label, kinds=["provision"],
                          statuses=statuses or [], limit=CELL_POOL, facets=False)
        return planned(query, parses[topic])

    def instrument_queries(pairs: list[tuple[Row, str]]) -> list[SearchQuery]:
        return [row.query(text=text or tax.get(topic).label, topics=[topic],
                          kinds=["instrument"], statuses=statuses or [], limit=per_cell,
                          facets=False)
                for row, topic in pairs]

    results = backend.search_many([provision_query(row, topic) for row, topic in keys])
    pooled = list(dict.fromkeys(h.id for result in results for h in result.hits))
    docs = {d["id"]: d for d in backend.get_many(pooled)} if pooled else {}
    cells: dict[tuple[str, str], Cell] = {}
    empty = []
    for (row, topic), result in zip(keys, results, strict=True):
        hits = rank_cell(result.hits, topic, docs, curated or {})[:per_cell]
        cells[(row.key, topic)] = Cell(row.key, topic, hits, "provision" if hits else "none")
        if not hits:
            empty.append((row, topic))
    if empty:
        for (row, topic), result in zip(empty, backend.search_many(instrument_queries(empty)),
                                        strict=True):
            if result.hits:
                cells[(row.key, topic)] = Cell(row.key, topic, result.hits, "instrument")
    return Grid(rows, topics, cells, text)


@dataclass
class Coverage:
    rows: list[str]
    columns: list[str]
    counts: dict[str, dict[str, int]]
    by: str  # "topic" | "sector"
    kinds: list[str] = field(default_factory=list)
    count: str = "instruments"  # what a cell counts: "instruments" | "provisions" (COUNTS)

    def matrix(self) -> list[list[int]]:
        return [[self.counts.get(r, {}).get(c, 0) for c in self.columns] for r in self.rows]

    def records(self, lang: str = "en") -> list[dict[str, Any]]:
        tax, juris = taxonomy(), jurisdictions()
        return [{"jurisdiction": r, "jurisdiction_label": juris.name(r, lang), self.by: c,
                 f"{self.by}_label": tax.get(c).display(lang),
                 "count": self.counts.get(r, {}).get(c, 0)}
                for r in self.rows for c in self.columns]

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        tax, juris = taxonomy(), jurisdictions()
        return {"by": self.by, "count": self.count, "kinds": self.kinds,
                "rows": [{"key": r, "label": juris.name(r, lang)} for r in self.rows],
                "columns": [{"key": c, "label": tax.get(c).display(lang)} for c in self.columns],
                "matrix": self.matrix()}

    def to_pandas(self, lang: str = "en"):
        import pandas as pd

        tax, juris = taxonomy(), jurisdictions()
        return pd.DataFrame(self.matrix(), index=[juris.name(r, lang) for r in self.rows],
                            columns=[tax.get(c).display(lang) for c in self.columns])

    def plot(self, lang: str = "en", ax: Any = None):
        tax, juris = taxonomy(), jurisdictions()
        title = "Map of legal documents" if lang != "vi" else "Bản đồ văn bản pháp luật"
        return heatmap(self.matrix(), [juris.name(r, lang) for r in self.rows],
                       [tax.get(c).display(lang) for c in self.columns], ax=ax, title=title)


# what a coverage cell counts -> the kinds of record counted: whole instruments by default (a
# law with forty articles on one topic is one law), provisions on request
COUNTS = {"instruments": ["instrument"], "provisions": ["provision"]}


def coverage(
    backend: Backend, jurisdiction_names: list[str], by: str = "topic",
    kinds: list[str] | None = None, topic_names: list[str] | None = None,
    count: str = "instruments",
) -> Coverage:
    """Counts of instruments (or provisions, ``count="provisions"``; or any ``kinds``) per
    jurisdiction x topic (or sector): the map of legal documents."""
    if by not in ("topic", "sector"):
        raise InvalidQuery("coverage is by 'topic' or 'sector'")
    if count not in COUNTS:
        raise InvalidQuery(f"coverage counts {' or '.join(map(repr, COUNTS))}, not {count!r}")
    codes = jurisdictions().expand(jurisdiction_names) if jurisdiction_names else []
    kinds = kinds or COUNTS[count]
    query = SearchQuery(jurisdictions=codes, kinds=kinds, limit=1, facets=False)
    counts = backend.counts("jurisdictions", "topics" if by == "topic" else "sectors", query)
    tax = taxonomy()
    if topic_names:
        columns = resolve_columns(topic_names)
    elif by == "sector":
        columns = [t.id for t in tax.sectors]
    else:
        columns = [t for t in tax.topics if "/" in t and t.count("/") == 1]
    rows = codes or sorted(counts)
    return Coverage(rows, columns, {r: counts.get(r, {}) for r in rows}, by, kinds, count)


@dataclass
class Diff:
    left_id: str | None
    right_id: str | None
    ops: list[tuple[str, str]]  # ("equal" | "delete" | "insert", text)
    similarity: float

    def text(self) -> str:
        marks = {"equal": "{}", "delete": "[-{}-]", "insert": "{{+{}+}}"}
        return "".join(marks[op].format(chunk) for op, chunk in self.ops)

    def html(self) -> str:
        tags = {"delete": "del", "insert": "ins"}
        out = []
        for op, chunk in self.ops:
            text = html.escape(chunk)
            out.append(text if op == "equal" else f"<{tags[op]}>{text}</{tags[op]}>")
        return "".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {"left": self.left_id, "right": self.right_id, "similarity": self.similarity,
                "ops": [{"op": op, "text": t} for op, t in self.ops], "text": self.text(),
                "html": self.html()}

    def to_pandas(self):
        """One row per run of words: whether it is kept, deleted or inserted, and the words
        (whitespace runs left out), with the two ids being compared."""
        import pandas as pd

        rows = [{"op": op, "text": chunk, "left": self.left_id, "right": self.right_id}
                for op, chunk in self.ops if chunk.strip()]
        return pd.DataFrame(rows, columns=["op", "text", "left", "right"])


_WORDS = re.compile(r"\s+|[^\s]+")


def diff_texts(left: str, right: str, left_id: str | None = None,
               right_id: str | None = None) -> Diff:
    """Word-level diff; whitespace runs are tokens of their own so layout is kept."""
    a, b = _WORDS.findall(left), _WORDS.findall(right)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    ops: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.append(("equal", "".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            ops.append(("delete", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            ops.append(("insert", "".join(b[j1:j2])))
    return Diff(left_id, right_id, ops, round(matcher.ratio(), 4))


@dataclass
class Counterparts:
    source_id: str | None
    groups: dict[str, list[Hit]]  # jurisdiction or agreement -> hits
    topics: list[str] = field(default_factory=list)  # what the source is about

    def why(self, hit: Hit) -> dict[str, Any]:
        """The words a counterpart shares with the source (or their translations), and the
        source's topic it carries."""
        return why(hit, self.topics)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source_id, "topics": self.topics,
                "groups": [{"key": k, "hits": [hit_dict(h, self.why(h)) for h in hits]}
                           for k, hits in self.groups.items()]}

    def records(self) -> list[dict[str, Any]]:
        return [{"group": k, "rank": i, "citation": citation(h), "id": h.id,
                 "jurisdiction": h.jurisdiction, "score": h.score, "strength": h.strength,
                 "source_url": h.source_url}
                for k, hits in self.groups.items() for i, h in enumerate(hits, start=1)]

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame(self.records(), columns=["group", "rank", "citation", "id",
                                                     "jurisdiction", "score", "strength",
                                                     "source_url"])


def counterparts(
    backend: Backend, text: str, source_id: str | None = None, limit: int = 20,
    per_group: int = 3, jurisdiction_names: list[str] | None = None,
    exclude_jurisdiction: str | None = None, topics: list[str] | None = None,
) -> Counterparts:
    """The closest provisions elsewhere, grouped by jurisdiction (agreements by their code),
    in either language (``kb.similar``); ``topics`` are the source provision's.

    A pasted text is only analysed in memory: it is never stored or logged.
    """
    if not text.strip():
        raise InvalidQuery("no text to find counterparts for")
    if len(text) > MAX_PASTED:
        raise InvalidQuery(f"text too long ({len(text)} characters, at most {MAX_PASTED})")
    codes = jurisdictions().expand(jurisdiction_names) if jurisdiction_names else []
    query = SearchQuery(kinds=["provision"], jurisdictions=codes, limit=min(limit * 3, 100),
                        facets=False)
    about = similar.specific([*(topics or []), *similar.text_topics(text)])
    hits = backend.more_like_this(text, query, exclude_ids=[source_id] if source_id else [],
                                  topics=about)
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        key = hit.jurisdiction or "int"
        if key == "int":
            doc_agreement = hit.instrument_id or hit.id
            key = f"agreement:{doc_agreement.split('/')[-1]}"
        if exclude_jurisdiction and hit.jurisdiction == exclude_jurisdiction:
            continue
        if len(groups.get(key, [])) < per_group:
            groups.setdefault(key, []).append(hit)
        if sum(len(v) for v in groups.values()) >= limit:
            break
    return Counterparts(source_id, groups, about)


def heatmap(matrix: list[list[int]], row_labels: list[str], col_labels: list[str],
            ax: Any = None, title: str = ""):
    """A labelled heatmap (matplotlib), counts written in the cells."""
    if ax is None:
        import matplotlib.pyplot as plt

        width = max(6.0, 0.6 * len(col_labels) + 3)
        # room for the column labels, written at 45 degrees under the cells
        longest = max((len(label) for label in col_labels), default=0)
        height = max(3.0, 0.35 * len(row_labels) + 1.5 + 0.06 * longest)
        # laid out as it is drawn (colour bar and slanted labels included); a figure the
        # caller passed an axis of keeps its own layout
        _, ax = plt.subplots(figsize=(width, height), layout="constrained")
    image = ax.imshow(matrix, cmap="YlGnBu", aspect="auto")
    ax.set_xticks(range(len(col_labels)), labels=col_labels, rotation=45, ha="right")
    ax.set_yticks(range(len(row_labels)), labels=row_labels)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            ax.text(j, i, str(value), ha="center", va="center", fontsize=8,
                    color="white" if value and value > max(max(r) for r in matrix) / 2 else "black")
    if title:
        ax.set_title(title)
    ax.figure.colorbar(image, ax=ax)
    return ax
