"""Webhook signing (Stripe's `Stripe-Signature` scheme) and in-order delivery.

One background thread posts queued events one at a time, in the order they were queued,
to every target (URL and signing secret) chosen for the event when it was queued: the
`--forward-to` URL and each enabled webhook endpoint whose `enabled_events` match.
It never retries on its own; `resend` queues an event again. Every attempt is recorded.
Planned faults (`webhook_faults.py`) lose, repeat, delay or reorder a delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from typing import Any

from .webhook_faults import WebhookFault, WebhookFaultPlan

Target = tuple[str, str]  # (url, signing secret)

DELIVERY_TIMEOUT = 10
# Our own opener: never route webhook posts through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def signature_header(payload: str, secret: str, timestamp: int) -> str:
    signed = f"{timestamp}.{payload}".encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_payload(event: dict[str, Any]) -> str:
    return json.dumps(event, indent=2)


class WebhookDispatcher:
    """Queue of events to post; `targets(event)` chooses where each one goes when queued."""

    def __init__(self, targets: Callable[[dict[str, Any]], list[Target]]) -> None:
        self._targets = targets
        self._queue: deque[tuple[int, int, dict[str, Any], list[Target]]] = deque()
        self._condition = threading.Condition()
        self._queued = 0  # tickets handed out
        self._finished = 0  # tickets delivered or skipped, always in order
        self._generation = 0
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.deliveries: list[dict[str, Any]] = []
        self.faults = WebhookFaultPlan()

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(
            target=self._run, name="stripe-emulator-webhooks", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=DELIVERY_TIMEOUT + 1)
            self._thread = None
        with self._condition:  # release anyone still waiting for undelivered events
            self._queue.clear()
            self._finished = self._queued
            self._condition.notify_all()

    def clear(self) -> None:
        """Forget queued events and past deliveries (queued ones are skipped, not posted)."""
        with self._condition:
            self._generation += 1
            self.deliveries.clear()
            self.faults.clear()
            self._condition.notify_all()

    def enqueue(self, events: list[dict[str, Any]]) -> int | None:
        """Queue events that have a target; returns the ticket to wait for, or None."""
        routed = [(event, targets) for event in events if (targets := self._targets(event))]
        if not routed:
            return None
        with self._condition:
            for event, targets in routed:
                self._queued += 1
                self._queue.append((self._queued, self._generation, event, targets))
            self._condition.notify_all()
            return self._queued

    def wait(self, ticket: int | None = None, timeout: float | None = 10) -> bool:
        """Block until everything up to `ticket` (default: all queued) has been handled."""
        with self._condition:
            goal = self._queued if ticket is None else ticket
            return self._condition.wait_for(lambda: self._finished >= goal, timeout=timeout)

    def _run(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: self._queue or self._stopping)
                if self._stopping:
                    return
                ticket, generation, event, targets = self._queue.popleft()
                current = generation == self._generation
                fault = self.faults.take(event) if current else None
                if fault is not None and fault.kind == "reorder" and self._queue:
                    self._queue.insert(1, (ticket, generation, event, targets))
                    continue  # the next event goes first; this one follows it
            if current:
                self._deliver_with(fault, event, generation, targets)
            with self._condition:
                self._finished = max(self._finished, ticket)
                self._condition.notify_all()

    def _deliver_with(
        self,
        fault: WebhookFault | None,
        event: dict[str, Any],
        generation: int,
        targets: list[Target],
    ) -> None:
        kind = fault.kind if fault else None
        if kind == "lose":
            return
        if kind in ("delay", "reorder"):  # reorder with nothing queued behind it: late instead
            delay = fault.delay if fault else 0
            timer = threading.Timer(delay, self.enqueue, args=([event],))
            timer.daemon = True
            timer.start()
            return
        for _ in range(2 if kind == "duplicate" else 1):
            for url, secret in targets:
                self._deliver(event, generation, url, secret)

    def _deliver(self, event: dict[str, Any], generation: int, url: str, secret: str) -> None:
        record = post_event(url, secret, event)
        with self._condition:
            if generation == self._generation:
                self.deliveries.append(record)
        if record["status_code"] is not None and 200 <= record["status_code"] < 300:
            event["pending_webhooks"] = max(event.get("pending_webhooks", 1) - 1, 0)


def post_event(url: str, secret: str, event: dict[str, Any]) -> dict[str, Any]:
    """POST one signed event; returns the delivery record (never raises)."""
    payload = event_payload(event)
    request = urllib.request.Request(
        url,
        data=payload.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": signature_header(payload, secret, int(time.time())),
        },
    )
    record: dict[str, Any] = {
        "event_id": event["id"],
        "type": event["type"],
        "url": url,
        "status_code": None,
        "error": None,
    }
    try:
        with _OPENER.open(request, timeout=DELIVERY_TIMEOUT) as response:
            record["status_code"] = response.status
            response.read()
    except urllib.error.HTTPError as exc:
        record["status_code"] = exc.code
        record["error"] = f"HTTP {exc.code}"
    except Exception as exc:  # connection refused, timeout, bad URL: recorded, never fatal
        record["error"] = f"{type(exc).__name__}: {exc}"
    return record
