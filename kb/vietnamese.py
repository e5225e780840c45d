"""Vietnamese words of several syllables, so a query matches "dữ liệu" as one word.

Vietnamese writes a space between syllables, not between words: "dữ liệu" (data) is one word
of two syllables, and a text that has "dữ" in one place and "liệu" in another is not about
data. A query's syllables are therefore joined into words, longest first, by a dictionary of
multi-syllable words; each word is then searched as a phrase and counts as one word towards
the minimum that must match.

The dictionary is the word list that ships with the ``pyvi`` package (about 25,000 words of
two syllables or more, MIT licence), folded (no marks), so a query typed without marks is
joined exactly as the same query with them. Where ``pyvi`` is not installed, no syllables are
joined and search falls back to single syllables.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, KeysView
from functools import lru_cache
from importlib import resources

from kb.text import fold

MAX_SYLLABLES = 4  # longer dictionary entries are idioms, not terms a drafter types
# Words of the legal and administrative vocabulary the general word list lacks.
EXTRA_WORDS = (
    "việt nam", "hà nội", "cho phép", "được phép", "nhà mạng", "băng tần", "trả trước",
    "trả sau", "công ích", "cấp phép", "hạ tầng",
)


def _words() -> Iterator[str]:
    """The word list's words, read a line at a time (a list of them all, freed once read,
    left a server's memory fragmented by megabytes)."""
    yield from EXTRA_WORDS
    try:
        with (resources.files("pyvi") / "models" / "words.txt").open(encoding="utf-8") as lines:
            for line in lines:
                yield line.replace("_", " ")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return


@lru_cache(maxsize=1)
def spellings() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Each multi-syllable word (folded syllables) with the ways it is written with marks
    ("dau gia": "đấu giá", "dâu gia"): a word typed otherwise has a mark wrong.

    Held for the life of a server, so kept small: each syllable string once (interned), and
    the forms of a word in a tuple (most words have one; an empty set alone costs 216 bytes),
    built in place, without a temporary structure per word whose freed memory a server could
    not give back.
    """
    found: dict[tuple[str, ...], tuple[str, ...]] = {}
    for word in _words():
        syllables = tuple(sys.intern(s) for s in fold(word).split())
        if 2 <= len(syllables) <= MAX_SYLLABLES and all(s.isalpha() for s in syllables):
            form = " ".join(word.lower().split())
            forms = found.get(syllables, ())
            if form not in forms:
                found[syllables] = (*forms, form)
    return found


def dictionary() -> KeysView[tuple[str, ...]]:
    """Folded multi-syllable words (tuples of syllables), as a set."""
    return spellings().keys()


def join_words(syllables: list[str]) -> list[tuple[int, int]]:
    """Spans (start, end) of the words in a run of folded syllables, longest match first from
    the left; a syllable that starts no dictionary word is a word of its own."""
    words = dictionary()
    spans = []
    i = 0
    while i < len(syllables):
        end = i + 1
        for size in range(min(MAX_SYLLABLES, len(syllables) - i), 1, -1):
            if tuple(syllables[i : i + size]) in words:
                end = i + size
                break
        spans.append((i, end))
        i = end
    return spans
