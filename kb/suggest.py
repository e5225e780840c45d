""""Did you mean": a corrected query when a word of it is unknown to the index.

A word the texts never use finds nothing by itself, and in a query of several words it
quietly drops out, so "spectrun auction" reads as "auction". Corrections come from the index's
own term dictionary (``Backend.suggest_terms``), never from an outside word list, so they are
words the base can find:

- only plain words are checked: not stop words, quoted phrases, ``-excluded`` words, numbers,
  ids, acronyms typed in capitals, or a query that is a citation;
- a word is unknown when no text field holds its analysed term (folded, stemmed); words the
  page's excerpts already highlight are known without asking the engine, so a normal query
  costs nothing more;
- candidates are terms within one edit (words up to five letters) or two of the typed stem,
  or of the typed word without a suffix the stemmer drops ("persnal" -> "persn" -> "person"),
  ranked by distance, then (Vietnamese) whether they make a dictionary word with the syllable
  next to them ("tan xo" -> "tan so"), then by how many documents hold them;
- index terms are stems, so the user sees the word the texts spell ("privaci" -> "privacy"):
  the form closest to what was typed among the matched words of a search for the stem;
  Vietnamese keeps the texts' marks when the query has marks, none when it has none.

A Vietnamese query typed with marks is also checked against the words its own hits spell:
"đấu gia tần sô" finds the right texts (marks are folded away) but is offered "đấu giá tần số".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz.distance import OSA

from kb.search import (
    _TOKEN_RE,
    Correction,
    DidYouMean,
    Hit,
    SearchQuery,
    SearchResult,
    looks_vietnamese,
)
from kb.text import fold, is_stop_word, iter_tokens, query_words, stem, term_spans
from kb.vietnamese import dictionary, spellings

if TYPE_CHECKING:
    from kb.backends.base import Backend

SURFACE_HITS = 20  # hits read for the spelling of a corrected stem
ACRONYM_LENGTH = 5  # a word typed in capitals up to this long is an acronym, not checked
# suffixes the Porter stemmer drops: a misspelt word keeps them, its stem then differs more
SUFFIXES = (
    "ations", "ation", "ments", "ment", "ness", "ions", "ion", "ing", "ity", "ive", "ance",
    "ence", "ers", "er", "ally", "al", "ly", "ed", "es", "s",
)
# endings a stem takes back in the texts (with the stemmer's own: y -> i, e dropped)
ENDINGS = ("e", "y", "ies", *SUFFIXES)
_LETTERS = re.compile(r"[a-z]+")
_WORD_RE = re.compile(r"[^\W\d_]+")
_PIECE_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_EDGE_PUNCT = ",;:!?()[]{}\"'“”‘’…"


def distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein distance (optimal string alignment: a swap of two neighbours is one
    edit), or ``limit`` + 1 once it exceeds ``limit``. Compiled (rapidfuzz): a misspelt word
    is compared with every candidate and ending, hundreds of times per query."""
    return OSA.distance(a, b, score_cutoff=limit)


def effective_prefix(max_edits: int, prefix_length: int) -> int:
    """The shared first letters a candidate needs: at least one for two edits, as Lucene's
    spell checker requires, so both backends draw from the same set."""
    return max(prefix_length, max_edits - 1)


def close_terms(term: str, found: dict[str, int], max_edits: int,
                prefix_length: int) -> list[tuple[str, int]]:
    """The contract's answer from raw candidates: terms of letters a-z within ``max_edits`` of
    ``term`` sharing its first letters, ``term`` left out, closest then most frequent first."""
    prefix = term[: effective_prefix(max_edits, prefix_length)]
    out = [
        (t, df) for t, df in found.items()
        if df > 0 and t != term and t.startswith(prefix) and _LETTERS.fullmatch(t)
        and distance(term, t, max_edits) <= max_edits
    ]
    out.sort(key=lambda p: (distance(term, p[0], max_edits), -p[1], p[0]))
    return out


