"""What "more like this" searches for, defined once for both backends.

A provision's counterparts abroad are written in another language as often as in its own: a
Vietnamese draft clause on storing user data in Viet Nam has its counterparts in CPTPP 14.13
and RCEP 12.14, which share none of its words. So a text becomes two probes:

- its own words, the most distinctive first (tf x idf over the index's own document
  frequencies; Vietnamese syllables joined into words, ``kb.vietnamese``);
- the other language's words for its glossary terms (``kb.glossary``), each term's
  translations counting as one unit, and the names of the topics it spells (loosely: the
  words of a topic name in order, a few others between them) or that its provision carries.

Both probes give the topics' tags the topic bonus of a search. Each probe is ranked by the
engine's BM25; the two rankings are merged on scores relative to each probe's best, so texts
in the other language are not buried under texts that share the words as typed. A backend
only supplies document frequencies and runs the plans.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kb.glossary import longest_matches, translations
from kb.search import (
    MAX_TRANSLATIONS,
    TAG_WEIGHT,
    Clause,
    Hit,
    ParsedQuery,
    PlanClause,
    TextPlan,
    looks_vietnamese,
)
from kb.taxonomy import tag_token, taxonomy
from kb.text import is_stop_word, query_words, stem
from kb.vietnamese import join_words

MAX_TERMS = 25  # units per probe
MAX_CANDIDATES = 300  # distinct units whose document frequency is looked up
COMMON = 0.5  # a single word in this share of the documents or more says nothing
TOPIC_GAP = 3  # words of a topic name found in order with at most this many others between

Phrase = tuple[str, ...]
# stems -> document frequency (the most of any text field), and the number of documents
DocFreq = Callable[[list[str]], dict[str, int]]


@dataclass
class Unit:
    """A word or a term of the text (folded words), how often it occurs, and what it is
    called in the other language."""

    phrase: Phrase
    count: int = 0
    translations: list[Phrase] = field(default_factory=list)


@dataclass(frozen=True)
class Probe:
    """One ranked search: the plan an engine runs and the parse its excerpts are cut by."""

    plan: TextPlan
    parsed: ParsedQuery


def _stems(phrase: Phrase) -> tuple[str, ...]:
    return tuple(stem(w) for w in phrase)


def units(text: str) -> tuple[list[Unit], list[Unit], bool]:
    """(own-language units, glossary terms with translations, whether the text is
    Vietnamese), each in order of first occurrence."""
    tagged = query_words(text)
    vietnamese = looks_vietnamese(tagged)
    folded = [w for w, _ in tagged]
    own: dict[Phrase, Unit] = {}

    def add(phrase: Phrase, into: dict[Phrase, Unit]) -> Unit:
        unit = into.setdefault(phrase, Unit(phrase))
        unit.count += 1
        return unit

    spans = join_words(folded) if vietnamese else [(i, i + 1) for i in range(len(folded))]
    for start, end in spans:
        phrase = tuple(folded[start:end])
        if len(phrase) == 1:
            word, typed = tagged[start]
            if is_stop_word(word, typed, vietnamese) or (word.isascii() and len(word) < 3):
                continue
        add(phrase, own)
    terms: dict[Phrase, Unit] = {}
    for start, end, _entry in longest_matches(folded):
        phrase = tuple(folded[start:end])
        if phrase in terms:
            terms[phrase].count += 1
            continue
        other = [t for t in translations(phrase)[:MAX_TRANSLATIONS] if t != phrase]
        if other:
            add(phrase, terms).translations = other
    return list(own.values()), list(terms.values()), vietnamese


def text_topics(text: str) -> list[str]:
    """Topics whose name (any language) the text spells, its words in order with at most
    ``TOPIC_GAP`` others between them ("lưu trữ dữ liệu người dùng tại Việt Nam" spells
    "lưu trữ dữ liệu tại Việt Nam")."""
    stems = [stem(w) for w, _ in query_words(text)]
    positions: dict[str, list[int]] = {}
    for i, s in enumerate(stems):
        positions.setdefault(s, []).append(i)
    found: list[str] = []
    for phrase, topic_id in taxonomy().phrases():
        if topic_id in found or len(phrase) < 2 or phrase[0] not in positions:
            continue
        for start in positions[phrase[0]]:
            at, gap = start, 0
            for word in phrase[1:]:
                nxt = next((p for p in positions.get(word, ()) if p > at), None)
                if nxt is None:
                    gap = TOPIC_GAP + 1
                    break
                gap += nxt - at - 1
                at = nxt
            if gap <= TOPIC_GAP:
                found.append(topic_id)
                break
    return found


def specific(topics: Iterable[str]) -> list[str]:
    """Topics without their ancestors or sectors: what a text is about, not its field."""
    listed = [t for t in dict.fromkeys(topics) if "/" in t]
    return [t for t in listed if not any(o != t and o.startswith(t + "/") for o in listed)]


def _weights(found: list[Unit], alternatives: Callable[[Unit], list[Phrase]],
             doc_freq: dict[str, int], total: int) -> list[tuple[Unit, float]]:
    """tf x idf of each unit; a phrase is as rare as its rarest word (at most), a unit of
    alternatives as its rarest alternative; units no document holds, or single words most
    documents hold, are left out."""
    out = []
    for unit in found:
        dfs = []
        for phrase in alternatives(unit):
            stems = _stems(phrase)
            df = min(doc_freq.get(s, 0) for s in stems)
            if df and (len(stems) > 1 or df < total * COMMON):
                dfs.append(df)
        if dfs:
            out.append((unit, unit.count * math.log(1 + total / min(dfs))))
    out.sort(key=lambda pair: -pair[1])  # stable: ties keep the text's order
    return out[:MAX_TERMS]


def probes(text: str, doc_freq: DocFreq, total: int, topics: Iterable[str] = ()) -> list[Probe]:
    """The probes for ``text`` (see the module docstring): its own words, then, when it has
    glossary terms or topics, the other language's words. ``topics`` adds the topics of the
    text's own provision."""
    own, terms, _ = units(text)
    own = sorted(own, key=lambda u: -u.count)[:MAX_CANDIDATES]
    terms = sorted(terms, key=lambda u: -u.count)[:MAX_CANDIDATES]
    wanted = {s for u in own for s in _stems(u.phrase)}
    wanted |= {s for u in terms for p in u.translations for s in _stems(p)}
    freq = doc_freq(sorted(wanted)) if wanted else {}
    topic_ids = specific([*topics, *text_topics(text)])
    tags = tuple(tag_token(t) for t in topic_ids)
    out: list[Probe] = []
    chosen = _weights(own, lambda u: [u.phrase], freq, total)
    if chosen:
        clauses = [Clause([u.phrase]) for u, _ in chosen]
        plan = TextPlan(
            clauses=tuple(PlanClause(phrases=(_stems(u.phrase),), tags=(), required=False)
                          for u, _ in chosen),
            minimum_should_match=1, excluded=(), all_words=False, proximity=(), topic_tags=tags,
        )
        out.append(Probe(plan, ParsedQuery(clauses=clauses)))
    crossed = _weights(terms, lambda u: u.translations, freq, total)
    plan_clauses = [
        PlanClause(phrases=tuple(dict.fromkeys(_stems(p) for p in u.translations)), tags=(),
                   required=False)
        for u, _ in crossed
    ]
    clauses = [Clause(list(u.translations)) for u, _ in crossed]
    tax = taxonomy()
    for topic_id in topic_ids:  # a topic's names in every language, and its tag: one unit
        names = list(dict.fromkeys(tuple(w for w, _ in query_words(n))
                                   for n in tax.get(topic_id).labels()))
        names = [n for n in names if n]
        plan_clauses.append(PlanClause(
            phrases=tuple(dict.fromkeys(_stems(n) for n in names)), tags=(tag_token(topic_id),),
            required=False, tag_weight=TAG_WEIGHT,
        ))
        clauses.append(Clause(names))
    if plan_clauses:
        plan = TextPlan(clauses=tuple(plan_clauses), minimum_should_match=1, excluded=(),
                        all_words=False, proximity=(), topic_tags=())
        out.append(Probe(plan, ParsedQuery(clauses=clauses)))
    return out


def merge(rankings: list[list[Hit]], exclude: Iterable[str], limit: int) -> list[Hit]:
    """One ranking from several: each hit scored relative to the best of its own ranking
    (1.0 at the top), a hit found by several probes keeping its best; ties in first-found
    order. ``score`` becomes that relative score."""
    skip = set(exclude)
    best: dict[str, Hit] = {}
    order: dict[str, int] = {}
    for ranking in rankings:
        kept = [h for h in ranking if h.id not in skip]
        if not kept:
            continue
        top = max(h.score for h in kept) or 1.0
        for hit in kept:
            score = round(hit.score / top, 4)
            order.setdefault(hit.id, len(order))
            if hit.id not in best or score > best[hit.id].score:
                best[hit.id] = hit.model_copy(update={"score": score})
    ranked = sorted(best.values(), key=lambda h: (-h.score, order[h.id]))
    return ranked[:limit]
