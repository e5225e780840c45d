"""The English <-> Vietnamese legal glossary (``kb/glossary.yaml``) and lookups over it.

The taxonomy's labels bridge the two languages only for whole topics; the glossary bridges the
terms a query is made of ("bên kiểm soát dữ liệu cá nhân", "non-conforming measure", "tần số"),
so a query in one language can be expanded into the other. Every lookup works on folded words
(``kb.text.words``: lower case, no diacritics), because users type Vietnamese with or without
marks. Bad data is reported the way entry files are: ``path:line: field: message``, every
problem at once, so an editor fixes the file in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from kb.errors import KBError
from kb.text import STOP_WORDS_EN
from kb.text import words as _words

GLOSSARY_PATH = Path(__file__).parent / "glossary.yaml"
# The C parser reads the 10,000-line file several times faster and keeps line marks.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DOMAINS = (
    "telecom",
    "spectrum",
    "data-protection",
    "cybersecurity",
    "e-commerce",
    "platforms",
    "ai",
    "trade",
    "legal-general",
)

# Vietnamese texts in the shared corpus a pair may cite: its preferred Vietnamese term occurs
# there verbatim. Paths are relative to the shared corpus root (the directory holding corpus/
# and corpus-more/).
CORPUS_SOURCES = {
    "vn-law-91-2025": "corpus-more/vn/laws/luat-bao-ve-du-lieu-ca-nhan-2025.91-2025-QH15.vi.md",
    "vn-law-71-2025": "corpus-more/vn/laws/luat-cong-nghiep-cong-nghe-so-2025.71-2025-QH15.vi.md",
    "vn-law-134-2025": "corpus-more/vn/laws/luat-tri-tue-nhan-tao-2025.134-2025-QH15.vi.md",
    "vn-law-24-2018": (
        "corpus/vn/thuvienphapluat/luat-an-ninh-mang-2018.24-2018-QH14.tvpl.vi.html"
    ),
    "vn-law-67-2006": (
        "corpus/vn/thuvienphapluat/luat-cong-nghe-thong-tin-2006.67-2006-QH11.tvpl.vi.html"
    ),
    "vn-phapdien-1.11": "corpus/vn/phapdien/demuc-1.11-an-ninh-mang.1fd42d83.vi.html",
    "vn-phapdien-3.1": "corpus/vn/phapdien/demuc-3.1-an-toan-thong-tin-mang.66c59035.vi.html",
    "vn-phapdien-3.3": "corpus-more/vn/phapdien/demuc-3.3-cong-nghe-thong-tin.7812bcbd.vi.html",
    "vn-phapdien-3.4": "corpus-more/vn/phapdien/demuc-3.4-giao-dich-dien-tu.aac1fa20.vi.html",
    "vn-phapdien-3.5": "corpus/vn/phapdien/demuc-3.5-tan-so-vo-tuyen-dien.29b3d08e.vi.html",
    "vn-phapdien-3.6": "corpus-more/vn/phapdien/demuc-3.6-vien-thong.a20d4a54.vi.html",
    "vn-phapdien-34.10": (
        "corpus-more/vn/phapdien/demuc-34.10-kinh-doanh-dac-thu-incl-tmdt.3bcee07e.vi.html"
    ),
}
SOURCE_KINDS = ("taxonomy", "editorial", *CORPUS_SOURCES)
# An aligned official translation would be cited by its path in the shared corpus.
_CORPUS_PATH_RE = re.compile(r"^corpus(-more)?/[A-Za-z0-9._/-]+$")
_FIELDS = ("en", "vi", "domain", "source")

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class GlossaryEntry:
    """One concept: its English and Vietnamese terms, preferred first."""

    en: tuple[str, ...]
    vi: tuple[str, ...]
    domain: str
    source: str
    line: int
    en_words: tuple[Phrase, ...]  # folded words of each term, in the same order
    vi_words: tuple[Phrase, ...]


@dataclass(frozen=True)
class GlossaryProblem:
    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.path}:{self.line}: {where}{self.message}"


class GlossaryError(KBError):
    """The glossary file is unreadable or holds bad entries; ``problems`` lists each one."""

    title = "Invalid glossary"

    def __init__(self, problems: list[GlossaryProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def is_valid_source(source: str) -> bool:
    """A known source kind, or the corpus path of an aligned official translation."""
    return source in SOURCE_KINDS or bool(_CORPUS_PATH_RE.match(source))


def _terms(
    node: yaml.Node | None, field: str, where: int, problem: list[GlossaryProblem], path: str
) -> list[tuple[str, int]]:
    """(term, line) of a list-of-text field, reporting anything else."""
    if node is None:
        problem.append(GlossaryProblem(path, where, field, "required field is missing"))
        return []
    if not isinstance(node, yaml.SequenceNode):
        problem.append(
            GlossaryProblem(path, node.start_mark.line + 1, field, "expected a list of terms")
        )
        return []
    if not node.value:
        problem.append(GlossaryProblem(path, node.start_mark.line + 1, field, "must not be empty"))
    out = []
    for i, item in enumerate(node.value):
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.ScalarNode) or item.tag != "tag:yaml.org,2002:str":
            problem.append(GlossaryProblem(path, line, f"{field}[{i}]", "expected text"))
        elif not _words(item.value):
            problem.append(GlossaryProblem(path, line, f"{field}[{i}]", "has no words"))
        else:
            out.append((item.value.strip(), line))
    return out


def _scalar(
    node: yaml.Node | None, field: str, where: int, problems: list[GlossaryProblem], path: str
) -> str | None:
    if node is None:
        problems.append(GlossaryProblem(path, where, field, "required field is missing"))
        return None
    if not isinstance(node, yaml.ScalarNode) or not node.value.strip():
        problems.append(GlossaryProblem(path, node.start_mark.line + 1, field, "expected text"))
        return None
    return node.value.strip()


class _Composer(yaml.composer.Composer, yaml.resolver.Resolver):
    """The glossary's nodes composed one top-level item at a time (``items``).

    Composed whole, the 10,000-line file is a tree of some 20 MB of nodes and line marks,
    and the entries kept from it were scattered through the memory the tree had used: once
    the tree was freed, a server process kept about 10 MB it could neither use nor return.
    One item's nodes at a time never grow past a few kilobytes. ``events`` is a loader,
    read for its parser's events only."""

    def __init__(self, events: yaml.SafeLoader):
        yaml.composer.Composer.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self.check_event = events.check_event
        self.peek_event = events.peek_event
        self.get_event = events.get_event

    def items(self, shown: str, problems: list[GlossaryProblem]) -> Iterator[yaml.Node]:
        """Each node of the document's top-level list (as ``yaml.compose`` would give them);
        a document that is not a list is a problem, an empty stream has no items."""
        self.get_event()  # the stream's start
        if self.check_event(yaml.StreamEndEvent):
            return
        document = self.get_event()
        if self.check_event(yaml.SequenceStartEvent):
            self.get_event()  # an alias to the list itself is then undefined, as it is unusable
            while not self.check_event(yaml.SequenceEndEvent):
                yield self.compose_node(None, None)
            self.get_event()
        else:
            root = self.compose_node(None, None)
            if not _is_null(root):
                line = root.start_mark.line + 1
                problems.append(
                    GlossaryProblem(shown, line, "", "the glossary must be a list of entries")
                )
        self.get_event()  # the document's end
        if not self.check_event(yaml.StreamEndEvent):
            raise yaml.composer.ComposerError(
                "expected a single document in the stream", document.start_mark,
                "but found another document", self.get_event().start_mark)


