"""Stripe's idempotency: the first result for a key is replayed; other parameters are refused.

Keys are scoped per API key. A key is reserved while its request executes (a concurrent
request with the same key gets 409) and is released without a stored result when the
request fails validation, as Stripe does. A key is forgotten 24 hours after its first use
(Stripe prunes keys at least 24 hours old): reusing it then runs the request anew.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from .errors import StripeError, idempotency_error

KEY_LIFETIME = 24 * 60 * 60


@dataclass
class StoredResponse:
    status: int
    body: bytes
    headers: dict[str, str]


@dataclass
class Entry:
    endpoint: str
    fingerprint: str
    created: float
    response: StoredResponse | None = None

    def expired(self, now: float) -> bool:
        return self.response is not None and now - self.created >= KEY_LIFETIME


def fingerprint(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


class IdempotencyCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], Entry] = {}

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def begin(
        self, scope: str, key: str, endpoint: str, params: dict[str, Any]
    ) -> StoredResponse | None:
        """Reserve `key`, or return the response to replay, or raise Stripe's idempotency_error."""
        signature = fingerprint(params)
        with self._lock:
            now = time.time()
            entry = self._entries.get((scope, key))
            if entry is None or entry.expired(now):
                self._entries[(scope, key)] = Entry(endpoint, signature, now)
                return None
        if entry.endpoint != endpoint:
            raise idempotency_error(
                "Keys for idempotent requests can only be used for the same endpoint they were "
                f"first used for ('{entry.endpoint}'). Try using a key other than '{key}' if you "
                "meant to execute a different request."
            )
        if entry.fingerprint != signature:
            raise idempotency_error(
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request."
            )
        if entry.response is None:
            raise _in_progress(key)
        return entry.response

    def finish(self, scope: str, key: str, response: StoredResponse) -> None:
        with self._lock:
            entry = self._entries.get((scope, key))
            if entry is not None:
                entry.response = response

    def release(self, scope: str, key: str) -> None:
        with self._lock:
            entry = self._entries.get((scope, key))
            if entry is not None and entry.response is None:
                del self._entries[(scope, key)]


def _in_progress(key: str) -> StripeError:
    return idempotency_error(
        "There is currently another in-progress request using this idempotent key (that "
        "probably means you submitted twice, and the other request is still going through): "
        f"{key}. Please try again later.",
        status=409,
        code="idempotency_key_in_use",
    )
