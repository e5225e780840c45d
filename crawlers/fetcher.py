"""The polite fetcher every crawler uses: pure I/O, no parsing.

What it does for each ``fetch(url, allowed_hosts=...)``:

- refuses a URL whose scheme is not http(s), whose host is not on the source's allow-list, or
  whose host resolves to a private, loopback, link-local, multicast, reserved or unspecified
  address (SSRF); the same checks run again on every redirect hop, which is followed by hand;
- obeys robots.txt (parsed with protego, fetched once per scheme+host and cached for the life of
  the fetcher). A missing robots.txt (4xx) allows everything; one that cannot be read (5xx or
  network error after the retries) disallows everything, as RFC 9309 asks. A ``Crawl-delay``
  raises the per-host delay;
- spaces requests to one host by a minimum delay (default 1 s) measured from the end of the
  previous response, and never sends two requests to one host at the same time;
- retries connection errors, timeouts, 408, 429 and 5xx with exponential backoff, honouring a
  ``Retry-After`` header (seconds or an HTTP date). A server asking for a longer wait than
  ``retry_after_cap`` gets no further request: the fetch fails, to be tried on a later run;
- keeps a raw-response cache on disk (``{cache_dir}/{key[:2]}/{key}.body`` and ``.json``, key =
  sha256 of the URL, plus the Accept headers when a request sets them) and sends a conditional
  GET (``If-None-Match`` / ``If-Modified-Since``) when the cache holds validators; a 304 is
  served from the cache and marked ``not_modified``;
- streams the body and aborts beyond ``max_bytes`` (default 50 MiB) with ``TooLarge``;
- sends a descriptive User-Agent.

Exceptions: ``FetchError`` (base; ``url`` and ``status`` attributes), ``HTTPError`` (a final
4xx/5xx), ``Disallowed`` (robots.txt), ``HostNotAllowed`` (allow-list), ``PrivateAddress``
(SSRF, a ``HostNotAllowed``), ``TooLarge``.

The private-address check resolves the host once before connecting; a DNS answer that changes
between the check and the connection (rebinding) is not caught. The allow-list is the first
line of defence.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import ipaddress
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

DEFAULT_USER_AGENT = "regkb/0.1 (+https://github.com/regkb; legal research crawler)"
ROBOTS_TOKEN = "regkb"
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
ROBOTS_MAX_BYTES = 512 * 1024
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    """A URL could not be fetched; ``reason`` says why in words a person can act on."""

    def __init__(self, url: str, reason: str, status: int | None = None):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class HTTPError(FetchError):
    """The server answered with an error status (after any retries)."""


class Disallowed(FetchError):
    """robots.txt does not allow this URL (or could not be read)."""


class HostNotAllowed(FetchError):
    """The host is not on the source's allow-list."""


class PrivateAddress(HostNotAllowed):
    """The host resolves to a private, loopback, link-local, multicast or reserved address."""


class TooLarge(FetchError):
    """The body is larger than the size cap."""