def _is_null(node: yaml.Node) -> bool:
    """An empty document, which ``yaml.compose`` gives as None: nothing to read."""
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def parse(text: str, shown: str, loader: type[yaml.SafeLoader] = _Loader
          ) -> tuple[list[GlossaryEntry], list[GlossaryProblem]]:
    """Entries and problems of a glossary document (``shown`` names it in messages)."""
    problems: list[GlossaryProblem] = []
    entries: list[GlossaryEntry] = []
    pairs: dict[tuple[Phrase, Phrase], int] = {}
    try:
        for node in _Composer(loader(text)).items(shown, problems):
            entry = _entry(node, shown, pairs, problems)
            if entry is not None:
                entries.append(entry)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return [], [GlossaryProblem(shown, line, "", f"invalid YAML: {problem}")]
    return entries, problems


def _entry(node: yaml.Node, shown: str, pairs: dict[tuple[Phrase, Phrase], int],
           problems: list[GlossaryProblem]) -> GlossaryEntry | None:
    """One item of the list as an entry, or None with its problems reported; ``pairs`` holds
    the (English, Vietnamese) pairs of the entries before it, with their lines."""
    start = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        problems.append(GlossaryProblem(shown, start, "", "an entry must be a mapping"))
        return None
    fields: dict[str, yaml.Node] = {}
    for key, value in node.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
        if name not in _FIELDS:
            message = f"unknown field (expected {', '.join(_FIELDS)})"
            problems.append(GlossaryProblem(shown, key.start_mark.line + 1, name, message))
        elif name in fields:
            problems.append(
                GlossaryProblem(shown, key.start_mark.line + 1, name, "field given twice")
            )
        else:
            fields[name] = value
    before = len(problems)
    en = _terms(fields.get("en"), "en", start, problems, shown)
    vi = _terms(fields.get("vi"), "vi", start, problems, shown)
    domain = _scalar(fields.get("domain"), "domain", start, problems, shown)
    source = _scalar(fields.get("source"), "source", start, problems, shown)
    if domain is not None and domain not in DOMAINS:
        line = fields["domain"].start_mark.line + 1
        message = f"{domain!r} is not one of {', '.join(DOMAINS)}"
        problems.append(GlossaryProblem(shown, line, "domain", message))
    if source is not None and not is_valid_source(source):
        line = fields["source"].start_mark.line + 1
        message = (
            f"unknown source {source!r} (expected taxonomy, editorial, a vn-law-/"
            "vn-phapdien- id from kb/glossary.py or a corpus/ or corpus-more/ path)"
        )
        problems.append(GlossaryProblem(shown, line, "source", message))
    en_words = _distinct(en, "en", problems, shown)
    vi_words = _distinct(vi, "vi", problems, shown)
    for (_, line_en), key_en in zip(en, en_words, strict=True):
        for (_, line_vi), key_vi in zip(vi, vi_words, strict=True):
            first = pairs.setdefault((key_en, key_vi), line_en)
            if first != line_en:
                message = (
                    f"the pair {' '.join(key_en)!r} / {' '.join(key_vi)!r} is already "
                    f"in the entry at line {first}"
                )
                problems.append(GlossaryProblem(shown, max(line_en, line_vi), "en", message))
    if len(problems) > before:
        return None
    return GlossaryEntry(
        en=tuple(t for t, _ in en),
        vi=tuple(t for t, _ in vi),
        domain=str(domain),
        source=str(source),
        line=start,
        en_words=tuple(en_words),
        vi_words=tuple(vi_words),
    )


