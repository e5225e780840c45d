"""The query model shared by every backend: user syntax, its meaning, filters, hits, snippets.

User syntax is deliberately small: words, ``"exact phrases"``, ``+required`` words, ``-excluded``
words or phrases, and ``OR`` between alternatives. Every other character is plain text, so no
query string can reach a backend as raw syntax.

The meaning is defined here once (``TextPlan``) and each backend only translates it:

- words are optional and ranked by BM25 over the title (x3; a provision's number and heading),
  the headings above it (x2), curated summaries (x2), body text (x1) and its instrument's title
  (x1); a topic tag counts x5;
- a quoted phrase and a ``+word`` must match; ``-word`` must not;
- of the optional words, at least ``minimum_should_match(n)`` must match, so one word in ten
  of a long question does not let a text in;
- a text that matches every word ranks above one that matches only some (``ALL_WORDS_BONUS``),
  and one with the words close together above both (``PROXIMITY_BONUS``);
- function words (``kb.text.STOP_WORDS_EN``/``STOP_WORDS_VI``) are neither required nor
  highlighted, unless a query has nothing else;
- a run of words that spells a taxonomy topic in either language also accepts the topic's
  tag, so a Vietnamese query finds English texts on the same subject.

Every match is ranked: there is no window of newest matches.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from kb.asof import parse_as_of
from kb.errors import InvalidQuery
from kb.models import DOC_TYPES, KINDS, STATUSES, STRENGTHS
from kb.taxonomy import jurisdictions, tag_token, taxonomy
from kb.text import (
    STOP_WORDS_EN,
    STOP_WORDS_VI,
    fold,
    is_stop_word,
    query_words,
    stem,
    term_spans,
)
from kb.vietnamese import join_words

MAX_QUERY_LENGTH = 500
FACET_EXACT_LIMIT = 2000  # beyond this many matches, backends estimate facet counts from a sample
TOTAL_EXACT_LIMIT = 10_000  # matches are counted up to this many; beyond, "at least" this many
MAX_LIMIT = 100
MAX_OFFSET = 10_000

# The ranking, shared by every backend (see the module docstring).
# a provision's title is its number and heading; its instrument's title is context
# (weights chosen on benchmarks/quality: see benchmarks/QUALITY.md)
FIELD_WEIGHTS = {
    "a_title": 3.0, "a_heading": 2.0, "a_context": 1.0, "a_summary": 2.0, "a_body": 1.0,
}
TAG_FIELD, TAG_WEIGHT = "a_tags", 30.0
# A topic tag lets a text in as if it held the words that spell the topic (True), or only
# raises the score of a text the words found (False).
TOPICS_ADMIT = False
TRANSLATION_WEIGHT = 0.8  # the other language's words count a little less than the words typed
MAX_TRANSLATIONS = 3
WORD_TRANSLATION_WEIGHT = 0.5  # a word's own translation, when it is part of a longer term
# One term on every searchable field of every document, never searched for. BM25 counts the
# documents "with a field" (Lucene) or all documents (tantivy), and averages lengths over the
# same; with the field never empty both engines count alike, so both backends rank alike.
FIELD_SENTINEL = "zzfield0"
ALL_WORDS_BONUS = 100.0
PROXIMITY_BONUS = 10.0
# the pair evidence: each two adjacent query words found adjacent in a field score as a word
# of that field would, times this (a pair is rare, so its BM25 weighs a lot)
PAIR_WEIGHT = 1.0
MAX_PAIRS = 12
PROXIMITY_SLOP = 3  # words "close together": at most this many others between them
# Recitals and preambles explain; articles bind. A matching text of any other kind gets this
# much more, so an article ranks above the recital that repeats its words.
DEMOTED_KINDS = ("recital", "preamble")
OPERATIVE_BONUS = 10.0
MSM_RATIO = 0.34

# folded words, not stemmed (each engine stems them as it stems the texts); one word or a phrase
Phrase = tuple[str, ...]
_STOP_STEMS = frozenset(stem(w) for w in STOP_WORDS_EN) | frozenset(
    fold(w) for w in STOP_WORDS_VI if " " not in w
)


def minimum_should_match(optional: int) -> int:
    """How many of ``optional`` words a text must match: one of one or two, then about a third
    (two of three to six, three of seven to nine, ...)."""
    if optional <= 2:
        return min(optional, 1)
    return max(2, math.ceil(optional * MSM_RATIO - 1e-9))


@dataclass
class Clause:
    """One unit of a query: a word, a phrase or an OR of them (alternatives)."""

    alternatives: list[Phrase]
    required: bool = False
    # the other language's words for this clause (kb.glossary), and the topic tags its words
    # spell; a run of several clauses shares them (``*_share``: this clause's part of one term)
    translations: list[Phrase] = field(default_factory=list)
    translation_share: float = 1.0
    # the clause's own words translated one by one ("dữ liệu" -> "data"), so a text in the
    # other language that words the term differently still matches word by word
    word_translations: list[Phrase] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    tag_share: float = 1.0


@dataclass
class ParsedQuery:
    """Clauses (optional unless required), excluded phrases and topic expansions."""

    clauses: list[Clause] = field(default_factory=list)
    excluded: list[Phrase] = field(default_factory=list)
    expansions: list[Phrase] = field(default_factory=list)
    topic_tags: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    stop_words: list[str] = field(default_factory=list)  # left out of the clauses
    # runs of words as typed (stop words too, exclusions and OR not), each with the number
    # of the term it belongs to ("dữ liệu" is one term of two words), for the pair evidence
    runs: list[list[tuple[str, int]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.clauses

    def highlight_terms(self) -> frozenset[str]:
        """Stems to mark in a text (expansions are stemmed already); never stop words.
        Made once, as ``plan``."""
        found = self.__dict__.get("_highlight")
        if found is None:
            found = self.__dict__["_highlight"] = frozenset(self._highlight_terms())
        return found

    def _highlight_terms(self) -> set[str]:
        stops = set(self.stop_words)
        terms = {
            stem(t)
            for clause in self.clauses
            for phrase in clause.alternatives
            for t in phrase
            if t not in stops
        }
        # the other labels and translations are written by us, not typed: their function words
        # ("auction of spectrum") are never marked
        terms.update(t for phrase in self.expansions for t in phrase if t not in _STOP_STEMS)
        return terms

    def plan(self) -> TextPlan:
        """The engines' plan, made once (a parse is shared and not modified once made)."""
        found = self.__dict__.get("_plan")
        if found is None:
            found = self.__dict__["_plan"] = TextPlan.of(self)
        return found


