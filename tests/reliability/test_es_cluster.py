"""A two-node Elasticsearch cluster losing nodes: searches, a reindex and the API carry on.

The cluster is started by ``scripts/elasticsearch.sh cluster start`` (two JVMs, one replica of
every shard), on ports of its own (``KB_ES_CLUSTER_PORTS``, 9280,9281), so the single node of
the rest of the suite is untouched. Nodes are taken away with SIGKILL, as a crash or the OOM
killer would, and brought back by the same script, while one ``KnowledgeBase`` (configured
with both node URLs, as in production) keeps serving.

Skipped when the cluster cannot be started (no Java, no distribution) or KB_TEST_ES_CLUSTER=0;
a failure when KB_REQUIRE_ES_CLUSTER=1.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_kb
from kb.config import Settings
from kb.core import KnowledgeBase
from kb.errors import BackendUnavailable, IndexBuildError

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "elasticsearch.sh"
PORTS = os.environ.get("KB_ES_CLUSTER_PORTS", "9280,9281")
QUERY = "personal data"
THREADS = 4  # searching threads: at most this many requests are in flight at a kill
SETTLED = 12  # searches begun a second after a kill, all of which must succeed


def _flag(var: str) -> str:
    return os.environ.get(var, "").strip().lower()


def _required() -> bool:
    return _flag("KB_REQUIRE_ES_CLUSTER") not in ("", "0", "false")


def _unavailable(reason: str) -> None:
    if _required():
        pytest.fail(f"KB_REQUIRE_ES_CLUSTER is set but {reason}")
    pytest.skip(reason)


def cluster_script(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "KB_ES_CLUSTER_PORTS": PORTS}
    return subprocess.run([str(SCRIPT), "cluster", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


@dataclass
class Cluster:
    """The running cluster: its node URLs, and the means to kill and restart nodes."""

    urls: list[str]

    @property
    def url_setting(self) -> str:
        return ",".join(self.urls)

    def pids(self) -> dict[str, int]:
        """URL -> JVM pid of every node up (from the script's pid files)."""
        found = {}
        for line in cluster_script("status", timeout=30).stdout.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1].startswith("pid=") and parts[2] == "up":
                found[parts[0]] = int(parts[1].removeprefix("pid="))
        return found

    def master(self) -> str:
        """The URL of the elected master node."""
        for url in self.urls:
            try:
                name = httpx.get(f"{url}/_cat/master?h=node", timeout=5).text.strip()
            except httpx.HTTPError:
                continue
            return next(u for u in self.urls if u.endswith(":" + name.rsplit("-", 1)[1]))
        raise AssertionError("no node answers")

    def kill(self, url: str) -> None:
        """SIGKILL the node's JVM and wait until it is gone."""
        pid = self.pids()[url]
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise AssertionError(f"node {url} (pid {pid}) survived SIGKILL")

    def start(self) -> None:
        """Start the nodes that are down; returns once the cluster is green with all."""
        done = cluster_script("start")
        assert done.returncode == 0, f"cluster start failed: {done.stderr[-2000:]}"

    def wait_green(self, timeout: float = 60) -> None:
        res = httpx.get(f"{self.urls[0]}/_cluster/health",
                        params={"wait_for_status": "green", "timeout": f"{int(timeout)}s"},
                        timeout=timeout + 5)
        assert res.json()["status"] == "green", res.text


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """The two-node cluster, started by the script (and stopped after, if it started it)."""
    if _flag("KB_TEST_ES_CLUSTER") in ("0", "false"):
        _unavailable("KB_TEST_ES_CLUSTER=0: the cluster tests are turned off")
    if not shutil.which("java"):
        _unavailable("no java on PATH: the Elasticsearch cluster cannot be started")
    was_up = cluster_script("status", timeout=30).stdout.count(" up") == len(PORTS.split(","))
    try:
        started = cluster_script("start")
    except subprocess.TimeoutExpired:
        cluster_script("stop", timeout=120)
        _unavailable("scripts/elasticsearch.sh cluster start timed out")
    if started.returncode != 0:
        cluster_script("stop", timeout=120)
        _unavailable(f"scripts/elasticsearch.sh cluster start failed: {started.stderr[-1500:]}")
    urls = started.stdout.strip().splitlines()[-1].split(",")
    yield Cluster(urls)
    if not was_up:
        cluster_script("stop", timeout=120)


@pytest.fixture()
def up(cluster: Cluster) -> Cluster:
    """The cluster with every node up (a previous test may have killed some)."""
    cluster.start()
    return cluster


@pytest.fixture(scope="module")
def cluster_kb(
    cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KnowledgeBase]:
    """A knowledge base on both nodes with one replica per shard, built once for the file."""
    cluster.start()
    settings = Settings(
        home=tmp_path_factory.mktemp("cluster-home"), backend="elasticsearch",
        elasticsearch_url=cluster.url_setting, elasticsearch_replicas=1,
        index_prefix=f"regkb-cluster-{uuid.uuid4().hex[:8]}",
    )
    kb = KnowledgeBase(settings)
    kb.index()
    cluster.wait_green()
    yield kb
    try:
        cluster.start()  # a delete needs a master: every node back first
        kb.backend.es.indices.delete(index=f"{settings.index_prefix}-*",
                                     ignore_unavailable=True, allow_no_indices=True)
    finally:
        kb.close()


def api_client(kb: KnowledgeBase) -> TestClient:
    app = create_app()
    app.dependency_overrides[get_kb] = lambda: kb
    return TestClient(app, raise_server_exceptions=False)