def _distinct(
    terms: list[tuple[str, int]], field: str, problems: list[GlossaryProblem], shown: str
) -> list[Phrase]:
    """Folded words of each term; two terms of one entry that fold alike are one term."""
    out: list[Phrase] = []
    for i, (term, line) in enumerate(terms):
        key = tuple(_words(term))
        if key in out:
            message = f"{term!r} repeats an earlier term (case and diacritics are ignored)"
            problems.append(GlossaryProblem(shown, line, f"{field}[{i}]", message))
        out.append(key)
    return out


def glossary(path: Path | None = None) -> tuple[GlossaryEntry, ...]:
    """Every entry of the glossary (the bundled one by default); raises GlossaryError.
    Read once per path: the cache is keyed on the resolved path, however it is called."""
    return _load(Path(path) if path is not None else GLOSSARY_PATH)


@lru_cache(maxsize=8)
def _load(target: Path) -> tuple[GlossaryEntry, ...]:
    shown = str(target)
    try:
        text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GlossaryError([GlossaryProblem(shown, 1, "", f"cannot read file: {exc}")]) from exc
    entries, problems = parse(text, shown)
    if problems:
        raise GlossaryError(problems)
    return tuple(entries)


@dataclass(frozen=True)
class _Index:
    # folded phrase -> (entry, "en" or "vi") for each entry holding it, in file order
    phrases: dict[Phrase, tuple[tuple[GlossaryEntry, str], ...]]
    longest: int


