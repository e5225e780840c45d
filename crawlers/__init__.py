"""Crawlers: one module per official source, a shared polite fetcher, a resumable runner.

- ``crawlers.fetcher``: the polite HTTP fetcher (robots.txt, per-host rate limit, retries,
  conditional GET, raw-response cache, size cap, host allow-list, no private addresses);
- ``crawlers.base``: ``CrawlerSource`` (targets -> requests -> records, sanity checks);
- ``crawlers.<source_id>``: one module per source listed in ``crawlers/sources.yaml``;
- ``crawlers.runner``: ``list_sources()``, ``crawl(...)``, ``health()``.

Crawlers import ``kb`` (records, importers, store); ``kb`` never imports crawlers.
"""

from crawlers.fetcher import (
    Disallowed,
    Fetcher,
    FetchError,
    FetchResult,
    HostNotAllowed,
    HTTPError,
    PrivateAddress,
    TooLarge,
)

__all__ = [
    "Disallowed",
    "FetchError",
    "FetchResult",
    "Fetcher",
    "HTTPError",
    "HostNotAllowed",
    "PrivateAddress",
    "TooLarge",
]