@dataclass(frozen=True)
class PlanClause:
    """A clause as engines search it: stemmed phrases over the text fields, their translations
    over the same fields at a lower weight, topic tags over tags."""

    phrases: tuple[tuple[str, ...], ...]
    tags: tuple[str, ...]
    required: bool
    translations: tuple[tuple[str, ...], ...] = ()
    translation_weight: float = 0.0  # multiplies the field weights for the translations
    word_translations: tuple[tuple[str, ...], ...] = ()
    word_translation_weight: float = 0.0
    tag_weight: float = 0.0


@dataclass(frozen=True)
class TextPlan:
    """The meaning of a text query, which every backend translates term for term."""

    clauses: tuple[PlanClause, ...]
    minimum_should_match: int  # of the optional clauses
    excluded: tuple[tuple[str, ...], ...]
    all_words: bool  # whether the all-words bonus applies (two clauses or more)
    proximity: tuple[str, ...]  # stems of the single words, in order, for the proximity bonus
    # topic tags that raise the score of a matching text without letting any text in
    topic_tags: tuple[str, ...] = ()
    # adjacent words as typed (stems; ``query_pairs``), each pair one index term: a text with
    # the words in that order scores by how rare the pairs are, so a text that says what was
    # asked ranks above one that merely holds the words (PAIR_WEIGHT)
    pairs: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def of(cls, parsed: ParsedQuery) -> TextPlan:
        clauses = []
        for clause in parsed.clauses:
            phrases = tuple(dict.fromkeys(tuple(stem(t) for t in p) for p in clause.alternatives))
            translations = tuple(
                t for t in dict.fromkeys(tuple(stem(w) for w in p) for p in clause.translations)
                if t not in phrases
            )
            admitted = tuple(clause.tags) if TOPICS_ADMIT else ()
            clauses.append(PlanClause(
                phrases=phrases,
                tags=admitted,
                required=clause.required,
                translations=translations,
                translation_weight=round(TRANSLATION_WEIGHT * clause.translation_share, 4),
                word_translations=tuple(
                    t for t in dict.fromkeys(
                        tuple(stem(w) for w in p) for p in clause.word_translations)
                    if t not in phrases and t not in translations
                ),
                word_translation_weight=WORD_TRANSLATION_WEIGHT,
                tag_weight=round(TAG_WEIGHT * clause.tag_share, 4),
            ))
        optional = sum(1 for c in clauses if not c.required)
        required = len(clauses) - optional
        single = tuple(c.phrases[0][0] for c in clauses if len(c.phrases) == 1
                       and len(c.phrases[0]) == 1)
        return cls(
            clauses=tuple(clauses),
            minimum_should_match=0 if required else minimum_should_match(optional),
            excluded=tuple(tuple(stem(t) for t in p) for p in parsed.excluded),
            all_words=len(clauses) >= 2 and bool(ALL_WORDS_BONUS),
            proximity=single if len(single) >= 2 and PROXIMITY_BONUS else (),
            topic_tags=() if TOPICS_ADMIT else tuple(dict.fromkeys(parsed.topic_tags)),
            pairs=query_pairs(parsed) if PAIR_WEIGHT and len(clauses) >= 2 else (),
        )