def one_edit_variants(term: str) -> set[str]:
    """Every string of letters a-z one edit from ``term``: candidates of a short word whose
    first letter may be the typo, looked up one by one instead of walking the dictionary."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(term[:i], term[i:]) for i in range(len(term) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in letters}
    out |= {a + c + b for a, b in splits for c in letters}
    out.discard(term)
    return {v for v in out if v}


@dataclass(frozen=True)
class QueryWord:
    """A plain word of a query, where it is in the text, folded and as typed."""

    start: int
    end: int
    folded: str
    typed: str  # as typed (original case)

    @property
    def stem(self) -> str:
        return stem(self.folded)

    @property
    def marked(self) -> bool:
        return self.typed.lower() != self.folded


def plain_words(text: str) -> tuple[list[QueryWord], bool]:
    """The words a correction may replace, and whether the query reads as Vietnamese."""
    vietnamese = looks_vietnamese(query_words(text))
    out: list[QueryWord] = []
    for match in _TOKEN_RE.finditer(text):
        bare = match.group(3)
        if bare is None or bare == "OR":
            continue  # quoted phrases are meant as typed
        start = match.start(3)
        if bare[0] in "-+" and len(bare) > 1:
            if bare[0] == "-":
                continue
            bare, start = bare[1:], start + 1
        stripped = bare.strip(_EDGE_PUNCT)
        start += len(bare) - len(bare.lstrip(_EDGE_PUNCT))
        if not _PIECE_RE.fullmatch(stripped):
            continue  # numbers, ids, citations, URLs
        for word in _WORD_RE.finditer(stripped):
            typed = word.group()
            folded = fold(typed)
            if not _LETTERS.fullmatch(folded) or len(folded) < (2 if vietnamese else 3):
                continue
            if typed.isupper() and len(typed) <= ACRONYM_LENGTH:
                continue
            if is_stop_word(folded, typed.lower(), vietnamese):
                continue
            out.append(QueryWord(start + word.start(), start + word.end(), folded, typed))
    return out, vietnamese


def highlighted_stems(result: SearchResult) -> set[str]:
    """The terms the page's excerpts mark: words the index surely knows."""
    stems: set[str] = set()
    for hit in result.hits:
        for s, e in hit.highlights:
            stems.update(term for term, _, _ in iter_tokens(hit.excerpt[s:e]))
    return stems


def did_you_mean(
    backend: Backend,
    query: SearchQuery,
    result: SearchResult,
    is_citation: Callable[[str], bool] | None = None,
) -> DidYouMean | None:
    """The corrected query for ``query`` (whose result is ``result``), or None when every
    word is known or nothing close is."""
    if not query.text:
        return None
    words, vietnamese = plain_words(query.text)
    if not words:
        return None
    seen = highlighted_stems(result)
    unsure = list(dict.fromkeys(w.stem for w in words if w.stem not in seen))
    unknown: set[str] = set()
    if unsure:
        freqs = backend.term_doc_freqs(unsure)
        unknown = {s for s in unsure if not freqs.get(s)}
    if unknown and is_citation is not None and is_citation(query.text):
        return None
    marked = any(w.marked for w in words)
    fixes: dict[int, str] = {}
    for index, word in enumerate(words):
        if word.stem in unknown:
            better = _correction(backend, words, index, vietnamese, marked)
            if better:
                fixes[index] = better
    if vietnamese and marked:
        for index, better in _mark_fixes(backend, words, result).items():
            fixes.setdefault(index, better)
    if not fixes:
        return None
    text = query.text
    for index in sorted(fixes, reverse=True):
        word = words[index]
        text = text[: word.start] + fixes[index] + text[word.end :]
    return DidYouMean(text=text, corrections=[
        Correction(word=words[i].typed, suggestion=fixes[i]) for i in sorted(fixes)
    ])


def _probes(word: QueryWord, vietnamese: bool) -> list[str]:
    """The typed stem, and the typed word without a suffix the stemmer would have dropped."""
    probes = [word.stem]
    if not vietnamese:
        for suffix in SUFFIXES:
            base = word.folded[: -len(suffix)]
            if word.folded.endswith(suffix) and len(base) >= 4 and base not in probes:
                probes.append(base)
    return probes


def _neighbours(words: list[QueryWord], index: int) -> tuple[QueryWord | None, QueryWord | None]:
    """The words typed just before and after (one space apart), for Vietnamese context."""
    word = words[index]
    before = words[index - 1] if index and words[index - 1].end + 1 >= word.start else None
    after = words[index + 1] if index + 1 < len(words) and \
        words[index + 1].start <= word.end + 1 else None
    return before, after


def _makes_word(candidate: str, before: QueryWord | None, after: QueryWord | None) -> str:
    """The two-syllable dictionary word a candidate makes with a neighbour, or ""."""
    known = dictionary()
    if before is not None and (before.folded, candidate) in known:
        return f"{before.folded} {candidate}"
    if after is not None and (candidate, after.folded) in known:
        return f"{candidate} {after.folded}"
    return ""


def _correction(backend: Backend, words: list[QueryWord], index: int, vietnamese: bool,
                marked: bool) -> str | None:
    """The best known word for an unknown one, spelt as the texts spell it."""
    word = words[index]
    size = len(word.folded)
    max_edits = 1 if size <= 5 else 2
    prefix_length = 0 if size <= 3 else 1
    probes = _probes(word, vietnamese)
    found: dict[str, int] = {}
    for probe in probes:
        for term, df in backend.suggest_terms(probe, max_edits, prefix_length):
            found[term] = max(found.get(term, 0), df)
    before, after = _neighbours(words, index) if vietnamese else (None, None)
    ranked = []
    for term, df in found.items():
        edits = min(distance(p, term, max_edits) for p in probes)
        if not vietnamese:  # "roamng" is one edit from roam+ing, two from "rong"
            edits = _with_ending(word.folded, term, edits)
        if edits <= max_edits:
            context = _makes_word(term, before, after) if vietnamese else ""
            ranked.append((edits, not context, -df, term, context))
    if not ranked:
        return None
    *_, term, context = min(ranked)
    spelt = _surface(backend, term, word, f'"{context}"' if context else term)
    if not marked:
        spelt = fold(spelt)
    return _cased(spelt, word.typed)


