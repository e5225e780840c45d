"""The runner: summary counts, idempotent re-runs, resuming an interrupted crawl, health."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest
import yaml

from crawlers.base import SourceConfig, SourceConfigError
from crawlers.runner import (
    SOURCES_FILE,
    crawl,
    health,
    list_sources,
    load_sources,
    source_from_config,
    state_path,
)
from kb.config import Settings
from kb.store import RecordStore
from tests.crawlers.conftest import PACKAGE_FIXTURES, etag_handler, requests_to, serve_robots

TREATY = (PACKAGE_FIXTURES / "tota" / "pta_449.xml").read_bytes()
KEYS = ["pta_901", "pta_902", "pta_903"]


class Interrupted(Exception):
    pass


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


@pytest.fixture()
def store(settings: Settings):
    with RecordStore(settings.store_path) as s:
        yield s


def treaty_source(server):
    """The ToTA source with three test targets, pointed at the local server."""
    config = load_sources()["tota"].with_base_url(
        f"http://127.0.0.1:{server.port}", ["127.0.0.1"], min_delay=0.0,
        targets=tuple({"key": key, "pta": key[4:], "id": f"/akn/int/treaty/2016/test-{key[4:]}",
                       "expected_title": "Trans-Pacific Partnership"} for key in KEYS))
    return source_from_config(config)


def serve_treaties(server, bodies: dict[str, bytes] | None = None) -> None:
    serve_robots(server)
    for key in KEYS:
        body = (bodies or {}).get(key, TREATY)
        server.expect_request(f"/xml/{key}.xml").respond_with_handler(etag_handler(body))


def downloads(server) -> int:
    """Responses that carried a body (200) for the treaty files."""
    return sum(1 for req, resp in server.log
               if req.path.startswith("/xml/") and resp.status_code == 200)


def test_first_run_counts(server, fetcher, store, settings):
    serve_treaties(server)
    events = []
    summary = crawl("tota", store, settings, progress=events.append, fetcher=fetcher,
                    source=treaty_source(server))
    assert (summary.targets, summary.fetched, summary.not_modified) == (3, 3, 0)
    assert (summary.new, summary.changed, summary.unchanged, summary.failed) == (3, 0, 0, 0)
    assert summary.ok and summary.failures == []
    assert store.count() == 3
    assert [e["event"] for e in events] == ["start", "done"] * 3
    assert events[1] == {"source": "tota", "target": "pta_901", "index": 1, "total": 3,
                         "event": "done", "new": 1, "changed": 0, "unchanged": 0}
    assert not state_path(settings, "tota").exists()
    assert {r["id"] for r in summary.records} == {f"/akn/int/treaty/2016/test-{k[4:]}"
                                                  for k in KEYS}


def test_second_run_is_not_modified_and_downloads_nothing(server, fetcher, store, settings):
    serve_treaties(server)
    crawl("tota", store, settings, fetcher=fetcher, source=treaty_source(server))
    assert downloads(server) == 3
    summary = crawl("tota", store, settings, fetcher=fetcher, source=treaty_source(server))
    assert (summary.fetched, summary.not_modified) == (0, 3)
    assert (summary.new, summary.changed, summary.unchanged) == (0, 0, 3)
    assert downloads(server) == 3  # the second run only got 304s
    assert all(req.headers.get("If-None-Match") for req, resp in server.log
               if req.path.startswith("/xml/") and resp.status_code == 304)
    assert store.count() == 3


def test_changed_text_becomes_a_new_version(server, fetcher, store, settings):
    serve_treaties(server)
    crawl("tota", store, settings, fetcher=fetcher, source=treaty_source(server))
    server.clear()
    amended = TREATY.replace(b"No Party shall require", b"No Party shall ever require")
    serve_treaties(server, {"pta_902": amended})
    summary = crawl("tota", store, settings, fetcher=fetcher, source=treaty_source(server))
    assert (summary.fetched, summary.not_modified) == (1, 2)
    assert (summary.new, summary.changed, summary.unchanged) == (0, 1, 2)
    versions = store.versions("/akn/int/treaty/2016/test-902")
    assert [v.version for v in versions] == [1, 2]


def test_failures_are_listed_and_do_not_stop_the_run(server, fetcher, store, settings):
    serve_robots(server)
    server.expect_request("/xml/pta_901.xml").respond_with_data(TREATY)
    server.expect_request("/xml/pta_902.xml").respond_with_data("gone", status=404)
    server.expect_request("/xml/pta_903.xml").respond_with_data(b"<treaty><meta/></treaty>")
    summary = crawl("tota", store, settings, fetcher=fetcher, source=treaty_source(server))
    assert (summary.new, summary.failed) == (1, 2)
    assert [f.target for f in summary.failures] == ["pta_902", "pta_903"]
    assert "HTTP 404" in summary.failures[0].reason
    assert summary.failures[0].url.endswith("/xml/pta_902.xml")
    assert store.count() == 1
    assert not state_path(settings, "tota").exists()


def test_interrupted_crawl_resumes_without_duplicates_or_refetching(
        server, fetcher, store, settings):
    serve_treaties(server)
    done = []

    def stop_after_two(event):
        if event["event"] == "done":
            done.append(event["target"])
            if len(done) == 2:
                raise Interrupted

    with pytest.raises(Interrupted):
        crawl("tota", store, settings, progress=stop_after_two, fetcher=fetcher,
              source=treaty_source(server))
    state = json.loads(state_path(settings, "tota").read_text())
    assert state["completed"] == ["pta_901", "pta_902"]
    assert store.count() == 2

    events = []
    summary = crawl("tota", store, settings, progress=events.append, fetcher=fetcher,
                    source=treaty_source(server))
    assert (summary.skipped, summary.new, summary.fetched, summary.failed) == (2, 1, 1, 0)
    assert [e["event"] for e in events] == ["skipped", "skipped", "start", "done"]
    assert any("resuming" in note for note in summary.notes)
    assert store.count() == 3
    for key in ("pta_901", "pta_902"):
        assert len(requests_to(server, f"/xml/{key}.xml")) == 1  # not fetched again
    assert not state_path(settings, "tota").exists()


def test_limit_caps_the_targets(server, fetcher, store, settings):
    serve_treaties(server)
    summary = crawl("tota", store, settings, limit=1, fetcher=fetcher,
                    source=treaty_source(server))
    assert summary.targets == 1 and summary.new == 1
    assert requests_to(server, "/xml/pta_902.xml") == []


# -- sources.yaml and modules --------------------------------------------------------------------


def test_list_sources():
    sources = {s["id"]: s for s in list_sources()}
    assert set(sources) == {"uk_legislation", "eu_eurlex", "us_federal_register", "us_ecfr",
                            "jp_egov", "tota", "sg_sso", "au_legislation", "nz_legislation",
                            "vn_vbpl", "vn_phapdien"}
    for source in sources.values():
        assert source["targets"] and source["allowed_hosts"] and source["licence"]
        assert source["base_url"].startswith("https://")
    assert "ukpga/2018/12" in sources["uk_legislation"]["targets"]
    assert "32016R0679" in sources["eu_eurlex"]["targets"]


@pytest.mark.parametrize("source_id", sorted(load_sources()))
def test_each_source_module_has_its_header_and_targets(source_id):
    config = load_sources()[source_id]
    module = importlib.import_module(config.module)
    doc = ast.get_docstring(ast.parse(Path(module.__file__).read_text(encoding="utf-8")))
    for heading in ("Source:", "URL:", "Terms of use:", "Jurisdiction:", "Formats:",
                    "History"):
        assert heading in doc, f"{config.module} docstring lacks {heading!r}"
    source = source_from_config(config)
    for target in source.targets():
        url = source.url_for(target)
        assert url.startswith(config.base_url)
        source.meta_for(target)  # valid ImportMeta


def test_sources_yaml_is_checked():
    good = yaml.safe_load(SOURCES_FILE.read_text(encoding="utf-8"))["sources"][0]
    with pytest.raises(SourceConfigError, match="lacks"):
        SourceConfig.from_dict({**good, "allowed_hosts": []})
    with pytest.raises(SourceConfigError, match="unique key"):
        SourceConfig.from_dict({**good, "targets": [{"key": "a"}, {"key": "a"}]})
    with pytest.raises(SourceConfigError, match="unknown keys"):
        SourceConfig.from_dict({**good, "colour": "blue"})


# -- health --------------------------------------------------------------------------------------


def test_health_of_the_saved_responses():
    report = {entry["source"]: entry for entry in health()}
    assert set(report) == {s["id"] for s in list_sources()}
    for source_id, entry in report.items():
        assert entry["ok"], (source_id, entry["errors"])
        assert entry["records"] >= 1 and entry["fixtures"] >= 1
        if source_id != "us_federal_register":
            assert entry["provisions"] >= 1


def test_health_reports_silence_and_breakage(tmp_path):
    (tmp_path / "tota").mkdir()
    (tmp_path / "tota" / "fixtures.yaml").write_text(
        "- {file: changed.xml, target: pta_449}\n")
    (tmp_path / "tota" / "changed.xml").write_text(
        "<treaty><meta><name>Trans-Pacific Partnership</name></meta><body/></treaty>")
    (tmp_path / "us_federal_register").mkdir()
    (tmp_path / "us_federal_register" / "fixtures.yaml").write_text(
        "- {file: empty.json, target: ntia-spectrum}\n")
    (tmp_path / "us_federal_register" / "empty.json").write_text(
        '{"count": 0, "total_pages": 0, "results": []}')
    report = {e["source"]: e for e in health(tmp_path)}
    assert not report["tota"]["ok"] and "no articles" in report["tota"]["errors"][0]
    assert not report["us_federal_register"]["ok"]
    assert "no saved responses" in report["uk_legislation"]["errors"][0]
    assert all(not entry["ok"] for entry in report.values())
