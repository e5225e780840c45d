"""A plain BM25 ranker over the same texts, as the yardstick for regkb's search quality.

The issue that set the quality targets compares regkb with "plain BM25 over the same articles,
where any word may match and matches are ranked". This is that ranker, built with the same
engine (tantivy) and the same analysis (``kb.text``: folding, Porter stems), so that only the
ranking differs: one text field per document (a provision's number and heading, its
instrument's title, the curated summary and the body, run together), no field weights, no
pair terms, no bonuses, no topics, no translations, no minimum of words. A query is the
disjunction of its words' stems, function words left out as regkb leaves them out, and the
engine returns its exact BM25 top k (block-max WAND over a flat union of terms).

``benchmarks/quality_at_scale.py --reference`` runs it beside regkb on the corpus alone and
with the distractors, so the two drops can be compared.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import tantivy

from kb.documents import IndexDoc
from kb.search import FIELD_WEIGHTS, SearchQuery, looks_vietnamese
from kb.text import is_stop_word, query_words, stem, stemmed

WRITER_HEAP = 1_000_000_000


@dataclass
class ReferenceHit:
    id: str
    score: float


@dataclass
class ReferenceResult:
    total: int
    hits: list[ReferenceHit] = field(default_factory=list)


def document_text(doc: IndexDoc) -> str:
    """Every searchable text field of an index document, stemmed, run together."""
    return " ".join(stemmed(doc.get(name) or "") for name in FIELD_WEIGHTS)


def query_stems(text: str) -> list[str]:
    """The stems of a query's words, function words left out, each once."""
    tagged = query_words(text)
    vietnamese = looks_vietnamese(tagged)
    stems = [stem(w) for w, typed in tagged if not is_stop_word(w, typed, vietnamese)]
    return list(dict.fromkeys(stems))


class PlainBM25:
    """A one-field tantivy index of the documents, searched as a flat union of words; it
    answers ``search`` as ``benchmarks.quality.evaluate`` asks a knowledge base."""

    def __init__(self, docs: Iterable[IndexDoc], folder: Path | None = None):
        self._tmp = None if folder else tempfile.TemporaryDirectory(prefix="regkb-bm25-")
        path = folder or Path(self._tmp.name)  # type: ignore[union-attr]
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
        builder.add_text_field("text", tokenizer_name="whitespace", index_option="freq")
        self.schema = builder.build()
        index = tantivy.Index(self.schema, path=str(path))
        writer = index.writer(WRITER_HEAP, 1)
        self.documents = 0
        for doc in docs:
            out = tantivy.Document()
            out.add_text("id", doc["id"])
            out.add_text("text", document_text(doc))
            writer.add_document(out)
            self.documents += 1
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        self.searcher = index.searcher()

    def query(self, text: str) -> tantivy.Query | None:
        """The union of the text's stems; None when it has only function words."""
        stems = query_stems(text)
        if not stems:
            return None
        return tantivy.Query.boolean_query([
            (tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "text", s))
            for s in stems
        ])

    def search(self, query: SearchQuery) -> ReferenceResult:
        q = self.query(query.text or "")
        if q is None:
            return ReferenceResult(total=0)
        found = self.searcher.search(q, query.limit, count=True)
        hits = [ReferenceHit(self.searcher.doc(a)["id"][0], score) for score, a in found.hits]
        return ReferenceResult(total=found.count or 0, hits=hits)

    def close(self) -> None:
        self.searcher = None  # type: ignore[assignment]
        if self._tmp is not None:
            self._tmp.cleanup()