@dataclass
class Load:
    """Threads searching until told to stop; each outcome with the time its request began."""

    search: Callable[[], int]
    expected: int
    threads: int = THREADS
    outcomes: list[tuple[float, float, str | None]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def _run(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            try:
                total = self.search()
                error = None if total == self.expected else f"total {total} != {self.expected}"
            except Exception as exc:  # noqa: BLE001 - every failure is counted, not raised
                error = f"{type(exc).__name__}: {exc}"
            self.outcomes.append((began, time.monotonic(), error))

    def __enter__(self) -> Load:
        self._workers = [threading.Thread(target=self._run, daemon=True)
                         for _ in range(self.threads)]
        for worker in self._workers:
            worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=60)

    def wait_for(self, count: int, since: float = 0.0, timeout: float = 60) -> None:
        """Until ``count`` searches that began after ``since`` have ended (a loaded machine
        is slow: counts, not sleeps)."""
        deadline = time.monotonic() + timeout
        while len(self.after(since)) < count and time.monotonic() < deadline:
            time.sleep(0.1)

    def failures(self) -> list[tuple[float, float, str | None]]:
        return [o for o in self.outcomes if o[2] is not None]

    def after(self, moment: float) -> list[tuple[float, float, str | None]]:
        return [o for o in self.outcomes if o[0] >= moment]


def test_a_node_killed_during_a_reindex_leaves_the_old_generation_serving(
    up: Cluster, cluster_kb: KnowledgeBase
) -> None:
    kb = cluster_kb
    old = kb.backend.current_generation()
    assert old
    settings = kb.backend.es.indices.get_settings(index=kb.backend.aliases)
    assert {s["settings"]["index"]["number_of_replicas"] for s in settings.values()} == {"1"}
    expected = kb.search(QUERY).total
    killed_at: list[float] = []

    def kill_a_node(done: int) -> None:
        """Called once every document is sent: the refresh, merge, checks and alias switch
        are still to come."""
        if not killed_at:
            up.kill(up.urls[1] if up.master() == up.urls[0] else up.urls[0])
            killed_at.append(time.monotonic())

    with Load(lambda: kb.search(QUERY).total, expected, threads=1) as load:
        try:
            outcome = kb.index(progress=kill_a_node)
        except (IndexBuildError, BackendUnavailable) as exc:
            # a clean failure: the aliases still name the old, whole generation
            assert kb.backend.current_generation() == old, exc
            generation = old
        else:
            assert outcome.report.generation == f"{old + 1:06d}"
            generation = old + 1
        if killed_at:
            load.wait_for(3, since=killed_at[0] + 1.0)
    assert killed_at, "the reindex ended before any node was killed"
    assert len(load.failures()) <= 1, load.failures()[:3]
    settled = load.after(killed_at[0] + 1.0)
    assert settled and not [o for o in settled if o[2]], [o[2] for o in settled][:3]
    aliases = kb.backend.es.indices.get_alias(name=f"{kb.settings.index_prefix}-*")
    assert {name.rsplit("-", 1)[1] for name in aliases} == {f"{generation:06d}"}
    assert kb.search(QUERY).total == expected


def test_a_node_killed_under_search_load_fails_at_most_the_requests_in_flight(
    up: Cluster, cluster_kb: KnowledgeBase
) -> None:
    expected = cluster_kb.search(QUERY).total
    assert expected > 0
    victim = up.master()  # the harder case: the survivor is left without a master
    with Load(lambda: cluster_kb.search(QUERY).total, expected) as load:
        load.wait_for(2 * THREADS)
        killed_at = time.monotonic()
        up.kill(victim)
        load.wait_for(SETTLED, since=killed_at + 1.0)
        with api_client(cluster_kb) as client:
            res = client.get("/v1/search", params={"q": QUERY})
            assert res.status_code == 200 and res.json()["total"] == expected
    before = [o for o in load.outcomes if o[1] < killed_at]
    assert len(before) >= THREADS, "too few searches before the kill"
    assert not [o for o in before if o[2]], "searches failed before the kill"
    failures = load.failures()
    assert len(failures) <= THREADS, f"{len(failures)} failed: {failures[:3]}"
    settled = load.after(killed_at + 1.0)
    assert len(settled) >= SETTLED, "too few searches after the kill to judge"
    assert not [o for o in settled if o[2]], [o[2] for o in settled if o[2]][:3]


def test_all_nodes_down_is_a_quick_503_and_service_returns_with_the_nodes(
    cluster: Cluster, cluster_kb: KnowledgeBase
) -> None:
    up = cluster  # whichever nodes are up (the test before left one) are killed
    expected = cluster_kb.search(QUERY).total
    with api_client(cluster_kb) as client:
        assert client.get("/v1/search", params={"q": QUERY}).status_code == 200
        for url in up.pids():
            up.kill(url)
        for path in ("/v1/search", "/v1/health"):
            began = time.monotonic()
            res = client.get(path, params={"q": QUERY})
            took = time.monotonic() - began
            assert res.status_code == 503, res.text
            assert res.headers["content-type"].startswith("application/problem+json")
            assert took < 2.0, f"{path} took {took:.2f} s with every node down"
        up.start()  # the same app and knowledge base: nothing of regkb is restarted
        deadline = time.monotonic() + 30
        while True:
            res = client.get("/v1/search", params={"q": QUERY})
            if res.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert res.status_code == 200 and res.json()["total"] == expected, res.text
        assert client.get("/v1/health").json()["status"] == "ok"
