"""Webhooks of saved searches: after an import or a crawl, POST what is new to each watch's URL.

The body is JSON (the watch, and the new records with ids, titles and URLs), signed with the
watch's secret: ``X-Regkb-Signature: sha256=<hex HMAC-SHA256 of the body>``, as GitHub and
Stripe sign theirs, so a receiver can check it came from here and was not altered. A failed
delivery is retried with exponential backoff a bounded number of times; one that still fails
is logged in the record store (``kb watch list`` shows it) and sent again after the next
import or crawl, never dropped without a word.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from kb.watch import Watch, item, list_watches, match_records, stored_records

if TYPE_CHECKING:
    from kb.core import KnowledgeBase

SIGNATURE_HEADER = "X-Regkb-Signature"
TRIES = 3
TIMEOUT = 10.0
RETRY_DELAY_ENV = "KB_WEBHOOK_RETRY_DELAY"  # seconds before the first retry (then doubled)
DEFAULT_RETRY_DELAY = 1.0
RESEND_FAILED = 20  # earlier failed deliveries of a watch sent again after each ingest
# worth trying again: the receiver may be back in a moment
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def sign(body: bytes, secret: str) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_delay() -> float:
    raw = os.environ.get(RETRY_DELAY_ENV, "")
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_RETRY_DELAY
    except ValueError:
        return DEFAULT_RETRY_DELAY


@dataclass
class Attempt:
    ok: bool
    attempts: int
    http_status: int | None = None
    error: str | None = None


def post(url: str, body: bytes, secret: str | None, tries: int = TRIES,
         delay: float | None = None, timeout: float = TIMEOUT,
         sleep: Callable[[float], None] = time.sleep) -> Attempt:
    """POST ``body`` until a 2xx answer, at most ``tries`` times, waiting ``delay``, then
    twice as long, between tries. A 4xx other than 408/425/429 is not retried: the same
    request would be refused again."""
    delay = retry_delay() if delay is None else delay
    headers = {"Content-Type": "application/json", "User-Agent": "regkb-webhook/1"}
    if secret:
        headers[SIGNATURE_HEADER] = sign(body, secret)
    outcome = Attempt(False, 0)
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        for attempt in range(1, tries + 1):
            outcome.attempts = attempt
            try:
                answer = client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                outcome.http_status, outcome.error = None, f"{type(exc).__name__}: {exc}"
            else:
                outcome.http_status = answer.status_code
                if 200 <= answer.status_code < 300:
                    outcome.ok, outcome.error = True, None
                    return outcome
                outcome.error = f"HTTP {answer.status_code}: {answer.text[:200]}"
                if answer.status_code not in RETRY_STATUSES:
                    return outcome
            if attempt < tries:
                sleep(delay * 2 ** (attempt - 1))
    return outcome


@dataclass
class Delivery:
    """What one delivery did, for the import or crawl report."""

    watch: str
    url: str
    items: int
    ok: bool
    attempts: int
    error: str | None = None
    resent: bool = False  # an earlier failed delivery, sent again

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _change(store: Any, hit: Any) -> str:
    """``new`` for a work stored once, ``new-version`` for a new text of a stored work."""
    return "new-version" if len(store.versions(hit.instrument_id or hit.id)) > 1 else "new"


def payload(watch: Watch, items: list[dict[str, Any]]) -> bytes:
    body = {"watch": watch.name, "query": watch.query, "filters": watch.filters,
            "sent_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "count": len(items), "items": items}
    return json.dumps(body, ensure_ascii=False, sort_keys=True).encode()


def notify(kb: KnowledgeBase, keys: Iterable[str], tries: int = TRIES,
           delay: float | None = None) -> list[Delivery]:
    """After an ingest: for each watch with a webhook, POST the stored texts among ``keys``
    (store keys of new works and new versions) that match it; first, send again the
    deliveries that failed before. Every delivery is logged in the record store."""
    store = kb.store
    watches = [w for w in list_watches(store) if w.webhook_url]
    if not watches:
        return []
    by_name = {w.name: w for w in watches}
    done: list[Delivery] = []
    failed = [d for d in store.deliveries(status="failed") + store.deliveries(status="pending")
              if d["watch"] in by_name]
    for old in sorted(failed, key=lambda d: d["id"])[-RESEND_FAILED:]:
        watch = by_name[old["watch"]]
        body = old["payload"].encode()
        result = post(watch.webhook_url or old["url"], body, watch.webhook_secret, tries, delay)
        store.record_delivery(watch.name, old["url"], old["payload"],
                              "delivered" if result.ok else "failed", result.attempts,
                              result.http_status, result.error, delivery_id=old["id"])
        done.append(Delivery(watch.name, old["url"], json.loads(body).get("count", 0),
                             result.ok, result.attempts, result.error, resent=True))
    key_list = list(dict.fromkeys(keys))
    if not key_list:
        return done
    records, _ = stored_records(kb, key_list)
    matched = match_records(kb, watches, records)
    for watch in watches:
        hits = matched.get(watch.name) or []
        if not hits:
            continue
        items = [item(h, _change(store, h)) for h in hits]
        body = payload(watch, items)
        url = watch.webhook_url or ""
        row = store.record_delivery(watch.name, url, body.decode(), "pending", 0, None, None)
        result = post(url, body, watch.webhook_secret, tries, delay)
        store.record_delivery(watch.name, url, body.decode(),
                              "delivered" if result.ok else "failed", result.attempts,
                              result.http_status, result.error, delivery_id=row)
        done.append(Delivery(watch.name, url, len(items), result.ok, result.attempts,
                             result.error))
    return done