def query_pairs(parsed: ParsedQuery) -> tuple[tuple[str, ...], ...]:
    """The stems of the words typed between one word that is not a stop word and the next,
    each such run once: "telecom operator" gives telecom-operator, "right to erasure"
    right-to-erasure, a phrase of two pair terms. A stop word pairs only inside such a run:
    "to erasure" alone, or "the country" at a question's end, is no evidence that a text says
    what was asked, and in a short heading its rare pair term would outweigh the words
    themselves. Words of one term ("dữ liệu", a quoted phrase) are not a run here: the
    term's own clause already asks for them side by side."""
    stops = set(parsed.stop_words) | STOP_WORDS_EN
    found: dict[tuple[str, ...], None] = {}
    for run in parsed.runs:
        last = None  # position of the last word that is not a stop word
        for position, (word, _term) in enumerate(run):
            if word in stops:
                continue
            if last is not None:
                chain = run[last : position + 1]
                if len({term for _, term in chain}) > 1:
                    found[tuple(stem(w) for w, _ in chain)] = None
            last = position
    return tuple(found)[:MAX_PAIRS]


_TOKEN_RE = re.compile(r'([-+]?)"([^"]*)"?|(\S+)')


def parse_query(text: str, expand: bool = True) -> ParsedQuery:
    """Parse user syntax into analyzed clauses; never raises on odd characters.

    The same text parses the same way for the life of the process (the taxonomy and the
    glossary are read once), so parses are shared from a cache: a comparison grid parses
    its topic once, not once per row, and a popular query once. Callers must not modify
    the result."""
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidQuery(f"query too long ({len(text)} characters, at most {MAX_QUERY_LENGTH})")
    return _parse_shared(text, expand)


@lru_cache(maxsize=2048)
def _parse_shared(text: str, expand: bool) -> ParsedQuery:
    parsed = ParsedQuery()
    stops: list[Clause] = []  # stop-word clauses, used only when nothing else is asked
    pending_or = False
    pieces = []
    for match in _TOKEN_RE.finditer(text):
        sign, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            sign = bare[0] if bare[0] in "-+" and len(bare) > 1 else ""
            raw = bare[1:] if sign else bare
        else:
            raw = quoted
        pieces.append((sign, bare, query_words(raw)))
    vietnamese = looks_vietnamese([w for *_, tagged in pieces for w in tagged])
    if vietnamese:
        pieces = _join_vietnamese_words(pieces)
    run: list[tuple[str, int]] = []
    parsed.runs.append(run)
    for number, (sign, bare, tagged) in enumerate(pieces):
        if bare == "OR" or sign == "-":
            run = []
            parsed.runs.append(run)
        if bare == "OR":
            pending_or = bool(parsed.clauses)
            continue
        terms = tuple(w for w, _ in tagged)
        if not terms:
            continue
        if sign == "-":
            parsed.excluded.append(terms)
            pending_or = False
            continue
        run.extend((word, number) for word in terms)
        # a quoted phrase must match; a bare word with inner punctuation ("14.11",
        # "e-commerce") is a phrase of its parts, optional like any word
        required = sign == "+" or (bare is None and len(terms) > 1)
        is_stop = (
            bare is not None
            and sign == ""
            and all(is_stop_word(w, typed, vietnamese) for w, typed in tagged)
        )
        if pending_or and parsed.clauses:
            parsed.clauses[-1].alternatives.append(terms)
            parsed.clauses[-1].required = parsed.clauses[-1].required and required
        elif is_stop:
            parsed.stop_words.extend(terms)
            stops.append(Clause([terms]))
        else:
            parsed.clauses.append(Clause([terms], required))
        pending_or = False
    if not parsed.clauses and stops:  # "the": better its matches than everything
        parsed.clauses, parsed.stop_words = stops, []
    if parsed.excluded and not parsed.clauses:
        raise InvalidQuery("a query needs at least one word to look for, not only exclusions")
    if expand:
        _expand_topics(parsed)
        _translate(parsed)
    return parsed


