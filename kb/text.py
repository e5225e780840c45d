"""Text analysis shared by every backend: folding, stemming, CJK bigrams, language detection.

Folding (lower case, diacritics off, đ -> d) and cutting CJK runs into bigrams happen here, in
Python, so the embedded SQLite index, a bare test Elasticsearch node and a production cluster
see the same words without any analysis plugin. Stemming is the Porter algorithm everywhere:
SQLite's FTS5 ``porter`` tokenizer applies it at native speed, and for Elasticsearch (whose
core distribution has no stemmer) ``stemmed`` applies the same algorithm in Python.

``fold`` maps each character to exactly one character, so offsets in folded text are offsets
in the original: that is what lets highlights be computed on folded text and shown on the
original (with its Vietnamese diacritics intact).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Collection, Iterator
from functools import lru_cache
from typing import Any

import Stemmer

# as FTS5 porter and Lucene porter_stem, from Snowball's C build (PyStemmer): the pure-Python
# build (snowballstemmer) gives the same stems, 17x slower, and brings every language's tables
# into a server's memory (3 MB). One per thread: a stemmer keeps its word in itself.
_STEMMERS = threading.local()


def _stemmer() -> Any:
    """This thread's Porter stemmer."""
    found = getattr(_STEMMERS, "porter", None)
    if found is None:
        found = _STEMMERS.porter = Stemmer.Stemmer("porter")
    return found


# Letters that are not base letter + combining mark in Unicode, so NFD leaves them alone.
_SPECIAL = {"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ß": "s", "æ": "a", "œ": "o", "ı": "i"}


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF  # hangul syllables
        or 0xF900 <= code <= 0xFAFF
        or 0x1100 <= code <= 0x11FF
    )


def _fold_char(ch: str) -> str:
    low = ch.lower()
    if len(low) != 1:
        low = unicodedata.normalize("NFD", ch)[0].lower()[:1] or ch
    if low in _SPECIAL:
        return _SPECIAL[low]
    if low.isascii() or is_cjk(low):
        return low
    base = unicodedata.normalize("NFD", low)[0]
    return base if len(base) == 1 else low


_FOLD_RANGES = ((0x41, 0x2000), (0x1E00, 0x1F00), (0xFF00, 0xFFF0))


def _fold_table() -> str:
    """Indexed by code point, every character present (most as itself): ``str.translate``
    then finds each one by position, where a dict would raise and clear a KeyError for every
    character it leaves alone, which made folding Vietnamese text twice as slow. Characters
    past its end (none of which fold) raise IndexError, which ``translate`` reads as "keep".
    A string, two bytes a character: a list of ints took 2 MB of a server's memory."""
    table = [chr(cp) for cp in range(_FOLD_RANGES[-1][1])]
    for lo, hi in _FOLD_RANGES:
        for cp in range(lo, hi):
            table[cp] = _fold_char(table[cp])
    return "".join(table)


_FOLD_TABLE = _fold_table()


def fold(text: str) -> str:
    """Lower-case and strip diacritics (``Đấu giá`` -> ``dau gia``), one char for one char.

    A translation table covers Latin (with Vietnamese), Greek, Cyrillic and full-width
    letters at C speed; scripts without case or marks (CJK) pass through unchanged. ASCII
    text (most English) only needs lower case.
    """
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_TABLE)


_CJK_CLASS = "\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"(?P<cjk>[{_CJK_CLASS}]+)|(?P<word>(?:(?![{_CJK_CLASS}])[^\W_])+)")


# word -> Porter stem, filled on first sight: nearly every word of a legal corpus has been
# seen before, and a plain dict lookup (at C speed through ``map``) is what it then costs
_STEMS: dict[str, str] = {}


def stem(token: str) -> str:
    """Porter stem of a folded word; engines pass words under 3 letters through, as here."""
    found = _STEMS.get(token)
    if found is None:
        if len(token) < 3 or not token.isascii() or not token.isalpha():
            found = token
        else:
            found = _stemmer().stemWord(token)
        if len(_STEMS) < 500_000:
            _STEMS[token] = found
    return found


# ASCII punctuation and symbols to spaces: splitting ASCII text then needs no regex. Every
# ASCII code has an entry (as in _FOLD_TABLE below), so none costs a failed lookup.
_ASCII_SEPARATORS = [c if chr(c).isalnum() else 32 for c in range(128)]



