"""Provision topics from a provision's own words: heading, official text and curated summary.

A tag has to mean that the provision is *about* the topic, because filters, comparison grids
and the search boost all trust it; a word that occurs once in a long article is not enough. So
the tagger weighs where a topic is named and how often:

- the heading names the topic (a name or a cue): strong evidence on its own;
- a curated summary names it: strong, since an editor wrote it about this provision;
- the text names it often enough for its length, or names it in its opening words;
- a definitions article lists many terms, so only a topic it spends most of its words on
  counts there;
- a topic named far less than the provision's main topic is incidental and dropped.

Names are the taxonomy's labels and synonyms in every language (``kb/taxonomy.yaml``);
cues are tagging-only terms (``personal data``, ``個人データ``) that weigh less, and single
Latin words weigh less still. Texts and terms go through ``kb.text.analyze`` (folding,
stemming, CJK bigrams), so a Japanese, Chinese or Korean term matches inside a text written
without spaces; Thai terms match the text as written, spaces removed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from kb.models import Provision
from kb.taxonomy import Taxonomy, taxonomy
from kb.text import analyze, fold, is_cjk

# weights of one occurrence, by where it is and what matched
HEADING_NAME, HEADING_CUE, HEADING_WORD = 3.0, 2.5, 1.0
SUMMARY_NAME, SUMMARY_CUE, SUMMARY_WORD = 2.5, 2.5, 0.5
TEXT_NAME, TEXT_CUE, TEXT_WORD = 1.0, 0.5, 0.2
OPENING_BONUS = 1.0  # a name or cue within the first OPENING terms of the text
OPENING = 40
THRESHOLD = 2.5  # score a topic needs
LONG_TEXT = 250  # terms past which text evidence is scaled down (sqrt of the excess ratio)
DOMINANCE = 0.35  # a topic scoring under this share of the best one is incidental
DEFINITIONS_SHARE = 0.6  # share of all text evidence a topic needs in a definitions article
DEFINITIONS_MIN = 5.0

_THAI = re.compile(r"[\u0e00-\u0e7f]")
_DEFINITION_HEADINGS = re.compile(
    r"^\s*(definitions?|interpretation|meaning of terms|use of terms|terms used|"
    r"définitions?|giải thích từ ngữ|định nghĩa|定義|定义|용어의 정의|정의|นิยาม|บทนิยาม)\b",
    re.IGNORECASE,
)
_DEFINITION_OPENINGS = re.compile(
    r"^\W*(for the purposes? of this (act|regulation|chapter|agreement|section|part|article|"
    r"law|directive|convention|title)[^.:]{0,60}:|in this (act|law|part|section|chapter)"
    r"[^.:]{0,20}:|as used in this (section|chapter|title)|trong (luật|nghị định|thông tư|"
    r"quyết định) này, (các )?từ ngữ dưới đây|aux fins du présent (règlement|chapitre)|"
    r"この法律において)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Term:
    terms: tuple[str, ...]
    topic: str
    kind: str  # "name", "cue" (several words or a CJK term) or "word" (one Latin word)


@dataclass
class Evidence:
    """What the tagger found for one topic in one provision (shown by ``explain``)."""

    heading: float = 0.0
    summary: float = 0.0
    text: float = 0.0
    opening: bool = False
    matched: list[str] = field(default_factory=list)

    def score(self, text_scale: float = 1.0) -> float:
        return (self.heading + self.summary + self.text * text_scale
                + (OPENING_BONUS if self.opening else 0.0))


class Tagger:
    """Finds the topics a provision is about; build once per taxonomy (``tagger()``)."""

    def __init__(self, tax: Taxonomy):
        self.tax = tax
        self._index: dict[str, list[_Term]] = defaultdict(list)
        self._thai: list[tuple[str, str, str]] = []  # (compact folded term, topic, kind)
        seen: set[tuple[tuple[str, ...], str]] = set()
        for topic in tax.topics.values():
            if topic.is_sector:
                continue
            entries = [(n, "name") for n in topic.all_names()]
            entries += [(c, "cue") for c in topic.cues_in()]
            for raw, kind in entries:
                if _THAI.search(raw):
                    self._thai.append((_compact(raw), topic.id, kind))
                    continue
                terms = tuple(analyze(raw))
                if not terms or (terms, topic.id) in seen:
                    continue
                seen.add((terms, topic.id))
                if kind == "cue" and len(terms) == 1 and not any(is_cjk(c) for c in raw):
                    kind = "word"
                self._index[terms[0]].append(_Term(terms, topic.id, kind))
        for entries in self._index.values():
            entries.sort(key=lambda t: -len(t.terms))

    # -- matching ------------------------------------------------------------------------

    def _matches(self, text: str | None) -> list[tuple[int, _Term]]:
        """(position, term) of every match, one per topic at a position, no overlaps within
        a topic (``processing of personal data`` is not also ``personal data``)."""
        if not text:
            return []
        terms = analyze(text)
        found: list[tuple[int, _Term]] = []
        covered: dict[str, int] = {}
        for i, term in enumerate(terms):
            for cand in self._index.get(term, ()):
                n = len(cand.terms)
                if covered.get(cand.topic, -1) > i or tuple(terms[i:i + n]) != cand.terms:
                    continue
                covered[cand.topic] = i + n
                found.append((i, cand))
        if self._thai and _THAI.search(text):
            compact = _compact(text)
            for needle, topic, kind in self._thai:
                for _ in range(compact.count(needle)):
                    found.append((0 if compact.startswith(needle) else OPENING + 1,
                                  _Term((needle,), topic, kind)))
        return found

    def evidence(
        self, heading: str | None = None, text: str | None = None, summary: str | None = None
    ) -> tuple[dict[str, Evidence], int]:
        """Evidence per topic, and the length of the text in terms."""
        out: dict[str, Evidence] = defaultdict(Evidence)
        for where, value, weights in (
            ("heading", heading, (HEADING_NAME, HEADING_CUE, HEADING_WORD)),
            ("summary", summary, (SUMMARY_NAME, SUMMARY_CUE, SUMMARY_WORD)),
            ("text", text, (TEXT_NAME, TEXT_CUE, TEXT_WORD)),
        ):
            for pos, term in self._matches(value):
                ev = out[term.topic]
                weight = weights[("name", "cue", "word").index(term.kind)]
                setattr(ev, where, getattr(ev, where) + weight)
                if where == "text" and pos < OPENING and term.kind != "word":
                    ev.opening = True
                ev.matched.append(" ".join(term.terms))
        length = len(analyze(text)) if text else 0
        return dict(out), length

    # -- deciding ------------------------------------------------------------------------

    def tag(
        self,
        heading: str | None = None,
        text: str | None = None,
        summary: str | None = None,
        kind: str | None = None,
    ) -> list[str]:
        """The topics (most specific first found, no ancestors) the provision is about."""
        found, length = self.evidence(heading, text, summary)
        if not found:
            return []
        scale = 1.0 if length <= LONG_TEXT else (LONG_TEXT / length) ** 0.5
        if is_definitions(heading, text, kind):
            total = sum(ev.text for ev in found.values()) or 1.0
            scores = {t: ev.heading + ev.summary
                      + (ev.text if ev.text >= DEFINITIONS_MIN
                         and ev.text / total >= DEFINITIONS_SHARE else 0.0)
                      for t, ev in found.items()}
        else:
            scores = {t: ev.score(scale) for t, ev in found.items()}
        best = max(scores.values())
        keep = [t for t, s in scores.items() if s >= THRESHOLD and s >= DOMINANCE * best]
        return _most_specific(keep)

    def tag_provision(self, prov: Provision) -> list[str]:
        return self.tag(prov.heading, prov.text, prov.summary, prov.kind)

    def explain(self, prov: Provision) -> dict[str, dict]:
        """Evidence and score per topic, for tuning and for people asking why."""
        found, length = self.evidence(prov.heading, prov.text, prov.summary)
        scale = 1.0 if length <= LONG_TEXT else (LONG_TEXT / length) ** 0.5
        return {t: {"score": round(ev.score(scale), 2), "heading": ev.heading,
                    "summary": ev.summary, "text": ev.text, "opening": ev.opening,
                    "matched": sorted(set(ev.matched))}
                for t, ev in sorted(found.items(), key=lambda kv: -kv[1].score(scale))}


def is_definitions(heading: str | None, text: str | None, kind: str | None = None) -> bool:
    """Whether a provision is a definitions article (it names many topics without being about
    them)."""
    if kind == "definitions":
        return True
    if heading and _DEFINITION_HEADINGS.search(heading):
        return True
    return bool(text and _DEFINITION_OPENINGS.search(text[:300]))


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", fold(text))


def _most_specific(topics: Iterable[str]) -> list[str]:
    """Drop a topic whose descendant is also kept: ancestors are added when indexing."""
    topics = list(topics)
    return [t for t in topics if not any(o != t and o.startswith(t + "/") for o in topics)]


@lru_cache(maxsize=1)
def tagger() -> Tagger:
    return Tagger(taxonomy())


def tag_provision(prov: Provision) -> list[str]:
    """Topics of a provision from its own heading, text and summary (the bundled taxonomy)."""
    return tagger().tag_provision(prov)
