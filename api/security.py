"""Security defaults for every response: headers, CORS only when asked for, a rate limit.

The headers are set by an outer ASGI middleware so that every answer carries them, the 414/413
refusals of ``api.limits`` and the 429s below included. The Content-Security-Policy allows only
this server's own scripts and styles; /docs and /redoc (Swagger UI and ReDoc, served from local
assets by ``api.docs``) start from an inline script and ReDoc runs a worker from a blob, so those
pages alone allow that. Nothing is framed by another site.

CORS is off (no ``Access-Control-*`` header at all) unless ``KB_CORS_ORIGINS`` lists origins.
``KB_RATE_LIMIT`` (``20/s``, ``600/min``) turns on a token bucket per client address, per worker
process: past it a request gets 429 problem+json with ``Retry-After``.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.limits import problem_body, problem_headers

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
            "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def security_headers(path: str) -> list[tuple[bytes, bytes]]:
    """The headers every response to ``path`` carries."""
    docs = path in DOCS_PATHS or path.startswith("/docs/")
    return [*HEADERS, (b"content-security-policy", (DOCS_CSP if docs else CSP).encode())]


class SecurityHeaders:
    """ASGI middleware: add the security headers to every response (unless already set)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope.get("path") or "")

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in extra if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


def parse_rate(text: str) -> tuple[float, float] | None:
    """``"20/s"`` or ``"600/min"`` -> (tokens per second, bucket size); empty -> None."""
    text = text.strip().lower()
    if not text or text in ("0", "off", "none"):
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute|h|hour)", text)
    if not match:
        raise ValueError(f"KB_RATE_LIMIT={text!r}: expected a rate such as 20/s or 600/min")
    count = float(match[1])
    seconds = {"s": 1, "m": 60, "h": 3600}[match[2][0]]
    if count <= 0:
        return None
    return count / seconds, max(count, 1.0)


class RateLimit:
    """ASGI middleware: a token bucket per client address; an empty bucket gets 429.

    Behind a reverse proxy the address is the one uvicorn takes from ``X-Forwarded-For`` for
    trusted proxies (``--forwarded-allow-ips``), so clients are not all one proxy."""

    MAX_CLIENTS = 100_000  # least recently seen buckets are dropped past this

    def __init__(self, app: ASGIApp, rate: float, burst: float) -> None:
        self.app = app
        self.rate = rate
        self.burst = burst
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self.lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """Take a token for ``client``: 0 when granted, else seconds until one is free."""
        now = time.monotonic() if now is None else now
        with self.lock:
            tokens, seen = self.buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - seen) * self.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.rate
            self.buckets[client] = (tokens, now)
            while len(self.buckets) > self.MAX_CLIENTS:
                self.buckets.popitem(last=False)
        return wait

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.take(client)
        if not wait:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil(wait))
        body = problem_body(429, f"too many requests from this client; retry in {retry} s",
                            scope.get("path") if len(scope.get("path", "")) <= 200 else None)
        headers = [*problem_headers(body, close=False), (b"retry-after", str(retry).encode())]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def cors_origins(text: str) -> list[str]:
    """``KB_CORS_ORIGINS``: comma- or space-separated origins (``*`` for any)."""
    return [part for part in re.split(r"[,\s]+", text.strip()) if part]
