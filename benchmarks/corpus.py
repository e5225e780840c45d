"""A deterministic synthetic corpus for benchmarks: N provisions that look like the real thing.

Vocabulary is drawn from the real texts in ../shared/corpus when present (so term frequencies
are legal-text-like): English texts for English instruments, Vietnamese ones for Vietnamese
instruments; otherwise from a small built-in list. The
jurisdiction spread follows the bundled entries (IPEF partners and the EU heavy, a long tail of
others), topics come from the taxonomy, lengths are log-normal around a typical article.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

from kb.ingest import instrument_topics, tag_provisions
from kb.models import Dates, Instrument, Provision
from kb.taxonomy import taxonomy

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PROVISIONS_PER_INSTRUMENT = 50
JURISDICTIONS = (
    ["vn"] * 12 + ["sg", "jp", "kr", "au", "us", "eu", "in"] * 5
    + ["my", "th", "id", "ph", "nz", "gb"] * 3 + ["bn", "fj", "cn", "ca", "cl", "mx", "pe"]
)
FALLBACK = {
    "en": "party parties shall endeavour ensure transfer information electronic means personal "
    "data protection measure legitimate public policy objective spectrum licence auction "
    "frequency operator telecommunications service network subscriber registration authority "
    "regulation",
    "vi": "tần số vô tuyến điện đấu giá quyền sử dụng dữ liệu cá nhân doanh nghiệp viễn thông "
    "bảo vệ thông tin mạng cơ quan nhà nước quy định",
}


def vocabulary(language: str, limit_files: int = 12) -> list[str]:
    """Words of the real corpus in that language, repeated as often as they occur
    (Zipf-like sampling)."""
    words: list[str] = []
    if CORPUS.is_dir():
        files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".md", ".xml", ".html"))
        files = [p for p in files if (".vi." in p.name) == (language == "vi")]
        files = [p for p in files if "MISMATCH" not in p.name and "EMPTY" not in p.name]
        for path in files[:limit_files]:
            text = path.read_text(encoding="utf-8", errors="ignore")
            text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
            text = re.sub(r"<[^>]+>", " ", text)
            words.extend(w for w in re.findall(r"[^\W\d_]{2,}", text)[:60_000])
    return words or FALLBACK[language].split() * 50


def generate(n_provisions: int, seed: int = 7, tags: str = "random") -> Iterator[Instrument]:
    """Instruments of 50 provisions each, N provisions in all, identical for a given seed.

    ``tags``: ``random`` gives each provision one of two topics drawn for its instrument,
    whatever its words (the speed benchmarks filter and facet on them); ``import`` tags the
    texts as ``kb import`` tags a text it reads (``kb.ingest``: a provision's topics from its
    own words, the instrument's from its title and provisions), so a topic means what it
    means in a real knowledge base, where no tag is put on a text that does not name it.
    """
    if tags not in ("random", "import"):
        raise ValueError(f"tags: random or import, not {tags!r}")
    rng = random.Random(seed)
    vocabularies = {lang: vocabulary(lang) for lang in ("en", "vi")}
    topics = [t for t in taxonomy().topics if "/" in t]
    made = 0
    i = 0
    while made < n_provisions:
        i += 1
        jur = rng.choice(JURISDICTIONS)
        year = rng.randint(1995, 2025)
        inst_topics = rng.sample(topics, 2)
        language = rng.choice(["en", "en", "vi"])
        words = vocabularies[language]
        count = min(PROVISIONS_PER_INSTRUMENT, n_provisions - made)
        provisions = []
        for k in range(1, count + 1):
            length = max(8, int(rng.lognormvariate(4.4, 0.6)))  # ~80 words median
            text = " ".join(rng.choice(words) for _ in range(length))
            heading = " ".join(rng.choice(words) for _ in range(rng.randint(2, 6)))
            provisions.append(Provision(
                eid=f"art_{k}", number=f"Article {k}", heading=heading, text=text,
                path=[f"Chapter {1 + k // 10}"], topics=[rng.choice(inst_topics)],
            ))
        made += count
        title = " ".join(rng.choice(words) for _ in range(rng.randint(3, 9))).capitalize()
        if tags == "import":
            provisions = tag_provisions([p.model_copy(update={"topics": []})
                                         for p in provisions])
            inst_topics = instrument_topics(title, provisions)
        yield Instrument(
            id=f"/akn/{jur}/act/{year}/bench-{i}",
            title=title,
            jurisdiction=jur,
            doc_type=rng.choice(["act", "decree", "regulation", "circular"]),
            status=rng.choice(["in-force", "in-force", "in-force", "amended", "repealed"]),
            dates=Dates(adopted=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"),
            sectors=sorted({t.split("/")[0] for t in inst_topics}),
            topics=inst_topics,
            language=language,
            summary=" ".join(rng.choice(words) for _ in range(40)),
            source_url=f"https://example.org/bench/{i}",
            origin="imported",
            provisions=provisions,
        )


QUERIES = [
    # (label, parameters) - a fixed mix of plain, filtered, faceted and Vietnamese queries
    ("plain", {"text": "personal data"}),
    ("plain", {"text": "transfer of information"}),
    ("plain", {"text": "spectrum licence"}),
    ("plain", {"text": "operator shall"}),
    ("phrase", {"text": '"public policy"'}),
    ("filtered", {"text": "data", "jurisdictions": ["vn"], "facets": False}),
    ("filtered", {"text": "service", "jurisdictions": ["ipef"], "kinds": ["provision"],
                  "facets": False}),
    ("filtered", {"text": "authority", "statuses": ["in-force"], "date_from": "2010-01-01",
                  "facets": False}),
    ("topic", {"text": "measure", "topics": ["digital-economy/cross-border-data"]}),
    ("faceted", {"text": "protection"}),
    ("faceted", {"text": "network", "sectors": ["telecom"]}),
    ("vietnamese", {"text": "tần số vô tuyến"}),
    ("vietnamese", {"text": "dữ liệu cá nhân"}),
    ("vietnamese", {"text": "dau gia"}),
    ("expanded", {"text": "spectrum auction"}),
    ("expanded", {"text": "chuyển dữ liệu xuyên biên giới"}),
    ("browse", {"text": "", "jurisdictions": ["sg"]}),
]

# questions as people type them: eight words or more, every word optional (at least about a
# third must match), ranked by BM25 with the all-words and proximity bonuses
NATURAL_QUERIES = [
    ("natural-en", {"text": "which telecom operators must store subscriber data inside the "
                            "country"}),
    ("natural-en", {"text": "how are radio frequency licences assigned by auction to mobile "
                            "operators"}),
    ("natural-en", {"text": "what obligations apply when personal data is transferred to "
                            "another country"}),
    ("natural-en", {"text": "can a government require disclosure of source code from software "
                            "companies"}),
    ("natural-en", {"text": "rules for registering prepaid SIM cards with the identity of the "
                            "subscriber"}),
    ("natural-en", {"text": "penalties for network operators that fail to report a "
                            "cybersecurity incident"}),
    ("natural-en", {"text": "does the agreement prohibit customs duties on electronic "
                            "transmissions between the parties"}),
    ("natural-vi", {"text": "Doanh nghiệp viễn thông có phải lưu trữ dữ liệu người dùng tại "
                            "Việt Nam không"}),
    ("natural-vi", {"text": "quy định về đấu giá quyền sử dụng tần số vô tuyến điện cho mạng "
                            "di động"}),
    ("natural-vi", {"text": "cơ quan nhà nước nào có thẩm quyền cấp giấy phép kinh doanh dịch "
                            "vụ viễn thông"}),
    ("natural-vi", {"text": "điều kiện chuyển dữ liệu cá nhân ra nước ngoài theo quy định của "
                            "pháp luật"}),
    ("natural-vi", {"text": "doanh nghiep vien thong co phai luu tru du lieu nguoi dung tai "
                            "viet nam khong"}),
]
NATURAL = frozenset(label for label, _ in NATURAL_QUERIES)
ALL_QUERIES = QUERIES + NATURAL_QUERIES
