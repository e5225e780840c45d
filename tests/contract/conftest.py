"""The contract suite runs unchanged against every backend (parametrised fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.backends.base import Backend
from kb.backends.embedded import TantivyBackend
from kb.documents import record_docs
from tests.conftest import drop_prefix, elastic_backend
from tests.contract.records import records


def _make(kind: str, tmp: Path, request: pytest.FixtureRequest) -> Backend:
    if kind == "embedded":
        return TantivyBackend(tmp / "index")
    return elastic_backend(request.getfixturevalue("es_url"))


@pytest.fixture(scope="module", params=["embedded", "elasticsearch"])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """A backend with the contract records indexed (built once per module)."""
    backend = _make(request.param, tmp_path_factory.mktemp(request.param), request)
    backend.rebuild(record_docs(records()))
    yield backend
    if request.param == "elasticsearch":
        drop_prefix(backend)
    backend.close()


@pytest.fixture(params=["embedded", "elasticsearch"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """An empty backend for tests that rebuild."""
    backend = _make(request.param, tmp_path, request)
    yield backend
    if request.param == "elasticsearch":
        drop_prefix(backend)
    backend.close()
