"""One real target per source, fetched from the official site (``pytest -m live``).

Deselected by default (the ``live`` marker); they need network access and take the sources'
own rate limits. Each crawls the first target of its source into a throw-away store.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from crawlers.runner import crawl, load_sources
from kb.config import Settings
from kb.store import RecordStore

pytestmark = pytest.mark.live


@pytest.mark.parametrize("source_id", sorted(load_sources()))
def test_live_first_target(source_id, tmp_path):
    host = urlsplit(load_sources()[source_id].base_url).hostname
    try:
        socket.getaddrinfo(host, 443)
    except OSError as exc:
        pytest.skip(f"no network: cannot resolve {host} ({exc})")
    settings = Settings(home=tmp_path / "home")
    with RecordStore(settings.store_path) as store:
        summary = crawl(source_id, store, settings, limit=1)
        assert summary.failed == 0, summary.failures
        assert summary.new + summary.changed + summary.unchanged >= 1
        record = next(store.iter_current())
        assert record.provenance is not None and record.provenance.sha256
        # a second run is served by conditional GET where the site gives validators
        again = crawl(source_id, store, settings, limit=1)
        assert again.failed == 0 and again.new == 0