@dataclass
class FetchResult:
    """One fetched (or cache-served) response."""

    url: str
    final_url: str
    status: int
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: dt.datetime
    sha256: str
    not_modified: bool = False
    attempts: int = 1
    redirects: list[str] = field(default_factory=list)

    def http_provenance(self) -> dict[str, Any]:
        """The HTTP facts a Provenance record keeps."""
        return {"etag": self.etag, "last_modified": self.last_modified,
                "content_type": self.content_type}

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8-sig"))


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """``Retry-After`` as seconds to wait: ``"120"`` or an HTTP date; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def host_matches(host: str, allowed: Collection[str]) -> bool:
    """``www.example.org`` matches ``www.example.org``, ``.example.org`` and ``*.example.org``."""
    host = host.lower().rstrip(".")
    for pattern in allowed:
        pattern = pattern.lower().rstrip(".")
        if pattern.startswith("*."):
            pattern = pattern[1:]
        if pattern.startswith("."):
            if host.endswith(pattern) or host == pattern[1:]:
                return True
        elif host == pattern:
            return True
    return False


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified)


class ResponseCache:
    """Raw responses on disk: a body file and a JSON metadata file per URL."""

    def __init__(self, root: Path):
        self.root = root

    @staticmethod
    def key(url: str, vary: Mapping[str, str] | None = None) -> str:
        text = url
        if vary:
            text += "\n" + "\n".join(f"{k.lower()}: {v}" for k, v in sorted(vary.items()))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.body", folder / f"{key}.json"

    def get(self, key: str) -> tuple[dict[str, Any], bytes] | None:
        body_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if hashlib.sha256(body).hexdigest() != meta.get("sha256"):
            return None  # a torn or tampered entry is no entry
        return meta, body

    def put(self, key: str, meta: dict[str, Any], body: bytes) -> None:
        body_path, meta_path = self._paths(key)
        body_path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(body_path, body)
        _atomic_write(meta_path, json.dumps(meta, indent=1, sort_keys=True).encode("utf-8"))

    def touch(self, key: str, meta: dict[str, Any]) -> None:
        _, meta_path = self._paths(key)
        _atomic_write(meta_path, json.dumps(meta, indent=1, sort_keys=True).encode("utf-8"))


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@dataclass
class _HostState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_end: float | None = None


@dataclass
class _Robots:
    parser: Protego | None  # None: allow everything
    disallow_all: str | None = None  # a reason when robots.txt could not be read


class Fetcher:
    """A polite HTTP client for crawlers (see the module docstring)."""

    def __init__(
        self,
        cache_dir: Path | None = None,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        min_delay: float = 1.0,
        host_delays: Mapping[str, float] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        max_retries: int = 4,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        retry_after_cap: float = 300.0,
        max_crawl_delay: float = 60.0,
        max_redirects: int = 10,
        respect_robots: bool = True,
        allow_private_hosts_for_tests: bool | Collection[str] = False,
        trust_env: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.cache = ResponseCache(cache_dir) if cache_dir else None
        self.user_agent = user_agent
        self.min_delay = min_delay
        self.host_delays = dict(host_delays or {})
        self.max_bytes = max_bytes
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_cap = retry_after_cap
        self.max_crawl_delay = max_crawl_delay
        self.max_redirects = max_redirects
        self.respect_robots = respect_robots
        if isinstance(allow_private_hosts_for_tests, bool):
            self._private_ok: bool | frozenset[str] = allow_private_hosts_for_tests
        else:
            self._private_ok = frozenset(h.lower() for h in allow_private_hosts_for_tests)
        self._sleep = sleep
        self._hosts: dict[str, _HostState] = {}
        self._hosts_lock = threading.Lock()
        self._robots: dict[str, _Robots] = {}
        self._robots_lock = threading.Lock()
        self._crawl_delays: dict[str, float] = {}
        self.requests_sent = 0
        self._client = httpx.Client(
            follow_redirects=False,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            headers={"User-Agent": user_agent},
            trust_env=trust_env,
        )

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public ---------------------------------------------------------------------------------

    def fetch(
        self,
        url: str,
        *,
        allowed_hosts: Collection[str],
        headers: Mapping[str, str] | None = None,
        min_delay: float | None = None,
        max_bytes: int | None = None,
        use_cache: bool = True,
    ) -> FetchResult:
        """GET a URL politely; raise a ``FetchError`` subclass when it cannot be had."""
        headers = dict(headers or {})
        cap = max_bytes or self.max_bytes
        key = ResponseCache.key(url, headers or None)
        cached = self.cache.get(key) if (self.cache and use_cache) else None
        conditional: dict[str, str] = {}
        validated_url = url  # the URL the cached validators belong to (the last redirect hop)
        if cached:
            meta = cached[0]
            validated_url = meta.get("final_url") or url
            if meta.get("etag"):
                conditional["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                conditional["If-Modified-Since"] = meta["last_modified"]

        current = url
        redirects: list[str] = []
        total_attempts = 0
        while True:
            self._check_url(current, allowed_hosts)
            self._check_robots(current, allowed_hosts, min_delay)
            send = {**headers, **(conditional if current == validated_url else {})}
            response, body, attempts = self._request(current, send, min_delay, cap)
            total_attempts += attempts
            status = response.status_code
            if status in REDIRECT_STATUSES and response.headers.get("location"):
                if len(redirects) >= self.max_redirects:
                    raise FetchError(url, f"more than {self.max_redirects} redirects")
                redirects.append(current)
                current = urljoin(current, response.headers["location"])
                continue
            break

        if status == 304 and cached:
            meta, cached_body = cached
            meta = {**meta, "checked_at": _utcnow().isoformat()}
            for name, header in (("etag", "etag"), ("last_modified", "last-modified")):
                if response.headers.get(header):
                    meta[name] = response.headers[header]
            if self.cache:
                self.cache.touch(key, meta)
            return FetchResult(
                url=url, final_url=meta.get("final_url") or current, status=200,
                body=cached_body, content_type=meta.get("content_type"), etag=meta.get("etag"),
                last_modified=meta.get("last_modified"),
                fetched_at=dt.datetime.fromisoformat(meta["fetched_at"]),
                sha256=meta["sha256"], not_modified=True, attempts=total_attempts,
                redirects=redirects,
            )
        if not 200 <= status < 300:
            snippet = body[:300].decode("utf-8", "replace").strip()
            raise HTTPError(url, f"HTTP {status} from {current}"
                            + (f": {snippet}" if snippet else ""), status)

        result = FetchResult(
            url=url, final_url=current, status=status, body=body,
            content_type=response.headers.get("content-type"),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            fetched_at=_utcnow(), sha256=hashlib.sha256(body).hexdigest(),
            attempts=total_attempts, redirects=redirects,
        )
        if self.cache:
            self.cache.put(key, {
                "url": url, "final_url": current, "status": status,
                "etag": result.etag, "last_modified": result.last_modified,
                "content_type": result.content_type,
                "fetched_at": result.fetched_at.isoformat(), "sha256": result.sha256,
                "size": len(body), "request_headers": headers,
            }, body)
        return result

    def cached(self, url: str, headers: Mapping[str, str] | None = None) -> FetchResult | None:
        """The cached response for a URL, without any network access."""
        if not self.cache:
            return None
        hit = self.cache.get(ResponseCache.key(url, dict(headers or {}) or None))
        if not hit:
            return None
        meta, body = hit
        return FetchResult(
            url=url, final_url=meta.get("final_url") or url, status=meta.get("status", 200),
            body=body, content_type=meta.get("content_type"), etag=meta.get("etag"),
            last_modified=meta.get("last_modified"),
            fetched_at=dt.datetime.fromisoformat(meta["fetched_at"]), sha256=meta["sha256"],
            not_modified=True, attempts=0,
        )

    # -- checks ---------------------------------------------------------------------------------

    def _check_url(self, url: str, allowed_hosts: Collection[str]) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise HostNotAllowed(url, f"scheme {parts.scheme or '(none)'!r} is not http(s)")
        host = (parts.hostname or "").lower()
        if not host:
            raise HostNotAllowed(url, "no host in the URL")
        if parts.username or parts.password:
            raise HostNotAllowed(url, "credentials in URLs are refused")
        if not host_matches(host, allowed_hosts):
            raise HostNotAllowed(
                url, f"host {host!r} is not on this source's allow-list "
                f"({', '.join(sorted(allowed_hosts)) or 'empty'})")
        if self._private_ok is True or (
                isinstance(self._private_ok, frozenset) and host in self._private_ok):
            return
        try:
            infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                       proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(url, f"cannot resolve {host!r}: {exc}") from exc
        for info in infos:
            address = str(info[4][0])
            if not _is_public(address):
                raise PrivateAddress(
                    url, f"host {host!r} resolves to the non-public address {address}")

    def _check_robots(self, url: str, allowed_hosts: Collection[str],
                      min_delay: float | None) -> None:
        if not self.respect_robots:
            return
        robots = self._robots_for(url, allowed_hosts, min_delay)
        if robots.disallow_all:
            raise Disallowed(url, robots.disallow_all)
        if robots.parser is not None and not robots.parser.can_fetch(url, ROBOTS_TOKEN):
            raise Disallowed(url, "robots.txt disallows this URL")

    def _robots_for(self, url: str, allowed_hosts: Collection[str],
                    min_delay: float | None) -> _Robots:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        with self._robots_lock:
            known = self._robots.get(origin)
        if known is not None:
            return known
        robots_url = f"{origin}/robots.txt"
        robots: _Robots
        try:
            current = robots_url
            for _ in range(5):
                response, body, _ = self._request(current, {}, min_delay, ROBOTS_MAX_BYTES,
                                                  truncate=True)
                location = response.headers.get("location")
                if response.status_code in REDIRECT_STATUSES and location:
                    current = urljoin(current, location)
                    self._check_url(current, allowed_hosts)
                    continue
                break
            status = response.status_code
            if 200 <= status < 300:
                robots = _Robots(Protego.parse(body.decode("utf-8", "replace")))
            elif 400 <= status < 500:
                robots = _Robots(None)  # no robots.txt: everything is allowed
            else:
                robots = _Robots(None, f"robots.txt at {robots_url} answered HTTP {status}; "
                                       "treating the site as disallowed (RFC 9309)")
        except HostNotAllowed:
            robots = _Robots(None)  # robots.txt redirects off the allow-list: no rules for us
        except FetchError as exc:
            robots = _Robots(None, f"robots.txt at {robots_url} could not be read "
                                   f"({exc.reason}); treating the site as disallowed")
        if robots.parser is not None:
            delay = robots.parser.crawl_delay(ROBOTS_TOKEN)
            if delay:
                host = (parts.hostname or "").lower()
                self._crawl_delays[host] = min(float(delay), self.max_crawl_delay)
        with self._robots_lock:
            self._robots[origin] = robots
        return robots

    # -- the request loop -----------------------------------------------------------------------

    def _host(self, host: str) -> _HostState:
        with self._hosts_lock:
            return self._hosts.setdefault(host, _HostState())

    def delay_for(self, host: str, min_delay: float | None = None) -> float:
        """Seconds between two requests to a host: the source's delay (else the fetcher's
        default), raised by an operator's ``host_delays`` entry and by the host's robots.txt
        ``Crawl-delay``."""
        base = self.min_delay if min_delay is None else min_delay
        return max(base, self.host_delays.get(host, 0.0), self._crawl_delays.get(host, 0.0))

    def _request(
        self, url: str, headers: Mapping[str, str], min_delay: float | None, cap: int,
        truncate: bool = False,
    ) -> tuple[httpx.Response, bytes, int]:
        """One GET with retries; returns (response, body, attempts). Redirects are returned."""
        host = (urlsplit(url).hostname or "").lower()
        state = self._host(host)
        attempt = 0
        while True:
            attempt += 1
            with state.lock:
                self._wait_turn(state, host, min_delay)
                try:
                    response, body = self._send(url, headers, cap, truncate)
                    error: Exception | None = None
                except (httpx.TimeoutException, httpx.TransportError) as exc:
                    response, body, error = None, b"", exc
                finally:
                    state.last_end = time.monotonic()
            if error is not None:
                if attempt > self.max_retries:
                    kind = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
                    raise FetchError(url, f"request {kind} after {attempt} attempt(s): "
                                          f"{type(error).__name__}: {error}") from error
                self._sleep(self._backoff(attempt))
                continue
            assert response is not None
            if response.status_code in RETRY_STATUSES:
                wait = parse_retry_after(response.headers.get("retry-after"))
                if wait is not None and wait > self.retry_after_cap:
                    raise HTTPError(url, f"HTTP {response.status_code}; the server asks to wait "
                                         f"{wait:.0f} s (more than the {self.retry_after_cap:.0f} "
                                         "s cap); try again later", response.status_code)
                if attempt > self.max_retries:
                    return response, body, attempt
                self._sleep(wait if wait is not None else self._backoff(attempt))
                continue
            return response, body, attempt

    def _wait_turn(self, state: _HostState, host: str, min_delay: float | None) -> None:
        if state.last_end is None:
            return
        remaining = state.last_end + self.delay_for(host, min_delay) - time.monotonic()
        if remaining > 0:
            self._sleep(remaining)

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))

    def _send(self, url: str, headers: Mapping[str, str], cap: int,
              truncate: bool) -> tuple[httpx.Response, bytes]:
        self.requests_sent += 1
        with self._client.stream("GET", url, headers=dict(headers)) as response:
            if response.status_code in REDIRECT_STATUSES or response.status_code == 304:
                return response, b""
            length = response.headers.get("content-length")
            if not truncate and length and length.isdigit() and int(length) > cap:
                raise TooLarge(url, f"the body is {int(length)} bytes, more than the "
                                    f"{cap}-byte cap", response.status_code)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > cap:
                    if truncate:
                        chunks.append(chunk[: cap - (size - len(chunk))])
                        break
                    raise TooLarge(url, f"the body passed the {cap}-byte cap while streaming; "
                                        "download aborted", response.status_code)
                chunks.append(chunk)
            return response, b"".join(chunks)
