"""Bounds on what a request may send, answered before any routing or parsing.

A query of any length must get a 4xx the client can read, never a 5xx or a reset connection.
The request target, the headers and the body are bounded here, in one place, with RFC 9457
problem+json answers (414, 431, 413). The bounds sit far above anything legitimate: ``q`` is
at most 500 characters and a pasted draft at most 20,000.

A body is read to its end (and dropped, if unused) before any answer goes out, whether the
request is refused here or a route answers early: a server that closes with unread input in its
socket buffer sends a TCP reset, and the client may lose the answer.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import PROBLEM

MAX_TARGET = 16 * 1024  # path and query string, in bytes
MAX_HEADERS = 64 * 1024  # the whole request head; ``kb serve`` gives h11 the same bound
MAX_BODY = 1024 * 1024
DRAIN_LIMIT = 64 * 1024 * 1024  # past this a rejected body is no longer read: we close

# the headers of api.security, on answers given before the app (and its middleware) is reached
BASE_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]

# RFC 9110 names (``about:blank`` problems carry the status phrase as title)
TITLES = {
    408: "Request Timeout",
    400: "Bad Request",
    413: "Content Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
}


def problem_body(status: int, detail: str, instance: str | None = None) -> bytes:
    """An RFC 9457 body, for answers given where there is no FastAPI request to hand."""
    body: dict[str, object] = {
        "type": "about:blank",
        "title": TITLES.get(status) or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    return json.dumps(body).encode()


def problem_headers(body: bytes, close: bool) -> list[tuple[bytes, bytes]]:
    """Headers for ``problem_body``; ``close`` when the connection cannot be reused."""
    headers = [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode()),
               *BASE_SECURITY_HEADERS]
    if close:
        headers.append((b"connection", b"close"))
    return headers


async def drain(receive: Receive, limit: int = DRAIN_LIMIT) -> bool:
    """Read and drop the rest of a body, up to ``limit`` bytes; True once it is all read."""
    seen = 0
    while seen <= limit:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return True
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return True
    return False


class RequestLimits:
    """ASGI middleware: a request over the bounds gets its problem+json answer here."""

    def __init__(
        self,
        app: ASGIApp,
        max_target: int = MAX_TARGET,
        max_headers: int = MAX_HEADERS,
        max_body: int = MAX_BODY,
    ) -> None:
        self.app = app
        self.max_target = max_target
        self.max_headers = max_headers
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = Body(scope, receive, self.max_body)
        refused = self.refusal(scope)
        if refused is None:
            await self.app(scope, body.receive, body.send_after(send))
            return
        status, detail = refused
        drained = await body.finish()
        path = scope.get("path") or ""
        content = problem_body(status, detail, path if len(path) <= 200 else None)
        await send({"type": "http.response.start", "status": status,
                    "headers": problem_headers(content, close=not drained)})
        await send({"type": "http.response.body", "body": content})

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        """(status, detail) when the request head is over a bound, else None."""
        raw_path = scope.get("raw_path") or scope.get("path", "").encode()
        query = scope.get("query_string") or b""
        target = len(raw_path) + (len(query) + 1 if query else 0)
        if target > self.max_target:
            return 414, (f"the request target is {target:,} bytes; at most {self.max_target:,} "
                         "(a search query is at most 500 characters)")
        headers = scope.get("headers") or []
        size = sum(len(name) + len(value) + 4 for name, value in headers)
        if size > self.max_headers:
            return 431, f"the headers are {size:,} bytes; at most {self.max_headers:,}"
        length = declared_length(scope)
        if length is not None and length > self.max_body:
            return 413, f"the body is {length:,} bytes; at most {self.max_body:,}"
        return None


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or []:
        if name == b"content-length" and value.strip().isdigit():
            return int(value)
    return None


class Body:
    """The request body as the app sees it: cut off at ``max_body`` (a chunked body has no
    declared length to check up front), and read to its end before any answer goes out, so
    that a route answering early never leaves unread input behind."""

    def __init__(self, scope: Scope, receive: Receive, max_body: int) -> None:
        headers = dict(scope.get("headers") or [])
        self._receive = receive
        self.max_body = max_body
        self.seen = 0
        self.done = not (declared_length(scope) or b"transfer-encoding" in headers)
        # a client waiting for "100 Continue" sends nothing unless the body is asked for
        self.waiting = headers.get(b"expect", b"").lower() == b"100-continue"

    async def receive(self) -> Message:
        message = await self._receive()
        self.waiting = False
        if message["type"] != "http.request" or not message.get("more_body", False):
            self.done = True
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.max_body:
                await self.finish()
                raise HTTPException(413, "Content Too Large")
        return message

    async def finish(self) -> bool:
        """Read and drop what is left of the body; False when it was too much to read, or a
        client waiting to be asked for it was not asked (then the connection is closed)."""
        if self.done:
            return True
        if self.waiting:
            return False
        self.done = await drain(self._receive)
        return self.done

    def send_after(self, send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self.finish()
            await send(message)

        return sending