def _join_vietnamese_words(pieces: list) -> list:
    """Runs of plain one-syllable words joined into the Vietnamese words they spell ("dữ liệu"),
    each then a phrase that counts as one word (``kb.vietnamese``)."""
    out: list = []
    run: list = []

    def flush() -> None:
        syllables = [piece[2][0][0] for piece in run]
        for start, end in join_words(syllables):
            chunk = run[start:end]
            if len(chunk) == 1:
                out.append(chunk[0])
            else:
                joined = " ".join(piece[1] for piece in chunk)
                out.append(("", joined, [piece[2][0] for piece in chunk]))
        run.clear()

    for piece in pieces:
        sign, bare, tagged = piece
        if sign == "" and bare is not None and bare != "OR" and len(tagged) == 1:
            run.append(piece)
            continue
        flush()
        out.append(piece)
    flush()
    return out


def looks_vietnamese(tagged: list[tuple[str, str]]) -> bool:
    """A query is Vietnamese when a word carries Vietnamese marks, or, typed without them,
    when a word is a syllable only Vietnamese labels of the taxonomy use ("ninh", "nghiep")."""
    if any(typed != w for w, typed in tagged):
        return True
    syllables = taxonomy().vietnamese_syllables
    return any(w in syllables for w, _ in tagged)


def _stems(phrase: Phrase) -> tuple[str, ...]:
    return tuple(stem(t) for t in phrase)


def _add_topic(parsed: ParsedQuery, clauses: list[Clause], topic_id: str) -> None:
    """The clauses of a run that spells a topic carry its tag, shared between them so the
    topic counts as one term however many words spell it."""
    tag = tag_token(topic_id)
    parsed.topics.append(topic_id)
    parsed.topic_tags.append(tag)
    for clause in clauses:
        if tag not in clause.tags:
            clause.tags.append(tag)
            clause.tag_share = 1 / len(clauses)


def _translate(parsed: ParsedQuery) -> None:
    """Runs of clauses that spell a glossary term (either language) also accept its
    translations, shared between them so a term's translations score as one term, and
    below the words typed (``TRANSLATION_WEIGHT``)."""
    from kb.glossary import longest_matches, translations

    words: list[str] = []
    starts: dict[int, int] = {}  # word position -> clause index, at each clause's first word
    ends: dict[int, int] = {}  # word position just past a clause -> clause index
    for index, clause in enumerate(parsed.clauses):
        if len(clause.alternatives) != 1:
            continue
        starts[len(words)] = index
        words.extend(clause.alternatives[0])
        ends[len(words)] = index
    seen: set[tuple[int, int]] = set()
    for start, end, _entry in longest_matches(words):
        if start not in starts or end not in ends or (start, end) in seen:
            continue
        seen.add((start, end))
        run = parsed.clauses[starts[start] : ends[end] + 1]
        if any(c.translations for c in run):
            continue  # inside a longer term already translated
        other = translations(tuple(words[start:end]))[:MAX_TRANSLATIONS]
        for clause in run:
            clause.translations.extend(other)
            clause.translation_share = 1 / len(run)
        parsed.expansions.extend(
            tuple(stem(w) for w in p) for p in other if p not in parsed.expansions
        )
    if not WORD_TRANSLATION_WEIGHT:
        return
    # the shorter terms inside a longer one ("xuyên biên giới" in "chuyển dữ liệu xuyên biên
    # giới"), translated on their own, so a text in the other language that words the long
    # term differently still matches them
    for start, end in seen:
        if ends[end] == starts[start]:
            continue  # a term of one word has no shorter terms inside
        inner = words[start:end]
        for a, b in _inner_terms(inner, start, starts, ends, translations):
            own = translations(tuple(inner[a:b]))[:MAX_TRANSLATIONS]
            for clause in parsed.clauses[starts[start + a] : ends[start + b] + 1]:
                clause.word_translations.extend(
                    p for p in own
                    if p not in clause.translations and p not in clause.word_translations
                )
            parsed.expansions.extend(
                tuple(stem(w) for w in p) for p in own if p not in parsed.expansions
            )


