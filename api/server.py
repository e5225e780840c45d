"""How ``kb serve`` runs uvicorn: h11, chosen rather than detected, with a bounded request head
and an answer the client can read when the head is refused.

Left to itself, uvicorn answers a request head that h11 refuses (over
``h11_max_incomplete_event_size``, or malformed) with a text/plain 400 and closes at once,
while the client is still sending: the unread input makes the kernel reset the connection, and
a client that sent a 1,000,000-character URL gets ``ConnectionResetError`` instead of the
answer. Whether a long head is refused there at all depends on how it happens to arrive in
socket reads, so the same URL could reach the app or not. With httptools (picked by "auto"
when installed) the behaviour differs again.

Here the head is bounded at ``MAX_HEADERS``, the answer is a problem+json 414, 431 or 400, and
the close is graceful: our side of the connection is shut, and what the client still sends is
read and dropped for a while (a lingering close), so the answer reaches it. Heads that do
reach the app are held to the same bounds, deterministically, by ``api.limits.RequestLimits``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol

from api.limits import MAX_HEADERS, MAX_TARGET, problem_body, problem_headers

LINGER_SECONDS = 5.0
LINGER_BYTES = 64 * 1024 * 1024
HEAD_TIMEOUT = 10.0  # a request head must arrive whole within this, however it trickles in
KEEP_ALIVE = 5.0  # an idle connection is closed after this
GRACEFUL_SHUTDOWN = 10.0


def server_options() -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config``: ``kb serve`` and the
    live-server tests share them."""
    return {"http": BoundedH11Protocol, "h11_max_incomplete_event_size": MAX_HEADERS,
            "timeout_keep_alive": KEEP_ALIVE, "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN,
            "server_header": False}


def head_refusal(buffered: bytes, limit: int) -> tuple[int, str]:
    """(status, detail) for a request head h11 refused, from what it had buffered."""
    if len(buffered) <= limit:
        return 400, "the request is not valid HTTP/1.1"
    if b"\n" not in buffered:
        return 414, (f"the request line is over {limit:,} bytes; the request target may be at "
                     f"most {MAX_TARGET:,}")
    return 431, f"the request head is over {limit:,} bytes"


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a problem+json answer and a lingering close for a refused
    request head."""

    _linger: asyncio.TimerHandle | None = None
    _linger_budget = 0
    _head_timer: asyncio.TimerHandle | None = None

    # -- slow clients: uvicorn's keep-alive timer is reset by every byte received, so a client
    # sending a head one byte at a time would hold its connection for ever. The head of each
    # request gets HEAD_TIMEOUT from the connection (or the previous answer) instead.
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(HEAD_TIMEOUT, self._head_timed_out)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        cycle = self.cycle
        if self.transport.is_closing() or self._linger is not None:
            return
        if cycle is not None and not cycle.response_complete:
            return  # a request is being answered: its head came in time
        body = problem_body(408, f"the request head did not arrive within {HEAD_TIMEOUT:g} s")
        head = b"HTTP/1.1 408 Request Timeout\r\n" + b"".join(
            name + b": " + value + b"\r\n" for name, value in problem_headers(body, close=True))
        self.transport.write(head + b"\r\n" + body)
        self.linger()

    def send_400_response(self, msg: str) -> None:
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if cycle.response_started:  # no second answer on this connection
                self.transport.close()
                return
            cycle.disconnected = True  # the app sees a disconnect, and sends nothing
            cycle.message_event.set()
            status, detail = 400, "the request body is not valid HTTP/1.1"
        else:
            limit = self.config.h11_max_incomplete_event_size or MAX_HEADERS
            status, detail = head_refusal(self.conn.trailing_data[0], limit)
        body = problem_body(status, detail)
        try:
            head = self.conn.send(h11.Response(status_code=status, reason=STATUS_PHRASES[status],
                                               headers=problem_headers(body, close=True)))
            rest = self.conn.send(h11.Data(data=body)), self.conn.send(h11.EndOfMessage())
        except h11.LocalProtocolError:
            self.transport.close()
            return
        self.transport.write(b"".join(part or b"" for part in (head, *rest)))
        self.linger()

    def linger(self) -> None:
        """Shut our side, then read and drop input until the client closes, a budget of
        bytes is spent, or time is up."""
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.flow.resume_reading()  # a body past uvicorn's high-water mark paused reads
        self._linger_budget = LINGER_BYTES
        self._linger = self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def data_received(self, data: bytes) -> None:
        if self._linger is None:
            super().data_received(data)
            return
        self._linger_budget -= len(data)
        if self._linger_budget < 0:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._linger is not None:
            self._linger.cancel()
        if self._head_timer is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)
