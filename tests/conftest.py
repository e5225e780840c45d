"""Shared fixtures: an isolated KB home, the real corpus, backends for the contract suite."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("KB_CORPUS", ROOT.parent / "shared" / "corpus"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        help="rewrite tests/examples/**/*.expected.json from the parsers' output",
    )


def _required(var: str) -> bool:
    return os.environ.get(var, "") not in ("", "0", "false")


@pytest.fixture(scope="session")
def corpus() -> Path:
    """../shared/corpus; skipped where absent unless KB_REQUIRE_CORPUS=1 (CI sets it)."""
    if not CORPUS.is_dir():
        if _required("KB_REQUIRE_CORPUS"):
            pytest.fail(f"KB_REQUIRE_CORPUS is set but {CORPUS} does not exist")
        pytest.skip(f"corpus not found at {CORPUS} (set KB_CORPUS to point at it)")
    return CORPUS


@pytest.fixture()
def kb_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh KB_HOME for one test, with settings re-read."""
    from kb.config import get_settings

    home = tmp_path / "kbhome"
    monkeypatch.setenv("KB_HOME", str(home))
    monkeypatch.setenv("KB_BACKEND", "embedded")
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def es_url() -> str:
    """A running Elasticsearch node (KB_TEST_ELASTICSEARCH_URL).

    Skipped when unset, unless KB_REQUIRE_ELASTICSEARCH=1 (CI), where a missing or unhealthy
    node is a failure.
    """
    url = os.environ.get("KB_TEST_ELASTICSEARCH_URL", "")
    required = _required("KB_REQUIRE_ELASTICSEARCH")
    if not url:
        if required:
            pytest.fail("KB_REQUIRE_ELASTICSEARCH is set but KB_TEST_ELASTICSEARCH_URL is not")
        pytest.skip(
            "no Elasticsearch node (start one: scripts/elasticsearch.sh start, then "
            "export KB_TEST_ELASTICSEARCH_URL=http://127.0.0.1:9200)"
        )
    import httpx

    try:
        httpx.get(f"{url}/_cluster/health?wait_for_status=yellow&timeout=10s", timeout=15)
    except httpx.HTTPError as exc:
        if required:
            pytest.fail(f"Elasticsearch at {url} is not answering: {exc}")
        pytest.skip(f"Elasticsearch at {url} is not answering: {exc}")
    return url


def elastic_backend(url: str, prefix: str | None = None):
    from elasticsearch import Elasticsearch

    from kb.backends.elastic import ElasticBackend

    return ElasticBackend(
        Elasticsearch(url, request_timeout=30), prefix or f"regkb-test-{uuid.uuid4().hex[:10]}"
    )


def drop_prefix(backend) -> None:
    backend.es.indices.delete(
        index=f"{backend.prefix}-*", ignore_unavailable=True, allow_no_indices=True
    )


@pytest.fixture()
def es_backend(es_url: str) -> Iterator:
    backend = elastic_backend(es_url)
    yield backend
    drop_prefix(backend)
    backend.close()


def quality_module():
    """benchmarks/quality.py: the judged queries and the corpus import they run on."""
    import importlib.util
    import sys

    if "regkb_quality" in sys.modules:
        return sys.modules["regkb_quality"]
    path = ROOT / "benchmarks" / "quality.py"
    spec = importlib.util.spec_from_file_location("regkb_quality", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["regkb_quality"] = module  # dataclasses look their module up while made
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def corpus_home(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A record store with every file of ../shared/corpus imported, once per session."""
    from kb.config import Settings
    from kb.core import KnowledgeBase

    home = tmp_path_factory.mktemp("corpus-home")
    kb = KnowledgeBase(Settings(home=home))
    quality_module().import_corpus(kb, corpus)
    kb.close()
    return home


@pytest.fixture(scope="session")
def corpus_embedded(corpus_home: Path) -> Iterator:
    """The corpus indexed on the embedded backend (a KnowledgeBase)."""
    from kb.backends.embedded import TantivyBackend
    from kb.config import Settings
    from kb.core import KnowledgeBase

    kb = KnowledgeBase(Settings(home=corpus_home), backend=TantivyBackend(corpus_home / "index"))
    kb.index()
    yield kb
    kb.close()


@pytest.fixture(scope="session")
def corpus_elasticsearch(corpus_home: Path, es_url: str) -> Iterator:
    """The corpus indexed on Elasticsearch (a KnowledgeBase)."""
    from kb.config import Settings
    from kb.core import KnowledgeBase

    es = elastic_backend(es_url)
    kb = KnowledgeBase(Settings(home=corpus_home), backend=es)
    kb.index()
    yield kb
    drop_prefix(es)
    kb.close()


def corpus_kb(request: pytest.FixtureRequest, backend: str):
    """The corpus knowledge base of one backend, by name."""
    return request.getfixturevalue(f"corpus_{backend}")


# -- the API on a knowledge base of a test's own -------------------------------------------
def app_on(kb):
    """The app answering from ``kb`` (its ``get_kb`` dependency overridden)."""
    from api.app import create_app
    from api.deps import get_kb

    app = create_app()
    app.dependency_overrides[get_kb] = lambda: kb
    return app


@contextmanager
def api_client(kb) -> Iterator:
    """A test client of ``app_on(kb)``, start-up run; a server error is an answer, not a
    raised exception, as a client would see it."""
    from fastapi.testclient import TestClient

    with TestClient(app_on(kb), raise_server_exceptions=False) as client:
        yield client


def indexed_kb(home: Path, recs: list, kb_class: type | None = None):
    """A knowledge base (of ``kb_class``, a KnowledgeBase by default) in ``home`` whose
    embedded index holds ``recs`` (and nothing else)."""
    from kb.backends.embedded import TantivyBackend
    from kb.config import Settings
    from kb.core import KnowledgeBase
    from kb.documents import record_docs

    backend = TantivyBackend(home / "index")
    backend.rebuild(record_docs(recs))
    return (kb_class or KnowledgeBase)(Settings(home=home), backend=backend)
