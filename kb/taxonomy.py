"""Sectors, topics and jurisdictions: labels in English, Vietnamese and other languages,
synonyms, tagging cues, groups.

The taxonomy does three jobs: it validates the tags of every record, it tags provisions (see
``kb.tagging``, which reads labels, synonyms and cues in every language), and it expands queries
across languages (a query that names a topic in Vietnamese also finds English texts tagged with
that topic). Query expansion uses the English and Vietnamese names only; names in other
languages resolve a typed topic and tag texts written in them.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from kb.errors import InvalidQuery
from kb.text import analyze, fold

DATA_DIR = Path(__file__).parent
SECTORS = ("telecom", "spectrum", "digital-economy", "ipef")

# libyaml's safe loader when PyYAML has it: the taxonomy is read by every process that starts
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


LangTerms = tuple[tuple[str, tuple[str, ...]], ...]  # ((lang, (term, ...)), ...)
TOPIC_FIELDS = ("label", "label_vi", "synonyms", "synonyms_vi", "taped", "labels", "cues")
_LANG_RE = re.compile(r"[a-z]{2,3}")


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used; the message names the file, line and field."""


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    label_vi: str
    synonyms: tuple[str, ...] = ()
    synonyms_vi: tuple[str, ...] = ()
    taped: str | None = None
    other_names: LangTerms = ()  # ``labels:`` of the file: names in languages besides en and vi
    cues: LangTerms = ()  # tagging-only terms, by language

    def names_in(self, lang: str) -> tuple[str, ...]:
        """The topic's names in one language (label first)."""
        if lang == "en":
            return (self.label, *self.synonyms)
        if lang == "vi":
            return (self.label_vi, *self.synonyms_vi)
        return next((terms for code, terms in self.other_names if code == lang), ())

    def all_names(self) -> tuple[str, ...]:
        """Every name in every language: what resolves a typed topic and tags a text."""
        return (*self.labels(), *(n for _, terms in self.other_names for n in terms))

    def cues_in(self, lang: str | None = None) -> tuple[str, ...]:
        """Tagging cues of one language, or of all languages."""
        return tuple(c for code, terms in self.cues if lang in (None, code) for c in terms)

    @property
    def parent(self) -> str | None:
        return self.id.rsplit("/", 1)[0] if "/" in self.id else None

    @property
    def sector(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def is_sector(self) -> bool:
        return "/" not in self.id

    def labels(self) -> tuple[str, ...]:
        """Every name of the topic, both languages."""
        return (self.label, self.label_vi, *self.synonyms, *self.synonyms_vi)

    def display(self, lang: str = "en") -> str:
        return self.label_vi if lang == "vi" else self.label


@lru_cache(maxsize=4096)
def tag_token(topic_id: str) -> str:
    """A single index term standing for a topic (FTS tokenizers split on / and -)."""
    return "tag" + re.sub(r"[^a-z0-9]", "", topic_id.replace("/", "0"))


@dataclass
class Taxonomy:
    topics: dict[str, Topic]  # sectors included, keyed by id

    @classmethod
    def load(cls, path: Path | None = None) -> Taxonomy:
        """Read and check a taxonomy file; a mistake raises ``TaxonomyError`` naming the file,
        line and field, since a typo here would silently mis-tag every text."""
        path = path or DATA_DIR / "taxonomy.yaml"
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_YAML_LOADER) or {}  # noqa: S506 - a safe loader
        root = yaml.compose(text, Loader=_YAML_LOADER)
        topics: dict[str, Topic] = {}
        for section in ("sectors", "topics"):
            for topic_id, spec in (data.get(section) or {}).items():
                where = _Where(path, root, section, topic_id)
                _check_topic(where, topic_id, spec, section, topics)
                topics[topic_id] = Topic(
                    id=topic_id,
                    label=spec["label"],
                    label_vi=spec["label_vi"],
                    synonyms=tuple(spec.get("synonyms") or ()),
                    synonyms_vi=tuple(spec.get("synonyms_vi") or ()),
                    taped=spec.get("taped"),
                    other_names=_lang_terms(spec.get("labels")),
                    cues=_lang_terms(spec.get("cues")),
                )
        _check_unique_names(path, root, topics)
        return cls(topics)

    @property
    def sectors(self) -> list[Topic]:
        return [t for t in self.topics.values() if t.is_sector]

    def __contains__(self, topic_id: str) -> bool:
        return topic_id in self.topics

    def get(self, topic_id: str) -> Topic:
        return self.topics[topic_id]

    def ancestors(self, topic_id: str) -> list[str]:
        """The topic and every topic above it, up to its sector."""
        chain = [topic_id]
        while "/" in chain[-1]:
            chain.append(chain[-1].rsplit("/", 1)[0])
        return chain

    def descendants(self, topic_id: str) -> list[str]:
        prefix = topic_id + "/"
        return [t for t in self.topics if t == topic_id or t.startswith(prefix)]

    def with_ancestors(self, topic_ids: list[str]) -> list[str]:
        out: list[str] = []
        for topic_id in topic_ids:
            for t in self.ancestors(topic_id):
                if t not in out:
                    out.append(t)
        return out

    @cached_property
    def _by_name(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for topic in self.topics.values():
            for name in (topic.id, *topic.all_names()):
                names.setdefault(" ".join(analyze(name)), topic.id)
        return names

    def resolve(self, name: str) -> str:
        """A topic id from its id, label or synonym in either language (diacritics optional)."""
        if name in self.topics:
            return name
        key = " ".join(analyze(name))
        if key in self._by_name:
            return self._by_name[key]
        close = difflib.get_close_matches(key, list(self._by_name), n=3, cutoff=0.6)
        hint = ", ".join(dict.fromkeys(self._by_name[c] for c in close))
        hint = f"did you mean {hint}? " if hint else ""
        raise InvalidQuery(f"unknown topic: {name!r} ({hint}see kb topics or GET /v1/topics)")

    def phrases(self) -> list[tuple[tuple[str, ...], str]]:
        return self._phrases

    @cached_property
    def _phrases(self) -> list[tuple[tuple[str, ...], str]]:
        """(analyzed phrase, topic id) for every label and synonym, longest first."""
        out = []
        for topic in self.topics.values():
            if topic.is_sector:
                continue
            for name in topic.labels():
                terms = tuple(analyze(name))
                if terms:
                    out.append((terms, topic.id))
        out.sort(key=lambda item: -len(item[0]))
        return out

    @cached_property
    def vietnamese_syllables(self) -> frozenset[str]:
        """Folded syllables of the Vietnamese labels and synonyms that no English label,
        synonym or function word uses: one of them in a query typed without marks says the
        query is Vietnamese."""
        from kb.text import STOP_WORDS_EN, fold, words

        vi: set[str] = set()
        en: set[str] = set(STOP_WORDS_EN)
        for topic in self.topics.values():
            for name in (topic.label_vi, *topic.synonyms_vi):
                vi.update(words(fold(name)))
            for name in (topic.label, *topic.synonyms):
                en.update(words(fold(name)))
        return frozenset(w for w in vi - en if w.isalpha() and len(w) > 1)

    @cached_property
    def phrase_topics(self) -> dict[tuple[str, ...], str]:
        """Analyzed phrase -> topic id (the first topic in ``phrases`` order naming it)."""
        found: dict[tuple[str, ...], str] = {}
        for phrase, topic_id in self._phrases:
            found.setdefault(phrase, topic_id)
        return found

    def find_topics(self, text: str) -> list[str]:
        """Topics whose label or synonym occurs in the text (used for tagging and expansion)."""
        terms = analyze(text)
        if not terms:
            return []
        joined = " " + " ".join(terms) + " "
        found: list[str] = []
        for phrase, topic_id in self._phrases:
            if topic_id not in found and f" {' '.join(phrase)} " in joined:
                found.append(topic_id)
        return found

    def expansion_phrases(self, topic_id: str) -> list[tuple[str, ...]]:
        """Every label and synonym of a topic, analyzed: what a query naming it also matches."""
        topic = self.topics[topic_id]
        seen: list[tuple[str, ...]] = []
        for name in topic.labels():
            terms = tuple(analyze(name))
            if terms and terms not in seen:
                seen.append(terms)
        return seen


def _lang_terms(spec: dict | None) -> LangTerms:
    return tuple((lang, tuple(str(t) for t in terms)) for lang, terms in (spec or {}).items())


@dataclass
class _Where:
    """Locates a field of one topic in the file, for error messages."""

    path: Path
    root: yaml.Node | None
    section: str
    topic_id: str

    def line(self, *keys: str) -> int:
        node = self.root
        for key in (self.section, self.topic_id, *keys):
            if not isinstance(node, yaml.MappingNode):
                break
            found = next((v for k, v in node.value if k.value == key), None)
            if found is None:
                break
            node = found
        return (node.start_mark.line + 1) if node is not None else 0

    def error(self, message: str, *keys: str) -> TaxonomyError:
        field_name = ".".join((self.section, self.topic_id, *keys))
        return TaxonomyError(f"{self.path}:{self.line(*keys)}: {field_name}: {message}")


def _check_topic(where: _Where, topic_id: str, spec: object, section: str,
                 seen: dict[str, Topic]) -> None:
    if not isinstance(spec, dict):
        raise where.error("expected a mapping of fields")
    unknown = sorted(set(spec) - set(TOPIC_FIELDS))
    if unknown:
        raise where.error(f"unknown field {unknown[0]!r} (allowed: {', '.join(TOPIC_FIELDS)})",
                          unknown[0])
    for key in ("label", "label_vi"):
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise where.error("a non-empty text is required", key)
    for key in ("synonyms", "synonyms_vi"):
        _check_list(where, spec.get(key), key)
    if section == "topics" and topic_id.rsplit("/", 1)[0] not in seen:
        raise where.error(f"parent {topic_id.rsplit('/', 1)[0]!r} is not defined above it")
    for key in ("labels", "cues"):
        value = spec.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise where.error("expected {language: [terms]}", key)
        for lang, terms in value.items():
            if not isinstance(lang, str) or not _LANG_RE.fullmatch(lang):
                raise where.error(f"{lang!r} is not an ISO 639 language code", key)
            if key == "labels" and lang in ("en", "vi"):
                raise where.error(f"{lang} names go in label{'_vi' if lang == 'vi' else ''} and "
                                  f"synonyms{'_vi' if lang == 'vi' else ''}", key, lang)
            _check_list(where, terms, key, lang, required=True)


def _check_list(where: _Where, value: object, *keys: str, required: bool = False) -> None:
    if value is None and not required:
        return
    if not isinstance(value, list) or (required and not value):
        raise where.error("expected a non-empty list of terms" if required
                          else "expected a list of terms", *keys)
    for term in value:
        if not isinstance(term, str) or not term.strip() or not analyze(term):
            raise where.error(f"{term!r} is not a term (empty, or no letters)", *keys)


def _check_unique_names(path: Path, root: yaml.Node | None, topics: dict[str, Topic]) -> None:
    """A name in ``labels`` belongs to one topic only, or resolving it would be a guess."""
    owner: dict[tuple[str, str], str] = {}
    for topic in topics.values():
        for lang, terms in topic.other_names:
            for term in terms:
                key = (lang, " ".join(analyze(term)))
                other = owner.setdefault(key, topic.id)
                if other != topic.id:
                    section = "sectors" if topic.is_sector else "topics"
                    where = _Where(path, root, section, topic.id)
                    raise where.error(f"{term!r} also names {other}", "labels", lang)


@dataclass
class Jurisdictions:
    entries: dict[str, dict]
    groups: dict[str, dict]
    _members: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> Jurisdictions:
        data = yaml.load(  # noqa: S506 - a safe loader
            (path or DATA_DIR / "jurisdictions.yaml").read_text(encoding="utf-8"),
            Loader=_YAML_LOADER)
        entries = {code: dict(spec, code=code) for code, spec in data["jurisdictions"].items()}
        members: dict[str, list[str]] = {g: [] for g in data.get("groups", {})}
        for code, spec in entries.items():
            for group in spec.get("groups") or []:
                members.setdefault(group, []).append(code)
        return cls(entries, data.get("groups", {}), members)

    def __contains__(self, code: str) -> bool:
        return code in self.entries

    def name(self, code: str, lang: str = "en") -> str:
        spec = self.entries.get(code)
        if not spec:
            return code.upper()
        return spec.get("name_vi") if lang == "vi" and spec.get("name_vi") else spec["name"]

    def groups_of(self, code: str) -> list[str]:
        return list(self.entries.get(code, {}).get("groups") or [])

    def members(self, group: str) -> list[str]:
        return list(self._members.get(group, []))

    def by_alpha3(self, alpha3: str) -> str | None:
        alpha3 = alpha3.upper()
        for code, spec in self.entries.items():
            if spec.get("alpha3") == alpha3:
                return code
        return None

    def expand(self, names: list[str]) -> list[str]:
        """Jurisdiction codes from codes and group names (``ipef`` -> its 14 members)."""
        out: list[str] = []
        for raw in names:
            name = fold(raw.strip())
            if name in self.groups and name not in self.entries:
                codes = self.members(name)
            elif name in self.entries:
                codes = [name]
            elif name in self.groups:
                codes = self.members(name)
            else:
                def bare(text: str) -> str:
                    return re.sub(r"[\W_]+", "", fold(text))

                key = bare(name)
                named = [c for c, spec in self.entries.items()
                         if key and key in {bare(spec["name"]), bare(spec.get("name_vi") or ""),
                                            bare(spec.get("alpha3") or "")}]
                hint = f"did you mean {named[0]}? " if named else ""
                raise InvalidQuery(
                    f"unknown jurisdiction or group: {raw!r} ({hint}use an ISO 3166-1 alpha-2 "
                    "code, eu, int, or a group such as ipef; see kb jurisdictions)"
                )
            out.extend(c for c in codes if c not in out)
        return out


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


@lru_cache(maxsize=1)
def jurisdictions() -> Jurisdictions:
    return Jurisdictions.load()