def _inner_terms(inner: list[str], offset: int, starts: dict[int, int], ends: dict[int, int],
                 translations: Any) -> list[tuple[int, int]]:
    """The glossary terms strictly inside a longer one, longest first, not overlapping, each
    made of whole clauses."""
    spans = sorted(
        ((a, b) for a in range(len(inner)) for b in range(a + 1, len(inner) + 1)
         if (b - a) < len(inner) and offset + a in starts and offset + b in ends),
        key=lambda ab: (ab[0] - ab[1], ab[0]),
    )
    taken: set[int] = set()
    out = []
    for a, b in spans:
        if taken.intersection(range(a, b)) or not translations(tuple(inner[a:b])):
            continue
        taken.update(range(a, b))
        out.append((a, b))
    return out


def _expand_topics(parsed: ParsedQuery) -> None:
    """Let the clauses that spell a topic label or synonym (either language) also accept the
    topic's tag.

    Every text that contains a label or synonym of a topic carries its tag (imports are
    auto-tagged with the same synonyms, entries are tagged by hand), so matching the tag finds
    them all in one cheap term lookup instead of a dozen phrase queries; the other labels and
    synonyms are kept for highlighting."""
    tax = taxonomy()
    i = 0
    tagged: set[int] = set()
    while i < len(parsed.clauses):
        # the words and stems of the single-phrase clauses from i on, as one run
        run: list[tuple[int, tuple[str, ...], tuple[str, ...]]] = []
        terms, stems = (), ()
        for j in range(i, len(parsed.clauses)):
            if len(parsed.clauses[j].alternatives) != 1 or j in tagged:
                break
            terms += parsed.clauses[j].alternatives[0]
            stems += _stems(parsed.clauses[j].alternatives[0])
            run.append((j + 1, terms, stems))
        # the longest run of whole clauses that spells a topic name
        found = next(
            ((j, t, st) for j, t, st in reversed(run) if st in tax.phrase_topics), None
        )
        if found is not None:
            j, terms, phrase = found
            topic_id = tax.phrase_topics[phrase]
            others = [p for p in tax.expansion_phrases(topic_id) if p != phrase]
            parsed.expansions.extend(a for a in others if a not in parsed.expansions)
            _add_topic(parsed, parsed.clauses[i:j], topic_id)
            tagged.update(range(i, j))
            i = j
            continue
        i += 1
    if not parsed.topics:
        _expand_prefix(parsed)


def _expand_prefix(parsed: ParsedQuery) -> None:
    """A whole query of two or more words that begins a topic name ("cross-border data" for
    "cross-border data flows") is read as that topic too."""
    if not parsed.clauses or any(len(c.alternatives) != 1 for c in parsed.clauses):
        return
    terms = tuple(t for c in parsed.clauses for t in c.alternatives[0])
    if len(terms) < 2:
        return
    stems = tuple(stem(t) for t in terms)
    tax = taxonomy()
    for phrase, topic_id in tax.phrases():
        if phrase[: len(stems)] == stems:
            parsed.expansions.extend(p for p in tax.expansion_phrases(topic_id) if p != stems)
            _add_topic(parsed, parsed.clauses, topic_id)
            return


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    out: list[str] = []
    for item in value:
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return out