def _index(path: Path | None = None) -> _Index:
    return _build_index(Path(path) if path is not None else GLOSSARY_PATH)


@lru_cache(maxsize=8)
def _build_index(path: Path) -> _Index:
    found: dict[Phrase, list[tuple[GlossaryEntry, str]]] = {}
    for entry in glossary(path):
        for lang, keys in (("en", entry.en_words), ("vi", entry.vi_words)):
            for key in keys:
                slot = found.setdefault(key, [])
                if (entry, lang) not in slot:
                    slot.append((entry, lang))
    longest = max((len(k) for k in found), default=0)
    return _Index({k: tuple(v) for k, v in found.items()}, longest)


def translations(phrase_words: tuple[str, ...], path: Path | None = None) -> list[Phrase]:
    """The other language's phrases (folded words) for a folded phrase in either language.

    A phrase spelled alike in both languages ("internet") gets both sides' counterparts; the
    phrase itself is never returned. Order: entries in file order, preferred terms first.
    """
    key = tuple(phrase_words)
    out: list[Phrase] = []
    for entry, lang in _index(path).phrases.get(key, ()):
        for other in entry.vi_words if lang == "en" else entry.en_words:
            if other != key and other not in out:
                out.append(other)
    return out


def longest_matches(
    words: list[str], path: Path | None = None
) -> list[tuple[int, int, GlossaryEntry]]:
    """Glossary phrases inside a folded word sequence: (start, end, entry), by start.

    Longest phrases are taken first, then shorter ones in the gaps they leave, so "bên kiểm
    soát dữ liệu cá nhân" is one match, not "dữ liệu cá nhân" plus stray words. A span whose
    phrase belongs to several entries is returned once per entry.
    """
    index = _index(path)
    seq = list(words)
    candidates: list[tuple[int, int]] = []
    for start in range(len(seq)):
        for size in range(min(index.longest, len(seq) - start), 0, -1):
            if tuple(seq[start : start + size]) in index.phrases:
                candidates.append((start, start + size))
    candidates.sort(key=lambda span: (span[0] - span[1], span[0]))
    taken = [False] * len(seq)
    chosen: list[tuple[int, int]] = []
    for start, end in candidates:
        if not any(taken[start:end]):
            chosen.append((start, end))
            for i in range(start, end):
                taken[i] = True
    chosen.sort()
    out: list[tuple[int, int, GlossaryEntry]] = []
    for start, end in chosen:
        seen: set[int] = set()
        for entry, _ in index.phrases[tuple(seq[start:end])]:
            if id(entry) not in seen:
                seen.add(id(entry))
                out.append((start, end, entry))
    return out


def vietnamese_words(path: Path | None = None) -> frozenset[Phrase]:
    """Multi-syllable Vietnamese terms as folded syllable tuples: a word list for segmenting
    Vietnamese text into words ("dữ liệu", "tần số") rather than syllables."""
    return _vietnamese_words(Path(path) if path is not None else GLOSSARY_PATH)


@lru_cache(maxsize=8)
def _vietnamese_words(path: Path) -> frozenset[Phrase]:
    return frozenset(key for e in glossary(path) for key in e.vi_words if len(key) > 1)


def english_stop_collisions(path: Path | None = None) -> list[tuple[int, str]]:
    """(line, term) of one-syllable Vietnamese terms that fold onto an English function word:
    matched in an English query they would expand nonsense, so the glossary avoids them."""
    return [
        (e.line, term)
        for e in glossary(path)
        for term, key in zip(e.vi, e.vi_words, strict=True)
        if len(key) == 1 and key[0] in STOP_WORDS_EN
    ]
