"""Elasticsearch-specific behaviour on a real node: generations, aliases, failures, outages."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator

import pytest

from kb.backends.elastic import ElasticBackend, build_requests, build_search_body
from kb.config import Settings
from kb.core import KnowledgeBase
from kb.documents import record_docs
from kb.errors import BackendUnavailable, IndexBuildError
from kb.search import SearchQuery
from tests.conftest import api_client, drop_prefix, elastic_backend
from tests.contract.records import records


def alias_targets(backend: ElasticBackend) -> set[str]:
    found = backend.es.indices.get_alias(name=f"{backend.prefix}-*")
    return set(found)


def test_each_build_is_a_new_generation_and_old_ones_go(es_backend: ElasticBackend) -> None:
    es_backend.rebuild(record_docs(records()))
    assert es_backend.current_generation() == 1
    report = es_backend.rebuild(record_docs(records()))
    assert report.generation == "000002"
    assert alias_targets(es_backend) == {
        f"{es_backend.prefix}-{k}-000002" for k in ("instruments", "provisions", "case-notes")
    }
    assert es_backend.generations() == [2]


def test_interrupted_build_leaves_previous_generation_searchable(
    es_backend: ElasticBackend,
) -> None:
    es_backend.rebuild(record_docs(records()))
    before = es_backend.search(SearchQuery(text="personal data")).total

    def dies_halfway():
        for i, doc in enumerate(record_docs(records())):
            if i == 6:
                raise KeyboardInterrupt
            yield doc

    with pytest.raises(KeyboardInterrupt):
        es_backend.rebuild(dies_halfway())
    assert es_backend.current_generation() == 1
    assert es_backend.generations() == [1]  # the half-built generation was removed
    assert es_backend.search(SearchQuery(text="personal data")).total == before


def test_orphan_generation_from_a_killed_build_is_cleaned_up(es_backend: ElasticBackend) -> None:
    es_backend.rebuild(record_docs(records()))
    orphan = f"{es_backend.prefix}-provisions-000005"
    es_backend.es.indices.create(index=orphan, **es_backend.mapping("provisions"))
    report = es_backend.rebuild(record_docs(records()))
    assert report.generation == "000006"
    assert es_backend.generations() == [6]


def test_rejected_documents_fail_the_build_and_are_reported(es_backend: ElasticBackend) -> None:
    es_backend.rebuild(record_docs(records()))
    docs = list(record_docs(records()))
    docs[2] = {**docs[2], "date": "sometime in 2020"}
    with pytest.raises(IndexBuildError) as info:
        es_backend.rebuild(docs)
    assert docs[2]["id"] in str(info.value)
    assert info.value.rejected[0]["id"] == docs[2]["id"]  # type: ignore[attr-defined]
    assert "date" in info.value.rejected[0]["reason"]  # type: ignore[attr-defined]
    assert es_backend.current_generation() == 1


def test_a_generation_is_one_segment_sorted_newest_first(es_backend: ElasticBackend) -> None:
    es_backend.rebuild(record_docs(records()))
    segments = es_backend.es.indices.segments(index=es_backend.alias("provisions"))
    shards = segments["indices"][next(iter(segments["indices"]))]["shards"]["0"]
    assert len(shards[0]["segments"]) == 1
    settings = es_backend.es.indices.get_settings(index=es_backend.alias("provisions"))
    index_settings = next(iter(settings.values()))["settings"]["index"]
    assert index_settings["sort"] == {"field": "seq", "order": "asc"}


def test_show_query_is_the_request_body(es_backend: ElasticBackend) -> None:
    query = SearchQuery(text="spectrum auction", jurisdictions=["vn"])
    shown = es_backend.show_query(query)
    assert shown.startswith("POST /_msearch\n")
    lines = shown.splitlines()[1:]
    plan = query.parsed().plan()
    assert [json.loads(line) for line in lines[1::2]] == build_requests(query, plan)
    assert '"jurisdictions"' in shown and "tagspectrum0auction" in shown
    assert build_search_body(query, query.parsed().plan())["query"]["bool"]["filter"]


class Proxy:
    """A TCP relay in front of the real node, so a test can take the node away and back."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = 0
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []

    def start(self) -> None:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self.port = server.getsockname()[1]
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        if self._server:
            try:
                self._server.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            self._server.close()
        for conn in self._conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            except OSError:
                pass
        self._conns.clear()


@pytest.fixture()
def proxied(es_url: str) -> Iterator[tuple[ElasticBackend, Proxy]]:
    host, port = es_url.split("//")[1].split(":")
    proxy = Proxy((host, int(port)))
    proxy.start()
    direct = elastic_backend(es_url)
    direct.rebuild(record_docs(records()))
    via_proxy = elastic_backend(f"http://127.0.0.1:{proxy.port}", prefix=direct.prefix)
    yield via_proxy, proxy
    proxy.stop()
    drop_prefix(direct)
    direct.close()