# the public name of each filter (CLI option, API and web parameter, notebook keyword) -> field
PARAM_FIELDS = {
    "jurisdiction": "jurisdictions",
    "sector": "sectors",
    "topic": "topics",
    "kind": "kinds",
    "type": "doc_types",
    "status": "statuses",
    "language": "languages",
    "strength": "strengths",
    "agreement": "agreements",
}
# a field -> the name a user typed, for error messages
PUBLIC_NAMES = {field: param for param, field in PARAM_FIELDS.items()} | {
    "text": "q", "search_after": "after",
}
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
_AGREEMENT_RE = re.compile(r"^[a-z0-9][a-z0-9\-]*$")
FilterValues = str | Iterable[str] | None


class SearchQuery(BaseModel):
    """What a caller asks for. Filters within a field are ORed, across fields ANDed.

    Users build it with ``from_params`` (public names); code inside kb may use the fields.
    """

    model_config = ConfigDict(extra="forbid")

    text: str = ""
    jurisdictions: list[str] = []  # codes or groups (``ipef``), expanded to codes
    sectors: list[str] = []
    topics: list[str] = []  # ids, labels or synonyms; descendants included
    kinds: list[str] = []
    doc_types: list[str] = []
    statuses: list[str] = []
    languages: list[str] = []
    strengths: list[str] = []
    agreements: list[str] = []
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    # the texts in force on this date (kb.asof): applied by KnowledgeBase.search, not backends
    as_of: dt.date | None = None
    limit: int = Field(10, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    # the ``sort`` of the last hit of the previous page: the page starts after it (any depth)
    search_after: list[Any] | None = None
    facets: bool = True
    expand: bool = True
    # (text, expand) -> its parse: backends ask for it several times per search
    _parsed: tuple[tuple[str, bool], ParsedQuery] | None = PrivateAttr(default=None)

    @classmethod
    def from_params(
        cls,
        q: str | None = None,
        *,
        text: str | None = None,
        jurisdiction: FilterValues = None,
        sector: FilterValues = None,
        topic: FilterValues = None,
        kind: FilterValues = None,
        type: FilterValues = None,  # noqa: A002 - the public parameter name
        status: FilterValues = None,
        language: FilterValues = None,
        strength: FilterValues = None,
        agreement: FilterValues = None,
        date_from: dt.date | str | None = None,
        date_to: dt.date | str | None = None,
        as_of: dt.date | str | None = None,
        limit: int = 10,
        offset: int = 0,
        after: str | Iterable[Any] | None = None,
        facets: bool = True,
        expand: bool = True,
    ) -> SearchQuery:
        """A query from user parameters, with the names the CLI, the API, the web pages and
        notebooks all use (``q``, ``jurisdiction``, ``type`` ...; ``text`` is an alias of ``q``).

        Each filter takes one value, a list or a comma-separated string. A value no record
        can have is an ``InvalidQuery`` naming the valid ones, so a typo never reads as
        "nothing found". ``after`` is the ``sort`` of a hit, as a list or as JSON.
        ``as_of`` (YYYY-MM-DD) keeps the works in force on that date (``kb.asof``).

        Example: ``SearchQuery.from_params("spectrum auction", jurisdiction="vn,th")``
        """
        if q is not None and text is not None and q != text:
            raise InvalidQuery("give the text once: q, or its alias text")
        values = {
            "jurisdiction": jurisdiction, "sector": sector, "topic": topic, "kind": kind,
            "type": type, "status": status, "language": language, "strength": strength,
            "agreement": agreement,
        }
        filters = {
            PARAM_FIELDS[param]: _distinct(_as_list(raw), lower=param != "topic")
            for param, raw in values.items()
        }
        try:
            return cls(
                text=(q if q is not None else text or "").strip(),
                **filters,
                date_from=date_from or None,
                date_to=date_to or None,
                as_of=parse_as_of(as_of),
                limit=limit,
                offset=offset,
                search_after=_sort_value(after),
                facets=facets,
                expand=expand,
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{PUBLIC_NAMES.get(str(e['loc'][0]), e['loc'][0])}: {e['msg']}"
                if e["loc"] else e["msg"]
                for e in exc.errors()
            )
            raise InvalidQuery(problems) from None

    @field_validator(
        "jurisdictions",
        "sectors",
        "topics",
        "kinds",
        "doc_types",
        "statuses",
        "languages",
        "strengths",
        "agreements",
        mode="before",
    )
    @classmethod
    def _lists(cls, value: Any) -> list[str]:
        return _as_list(value)

    @model_validator(mode="after")
    def _resolve(self) -> SearchQuery:
        tax = taxonomy()
        self.jurisdictions = jurisdictions().expand(self.jurisdictions)
        self.topics = [tax.resolve(t) for t in self.topics]
        for sector in self.sectors:
            if sector not in tax or "/" in sector:
                sectors = ", ".join(s.id for s in tax.sectors)
                raise InvalidQuery(f"unknown sector: {sector!r} (one of {sectors})")
        for name, asked, allowed in (
            ("kind", self.kinds, KINDS),
            ("type", self.doc_types, DOC_TYPES),
            ("status", self.statuses, STATUSES),
            ("strength", self.strengths, STRENGTHS),
        ):
            unknown = [v for v in asked if v not in allowed]
            if unknown:
                raise InvalidQuery(f"unknown {name}: {unknown[0]!r} (one of {', '.join(allowed)})")
        # no fixed list: the knowledge base checks them against the index (KnowledgeBase.search)
        for name, asked, pattern, shape in (
            ("language", self.languages, _LANGUAGE_RE, "an ISO 639 code such as en or vi"),
            ("agreement", self.agreements, _AGREEMENT_RE, "a code such as cptpp or depa"),
        ):
            for value in asked:
                if not pattern.match(value):
                    raise InvalidQuery(f"unknown {name}: {value!r} ({shape})")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidQuery("date_from is after date_to")
        after = self.search_after
        if after is not None and not (
            1 <= len(after) <= 2
            and all(
                isinstance(v, int | float)
                and not isinstance(v, bool)
                and math.isfinite(v)
                and abs(v) <= 2**53
                for v in after
            )
        ):
            raise InvalidQuery(
                "after must be the sort value of a hit: one or two numbers, such as [7.03, 1042]"
            )
        return self

    def filters(self) -> dict[str, list[str]]:
        """Keyword filters by index field (empty ones left out)."""
        pairs = {
            "jurisdictions": self.jurisdictions,
            "sectors": self.sectors,
            "topics": self.topics,
            "kind": self.kinds,
            "doc_type": self.doc_types,
            "status": self.statuses,
            "language": self.languages,
            "strength": self.strengths,
            "agreement": self.agreements,
        }
        return {name: values for name, values in pairs.items() if values}

    def parsed(self) -> ParsedQuery:
        """The parse of ``text``, made once (the key guards against ``model_copy`` or a
        changed ``text``); callers must not modify it."""
        key = (self.text, self.expand)
        if self._parsed is None or self._parsed[0] != key:
            self._parsed = (key, parse_query(self.text, expand=self.expand))
        return self._parsed[1]


def _distinct(values: list[str], lower: bool) -> list[str]:
    """Values in the order given, without repeats (codes lower-cased; topic labels kept)."""
    return list(dict.fromkeys(v.lower() if lower else v for v in values))


def _sort_value(after: str | Iterable[Any] | None) -> list[Any] | None:
    """The ``after`` list from JSON text (the API, the CLI) or a list (Python); its numbers
    are checked by ``SearchQuery._resolve``."""
    if after is None or after == "":
        return None
    if isinstance(after, str):
        try:
            after = json.loads(after)
        except ValueError:
            after = None
        if not isinstance(after, list):
            raise InvalidQuery("after must be a JSON list such as [7.03, 1042]")
    return list(after)


class Hit(BaseModel):
    id: str
    kind: str
    title: str
    title_vi: str | None = None
    jurisdiction: str | None = None
    jurisdictions: list[str] = []
    number: str | None = None
    heading: str | None = None
    path: list[str] = []
    instrument_id: str | None = None
    instrument_title: str | None = None
    agreement: str | None = None  # treaty text: the agreement's code (cptpp)
    doc_type: str | None = None
    status: str | None = None
    date: str | None = None
    language: str | None = None
    sectors: list[str] = []
    topics: list[str] = []
    strength: str | None = None
    exceptions: list[str] = []
    text_source: str | None = None
    source_url: str | None = None
    # plain text around the best cluster of matched words, and where they are in it
    excerpt: str = ""
    highlights: list[tuple[int, int]] = Field(
        [], description="(start, end) character offsets of the matched words in excerpt"
    )
    # the excerpt as HTML with <mark>: filled by the API from excerpt and highlights
    snippet: str = ""
    score: float = 0.0
    sort: list[Any] | None = None
    # treaty commitments: the words that decided ``strength``, each paragraph's class, the
    # exceptions with their clauses, and whether the chapter is subject to dispute settlement
    strength_phrase: str | None = None
    paragraph_strengths: list[str] = []
    exception_clauses: list[dict[str, str]] = []
    scope_exclusions: list[str] = []
    dispute_settlement: str | None = None
    dispute_settlement_article: str | None = None
    # a search as of a date (kb.asof) whose text then was an older stored version: which one,
    # its date, and a note that the current text was ranked
    as_of_version: int | None = None
    as_of_date: str | None = None
    as_of_note: str | None = None


# the fields of a hit as one flat row of plain values (DataFrame, CSV, spreadsheet)
RECORD_FIELDS = tuple(f for f in Hit.model_fields if f not in ("highlights", "snippet", "sort"))


class Correction(BaseModel):
    word: str = Field(description="a word of the query as typed")
    suggestion: str = Field(description="the word the texts use instead")


class DidYouMean(BaseModel):
    """A corrected query for words the index does not know (``kb.suggest``)."""

    text: str = Field(description="the query with the corrected words, the others unchanged")
    corrections: list[Correction]


class SearchResult(BaseModel):
    total: int
    total_exact: bool = True  # False: at least ``total`` (TOTAL_EXACT_LIMIT) matches
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = {}
    facets_exact: bool = True  # False when a backend estimated facet counts from a sample
    did_you_mean: DidYouMean | None = Field(
        None, description="a corrected query when a word of q is unknown to the index"
    )
    query: dict[str, Any] = {}

    def records(self) -> list[dict[str, Any]]:
        """One flat dict per hit with its plain excerpt: what a DataFrame or an export shows."""
        return [h.model_dump(include=set(RECORD_FIELDS)) for h in self.hits]

    def to_pandas(self):
        """The hits as a DataFrame (excerpts as plain text)."""
        import pandas as pd

        return pd.DataFrame(self.records(), columns=list(RECORD_FIELDS))


HIT_FIELDS = tuple(
    f for f in Hit.model_fields
    if f not in ("excerpt", "highlights", "snippet", "score", "sort")
)


def make_hit(doc: dict[str, Any], parsed: ParsedQuery, score: float, sort: Any = None) -> Hit:
    data = {k: doc.get(k) for k in HIT_FIELDS if doc.get(k) is not None}
    excerpt = snippet(doc.get("text") or "", parsed)
    return Hit(
        **data, excerpt=excerpt.text, highlights=excerpt.highlights, score=round(score, 4),
        sort=sort,
    )


class Excerpt(NamedTuple):
    text: str  # plain text, not escaped
    highlights: list[tuple[int, int]]  # (start, end) offsets into text of the matched words


def snippet(text: str, parsed: ParsedQuery, width: int = 240) -> Excerpt:
    """An excerpt around the best cluster of matched terms, and where those terms are.

    Plain text: whoever shows it marks the highlights its own way (HTML, a terminal)."""
    if not text:
        return Excerpt("", [])
    terms = parsed.highlight_terms()
    spans = term_spans(text, terms)
    if not spans:
        return Excerpt(text[:width] + ("…" if len(text) > width else ""), [])
    # window with most matches
    best_start, best_count = spans[0][0], 0
    for i, (start, _) in enumerate(spans):
        count = sum(1 for s, _ in spans[i:] if s < start + width)
        if count > best_count:
            best_start, best_count = start, count
    lo = max(0, best_start - width // 4)
    while lo > 0 and not text[lo - 1].isspace() and best_start - lo < width // 2:
        lo -= 1
    hi = min(len(text), lo + width)
    window = text[lo:hi]
    body = window.strip()
    prefix = "…" if lo > 0 else ""
    shift = len(prefix) - lo - (len(window) - len(window.lstrip()))  # text offset -> excerpt
    highlights, pos = [], lo
    for s, e in spans:
        if s < pos or e > hi:
            continue
        highlights.append((s + shift, e + shift))
        pos = e
    return Excerpt(prefix + body + ("…" if hi < len(text) else ""), highlights)