def iter_tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield (term, start, end) over the original text.

    Latin words are folded and stemmed; runs of CJK characters are cut into overlapping
    character bigrams (a lone character stays a unigram), as a word tokenizer would
    otherwise see a whole Japanese sentence as one token.
    """
    for match in _TOKEN_RE.finditer(fold(text)):
        start = match.start()
        if match["word"] is not None:
            yield stem(match["word"]), start, match.end()
            continue
        run = match["cjk"]
        if len(run) == 1:
            yield run, start, start + 1
        for j in range(len(run) - 1):
            yield run[j : j + 2], start + j, start + j + 2


_CJK_RE = re.compile(f"[{_CJK_CLASS}]")
_PLAIN_WORD_RE = re.compile(r"[^\W_]+")


def term_spans(text: str, terms: Collection[str]) -> list[tuple[int, int]]:
    """(start, end) of each token of ``text`` whose term is in ``terms``: what
    ``iter_tokens`` would give, filtered, without stemming every word of a long text.

    Porter's rules rewrite at most the last two letters of a stem (``ies`` -> ``i``,
    ``biliti`` -> ``ble``), so a word opens with its stem less those two (with the first two
    letters of a short stem): only words opening like one of the terms are stemmed and
    checked, and the regex that finds them runs at C speed. CJK terms take the plain path.
    """
    if not terms or not text:
        return []
    if any(_CJK_RE.search(term) for term in terms):
        return [(s, e) for term, s, e in iter_tokens(text) if term in terms]
    finder = _opening_finder(frozenset(_opening(term) for term in terms))
    return [m.span() for m in finder.finditer(fold(text)) if stem(m.group()) in terms]


def _opening(term: str) -> str:
    return term[: len(term) - 2] if len(term) >= 4 else term[:2]


@lru_cache(maxsize=512)
def _opening_finder(openings: frozenset[str]) -> re.Pattern[str]:
    """Words (as ``_TOKEN_RE`` cuts them) that begin with one of ``openings``."""
    starts = "|".join(sorted((re.escape(o) for o in openings), key=len, reverse=True))
    word_char = rf"(?:(?![{_CJK_CLASS}])[^\W_])"
    return re.compile(rf"(?:(?<![^\W_])|(?<=[{_CJK_CLASS}]))(?:{starts}){word_char}*")


def analyze(text: str | None) -> list[str]:
    """The index terms of a text, in order (a fast path for text without CJK)."""
    if not text:
        return []
    folded = fold(text)
    if _CJK_RE.search(folded) is None:
        return [stem(word) for word in _PLAIN_WORD_RE.findall(folded)]
    return [term for term, _, _ in iter_tokens(text)]


def words(text: str | None) -> list[str]:
    """Folded words, CJK runs cut into bigrams, not stemmed: what a query hands an engine."""
    if not text:
        return []
    folded = fold(text)
    if _CJK_RE.search(folded) is None:
        return _PLAIN_WORD_RE.findall(folded)
    return _cut_cjk(folded)


def _cut_cjk(folded: str) -> list[str]:
    """The words of folded text with its CJK runs cut into bigrams, as ``iter_tokens``
    cuts them, without offsets or stems (which cost a call per word)."""
    out: list[str] = []
    for match in _TOKEN_RE.finditer(folded):
        word = match["word"]
        if word is not None:
            out.append(word)
            continue
        run = match["cjk"]
        if len(run) == 1:
            out.append(run)
        else:
            out.extend([run[j : j + 2] for j in range(len(run) - 1)])
    return out


# Function words a query may contain but a text is never found by: neither required nor
# highlighted. Vietnamese ones are listed with their marks, since several fold onto content
# syllables ("có" has, "cơ" in "cơ quan"); without marks only the unambiguous folded forms count.
STOP_WORDS_EN = frozenset(
    "a an the of and or to in on for by with at from as is are be been being was were it its "
    "this that these those which who whom whose what how when where why do does did can could "
    "there their they them any into about than then so if not such our your my we you i he "
    "she his her has have had will would also only between per via each me us".split()
)
STOP_WORDS_VI = frozenset(
    "của và các những được theo về cho với trong này đó là có không thì mà để khi nào gì hay "
    "hoặc cũng đã sẽ đang bị rằng nếu tại ra vào lại như một sau trên dưới ở nhé ạ chăng "
    "sao hãy".split()
)
_STOP_FOLDED = frozenset(fold(w) for w in STOP_WORDS_VI) & frozenset(
    "cua va cac nhung duoc theo cho voi trong nay khong thi khi nao hoac rang neu nhu".split()
)


def query_words(text: str) -> list[tuple[str, str]]:
    """(folded word, the word as typed in lower case) for each word of a query: the marks of
    the original tell a Vietnamese function word (``có``) from part of a word (``cơ``)."""
    folded = fold(text)
    if _CJK_RE.search(folded) is not None:
        return [(w, w) for w in _cut_cjk(folded)]
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = folded
    return [
        (m.group(), lowered[m.start() : m.end()]) for m in _PLAIN_WORD_RE.finditer(folded)
    ]


def is_stop_word(folded: str, typed: str, vietnamese: bool) -> bool:
    """Whether a query word is a function word. English ones count only in a query that is
    not Vietnamese: typed without marks, "an ninh" or "tan so" are Vietnamese words."""
    if typed != folded:
        return typed in STOP_WORDS_VI
    if vietnamese:
        return folded in _STOP_FOLDED
    return folded in STOP_WORDS_EN or folded in _STOP_FOLDED


def _stems(folded: str) -> list[str]:
    """Porter stems of the words of an ``index_text``."""
    if folded.isascii():
        tokens = folded.translate(_ASCII_SEPARATORS).split()
    else:
        tokens = _PLAIN_WORD_RE.findall(folded)
    stems = list(map(_STEMS.get, tokens))
    if None in stems:
        stems = [s if s is not None else stem(t) for s, t in zip(stems, tokens, strict=True)]
    return stems


def stemmed(folded: str) -> str:
    """Porter stems of an ``index_text``, joined by spaces: for engines without a stemmer."""
    return " ".join(_stems(folded))


PAIR_JOINER = "_"  # never inside a token: the separators split on it


def pair_term(first: str, second: str) -> str:
    """The index term of two adjacent words: a two-word phrase is one term. It begins with the
    joiner, so no word shares its first letters: a walk over the words with a prefix (did you
    mean) never meets a pair."""
    return f"{PAIR_JOINER}{first}{PAIR_JOINER}{second}"


def with_pairs(stems: str) -> str:
    """A stemmed text followed by a term for each pair of adjacent words.

    A phrase then costs the engine one posting list instead of a walk over positions, and a
    query of phrases is a flat set of terms the engine can prune (block-max WAND). The pairs
    come after the words, so the words keep their positions for proximity."""
    tokens = stems.split()
    if len(tokens) < 2:
        return stems
    return f"{stems} {' '.join(map(pair_term, tokens, tokens[1:]))}"


def indexed_terms(folded: str) -> str:
    """What an engine indexes of an ``index_text``: its stems, then its pair terms
    (``with_pairs(stemmed(folded))`` without splitting the stems again, as a build runs it
    for every field)."""
    stems = _stems(folded)
    words = " ".join(stems)
    if len(stems) < 2:
        return words
    # "_a_b _b_c": each pair_term, joined without a Python call per pair
    return f"{words} {PAIR_JOINER}" + f" {PAIR_JOINER}".join(
        map(PAIR_JOINER.join, zip(stems, stems[1:], strict=False)))


def index_text(text: str | None) -> str:
    """What both backends store in their searchable fields: the folded text (CJK runs as
    bigrams), which the engine splits on punctuation and stems itself."""
    if not text:
        return ""
    folded = fold(text)
    if folded.isascii() or _CJK_RE.search(folded) is None:
        return folded
    return " ".join(_cut_cjk(folded))


def normalize_space(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


_LANG_PROFILE_READY = False


def detect_language(text: str, default: str = "und") -> str:
    """ISO 639-1 code of the text's language, deterministic (fixed seed)."""
    global _LANG_PROFILE_READY
    sample = normalize_space(text)[:5000]
    if len(sample) < 20:
        return default
    cjk = sum(1 for c in sample if is_cjk(c))
    if cjk > len(sample) * 0.2:
        if any(0x3040 <= ord(c) <= 0x30FF for c in sample):
            return "ja"
        if any(0xAC00 <= ord(c) <= 0xD7AF for c in sample):
            return "ko"
        return "zh"
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    if not _LANG_PROFILE_READY:
        DetectorFactory.seed = 0
        _LANG_PROFILE_READY = True
    try:
        code = detect(sample)
    except LangDetectException:
        return default
    return code.split("-")[0]