def test_api_answers_503_while_the_node_is_away_and_recovers(
    proxied: tuple[ElasticBackend, Proxy],
) -> None:
    backend, proxy = proxied
    kb = KnowledgeBase(Settings(backend="elasticsearch"), backend=backend)
    with api_client(kb) as client:
        assert client.get("/v1/search", params={"q": "personal data"}).status_code == 200
        proxy.stop()
        res = client.get("/v1/search", params={"q": "personal data"})
        assert res.status_code == 503
        assert res.headers["content-type"].startswith("application/problem+json")
        assert "unreachable" in res.json()["detail"]
        health = client.get("/v1/health")
        assert health.status_code == 503 and "unreachable" in health.json()["detail"]
        proxy.start()
        assert client.get("/v1/search", params={"q": "personal data"}).status_code == 200
        assert client.get("/v1/health").json()["status"] == "ok"


def test_unreachable_cluster_is_backend_unavailable() -> None:
    backend = elastic_backend("http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(BackendUnavailable):
        backend.search(SearchQuery(text="x"))
    assert backend.health()["status"] == "unavailable"
    assert not backend.exists()


def test_cli_uses_the_configured_elasticsearch_backend(es_url: str, tmp_path) -> None:
    import json

    from typer.testing import CliRunner

    from kb.cli import app

    prefix = f"regkb-test-cli-{uuid.uuid4().hex[:8]}"
    env = {"KB_BACKEND": "elasticsearch", "KB_ELASTICSEARCH_URL": es_url,
           "KB_INDEX_PREFIX": prefix, "KB_HOME": str(tmp_path)}
    runner = CliRunner()
    try:
        assert runner.invoke(app, ["index"], env=env).exit_code == 0
        result = runner.invoke(app, ["search", "dau gia tan so", "--json"], env=env)
        assert result.exit_code == 0 and json.loads(result.stdout)["total"] > 0
        stats = json.loads(runner.invoke(app, ["stats", "--json"], env=env).stdout)
        assert stats["backend"] == "elasticsearch" and stats["health"]["status"] == "ok"
        assert stats["instruments"] >= 60
        shown = runner.invoke(app, ["search", "spectrum auction", "--show-query"], env=env)
        assert '"dfs_query_then_fetch"' in shown.stderr
        assert '"minimum_should_match"' in shown.stderr
    finally:
        drop_prefix(elastic_backend(es_url, prefix))


def test_comparisons_on_elasticsearch_match_the_embedded_backend(
    es_backend: ElasticBackend, tmp_path
) -> None:
    from kb.backends.embedded import TantivyBackend

    es_backend.rebuild(record_docs(records()))
    lite = TantivyBackend(tmp_path / "index")
    lite.rebuild(record_docs(records()))
    grids = [KnowledgeBase(Settings(home=tmp_path), backend=b).compare(
        ["digital-economy/cross-border-data", "spectrum/auction"], "ipef",
        agreements=["testfta"]) for b in (es_backend, lite)]
    assert grids[0].counts() == grids[1].counts()
    es_kb = KnowledgeBase(Settings(home=tmp_path), backend=es_backend)
    assert es_kb.coverage(["sg", "vn"]).counts == KnowledgeBase(
        Settings(home=tmp_path), backend=lite).coverage(["sg", "vn"]).counts
    near = es_kb.counterparts("/akn/sg/act/2012/26/~sec_26")
    assert "sg" not in near.groups and near.groups


def test_indices_of_older_mappings_are_not_taken_as_built(es_url: str) -> None:
    backend = elastic_backend(es_url)
    try:
        backend.rebuild(record_docs(records()))
        assert backend.exists()
        backend.es.indices.put_mapping(
            index=backend.alias("provisions"), meta={"regkb_mapping_version": 1}
        )
        assert not backend.exists()  # `kb serve` rebuilds rather than query old fields
        backend.rebuild(record_docs(records()))
        assert backend.exists()
    finally:
        drop_prefix(backend)


def test_suggestions_are_remembered_until_this_process_switches_the_aliases(
    es_backend: ElasticBackend,
) -> None:
    """Did-you-mean asks again for every page and facet of a search: the node is asked once
    per DOC_FREQ_TTL seconds, and a rebuild by this process forgets what it was told."""
    es_backend.rebuild(record_docs(records()))
    assert "person" in dict(es_backend.suggest_terms("persn", 1, 1))
    other = ElasticBackend(es_backend.es, prefix=es_backend.prefix)  # another process
    docs = list(record_docs(records()))
    first = next(i for i, doc in enumerate(docs) if doc["kind"] == "provision")
    docs[first] = {**docs[first], "a_body": "persen persen persen"}  # as analysed
    other.rebuild(iter(docs))
    assert "persen" not in dict(es_backend.suggest_terms("persn", 1, 1))  # remembered
    assert "persen" in dict(other.suggest_terms("persn", 1, 1))
    es_backend.rebuild(iter(docs))
    assert "persen" in dict(es_backend.suggest_terms("persn", 1, 1))