def _with_ending(typed: str, term: str, edits: int) -> int:
    """``edits``, or fewer when ``typed`` is closer to ``term`` with an ending the stemmer
    dropped. An ending can only help when it brings the lengths within ``edits`` - 1 of each
    other, so the others are not compared at all."""
    for ending in ENDINGS:
        if edits and abs(len(typed) - len(term) - len(ending)) < edits:
            edits = min(edits, distance(typed, term + ending, edits - 1))
    return edits


def _surface(backend: Backend, term: str, word: QueryWord, text: str) -> str:
    """How the texts spell the words of a stem: of the words with that stem in the hits of a
    search for it (titles and excerpts), the one closest to what was typed, then the most
    frequent."""
    probe = SearchQuery(text=text, limit=SURFACE_HITS, facets=False, expand=False)
    counts: Counter[str] = Counter()
    for text in _texts(backend.search(probe).hits):
        for s, e in term_spans(text, (term,)):
            counts[text[s:e].lower()] += 1
    if not counts:
        return term
    return min(counts, key=lambda w: (distance(word.folded, fold(w), 9), -counts[w], w))


def _texts(hits: list[Hit]) -> list[str]:
    """What a page of hits shows of each text: titles (a Vietnamese one too), heading and
    excerpt, where the words a correction takes its spelling from are read."""
    return [
        text for hit in hits for text in (hit.title, hit.title_vi, hit.heading, hit.excerpt)
        if text
    ]


def _cased(word: str, typed: str) -> str:
    """The correction in the case the user typed the word in."""
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _mark_key(text: str) -> tuple[str, tuple[str, ...]]:
    """A word's letters and marks, whatever the order the marks were typed in ("hoà",
    "hòa")."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    marks = tuple(sorted(c for c in decomposed if unicodedata.combining(c)))
    return fold(text), marks


def _mark_fixes(backend: Backend, words: list[QueryWord],
                result: SearchResult) -> dict[int, str]:
    """Syllables of a Vietnamese word typed with marks no dictionary spelling has ("tần sô"),
    written as the texts write that word: in the page's excerpts, else in those of a search
    for it. A word the dictionary spells as typed costs nothing."""
    known = spellings()
    fixes: dict[int, str] = {}
    page: list[list[tuple[str, str]]] | None = None
    for run in _runs(words):
        if len(run) < 2:
            continue  # a lone syllable is right with many marks
        key = tuple(words[i].folded for i in run)
        typed = tuple(_mark_key(words[i].typed) for i in run)
        forms = known.get(key, ())
        if any(tuple(map(_mark_key, form.split())) == typed for form in forms):
            continue
        if page is None:  # read once for every word that needs it
            page = _tokenised(result.hits)
        counts = _spelt(page, key)
        if not counts:
            probe = SearchQuery(text=f'"{" ".join(key)}"', limit=SURFACE_HITS, facets=False,
                                expand=False)
            counts = _spelt(_tokenised(backend.search(probe).hits), key)
        if not counts or any(tuple(map(_mark_key, form)) == typed for form in counts):
            continue
        best = max(counts, key=lambda form: (counts[form], form))
        for i, syllable in zip(run, best, strict=True):
            if _mark_key(syllable) != _mark_key(words[i].typed):
                fixes[i] = _cased(syllable, words[i].typed)
    return fixes


def _tokenised(hits: list[Hit]) -> list[list[tuple[str, str]]]:
    """The words of the hits' titles and excerpts: (folded, lower-cased) each."""
    return [query_words(text) for text in _texts(hits)]


def _spelt(texts: list[list[tuple[str, str]]],
           key: tuple[str, ...]) -> Counter[tuple[str, ...]]:
    """How the texts (``_tokenised``) write a word of these folded syllables."""
    counts: Counter[tuple[str, ...]] = Counter()
    size = len(key)
    for words in texts:
        for i in range(len(words) - size + 1):
            if words[i][0] == key[0] and tuple(f for f, _ in words[i : i + size]) == key:
                counts[tuple(w for _, w in words[i : i + size])] += 1
    return counts


def _runs(words: list[QueryWord]) -> list[list[int]]:
    """The query's words as the dictionary joins its syllables ("đấu giá", "tần số"), each a
    list of positions in ``words``."""
    runs: list[list[int]] = []
    i = 0
    known = dictionary()
    while i < len(words):
        end = i + 1
        for size in (4, 3, 2):
            chunk = words[i : i + size]
            adjacent = all(b.start <= a.end + 1 for a, b in zip(chunk, chunk[1:], strict=False))
            if len(chunk) == size and adjacent and tuple(w.folded for w in chunk) in known:
                end = i + size
                break
        runs.append(list(range(i, end)))
        i = end
    return runs

