"""Delivering one callback: claim it, POST it signed, record the attempt, schedule a retry.

No transaction is held during the HTTP request. Claiming bumps ``next_attempt_at`` by a lease
(longer than the request's timeouts), so a second worker holding a duplicate task finds the
callback not due and leaves it alone; a worker that dies mid-request leaves a callback that is
due again once the lease runs out, which the sweeper picks up.

Retries: after network errors, timeouts, 5xx, 408 and 429, attempt ``n + 1`` waits
``1 min * 3**(n-1)`` (at most 6 h) with +/-20 % jitter; ``MAX_ATTEMPTS`` = 10 spreads over
about 24 hours (never under 19 h). Any other answer that is not 2xx fails the callback at once.
"""

import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta

import requests
from django.db import transaction
from django.utils import timezone

from payments.callback_urls import callback_url_shape_problem, sanitised_excerpt
from payments.models import CallbackAttempt, CallbackEvent
from payments.models.callbacks import CallbackStatus
from payments.models.logs import LogEvent
from payments.services.audit import payment_log_create
from payments.services.callback_transport import callback_http_session, refused_for_address
from payments.services.callbacks import (
    callback_body,
    callback_destination,
    callback_enqueue,
    callback_task_enqueue,
)
from payments.signing import SIGNATURE_HEADER, callback_signature_header

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 10
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 10
FIRST_RETRY_SECONDS = 60
RETRY_FACTOR = 3
MAX_RETRY_SECONDS = 6 * 60 * 60
JITTER = 0.2
RETRYABLE_STATUS_CODES = frozenset({408, 429})
USER_AGENT = "payments-callbacks/1"
# Of a failed answer only this much is read, and at most 200 printable characters kept.
EXCERPT_READ_BYTES = 1024


@dataclass(frozen=True)
class Outcome:
    url: str
    status_code: int | None
    latency_ms: int | None
    error: str
    # The URL or the address it connected to is not allowed (payments.callback_urls): no retry.
    refused: bool = False

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        if self.refused:
            return False
        if self.status_code is None:
            return bool(self.url)  # network error or timeout; no URL is a configuration problem
        return self.status_code >= 500 or self.status_code in RETRYABLE_STATUS_CODES


def retry_delay(failed_attempts: int) -> timedelta:
    """How long to wait after the ``failed_attempts``-th failure, jitter included."""
    base = min(FIRST_RETRY_SECONDS * RETRY_FACTOR ** (failed_attempts - 1), MAX_RETRY_SECONDS)
    return timedelta(seconds=base * random.uniform(1 - JITTER, 1 + JITTER))


# What ``_claim`` says when another transaction holds the callback's row.
BUSY = "busy"
# A callback row is locked only by short transactions (a claim, a recorded answer, a
# redelivery): try again soon.
BUSY_RETRY_SECONDS = 2


def _claim(callback_id: str) -> CallbackEvent | str | None:
    """Lease the callback for one attempt: the callback, ``None`` if there is nothing to do
    (not pending, not due), or ``BUSY`` if another transaction holds its row.

    Only the callback's own row is locked (``of=("self",)``, no ordering: the model's default
    ordering by session would join and lock the session row too, and a webhook holding the
    session's lock would make this claim skip a callback that is due).
    """
    with transaction.atomic():
        callback = (
            CallbackEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=callback_id, status=CallbackStatus.PENDING)
            .order_by("pk")
            .first()
        )
        now = timezone.now()
        if callback is None:
            pending = CallbackEvent.objects.filter(pk=callback_id, status=CallbackStatus.PENDING)
            return BUSY if pending.exists() else None
        if callback.next_attempt_at and callback.next_attempt_at > now:
            return None
        callback.attempts += 1
        callback.next_attempt_at = now + LEASE
        callback.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
    return callback


def _post(callback: CallbackEvent) -> Outcome:
    destination = callback_destination(api_client=callback.api_client)
    if destination.problem:
        return Outcome(
            url=destination.url, status_code=None, latency_ms=None, error=destination.problem
        )
    problem = callback_url_shape_problem(destination.url)
    if problem:
        return Outcome(destination.url, None, None, f"Callback URL {problem}.", refused=True)
    body = callback_body(callback)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: callback_signature_header(secret=destination.secret, body=body),
        "Payments-Event-Id": callback.pk,
    }
    started = time.monotonic()
    try:
        with callback_http_session() as http:
            response = http.post(
                destination.url,
                data=body,
                headers=headers,
                timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
                allow_redirects=False,
                stream=True,  # read only a short excerpt of the answer
            )
            excerpt = sanitised_excerpt(response.raw.read(EXCERPT_READ_BYTES, decode_content=True))
            response.close()
    except requests.RequestException as error:
        latency = int((time.monotonic() - started) * 1000)
        if refused_for_address(error):
            message = "Callback host is not on a public address: refused."
            return Outcome(destination.url, None, latency, message, refused=True)
        detail = sanitised_excerpt(str(error).encode())
        return Outcome(destination.url, None, latency, f"{type(error).__name__}: {detail}")
    latency = int((time.monotonic() - started) * 1000)
    error = ""
    if not 200 <= response.status_code < 300:
        error = f"HTTP {response.status_code}: {excerpt}".strip()
        if 300 <= response.status_code < 400:
            error += " (redirects are not followed: configure the final URL)"
    return Outcome(destination.url, response.status_code, latency, error)


def _record(callback_id: str, outcome: Outcome) -> str:
    with transaction.atomic():
        callback = CallbackEvent.objects.select_for_update().get(pk=callback_id)
        CallbackAttempt.objects.create(
            callback=callback,
            url=outcome.url,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            error=outcome.error,
        )
        callback.last_status_code, callback.last_error = outcome.status_code, outcome.error
        fields = ["last_status_code", "last_error", "status", "next_attempt_at", "delivered_at"]
        now = timezone.now()
        if outcome.delivered:
            callback.status, callback.delivered_at, callback.next_attempt_at = (
                CallbackStatus.DELIVERED,
                now,
                None,
            )
            callback.save(update_fields=[*fields, "updated_at"])
            _log(callback, LogEvent.CALLBACK_SENT, outcome)
            return "delivered"
        if outcome.retryable and callback.attempts < MAX_ATTEMPTS:
            callback.next_attempt_at = now + retry_delay(callback.attempts)
            callback_enqueue(callback=callback, run_after=callback.next_attempt_at, fields=fields)
            return f"retry {callback.attempts + 1} at {callback.next_attempt_at.isoformat()}"
        callback.status, callback.next_attempt_at = CallbackStatus.FAILED, None
        callback.save(update_fields=[*fields, "updated_at"])
        _log(callback, LogEvent.ERROR, outcome)
        return "failed"


def _log(callback: CallbackEvent, event_type: str, outcome: Outcome) -> None:
    payment_log_create(
        session=callback.session,
        event_type=event_type,
        actor=f"callback:{callback.pk}",
        payload={
            "callback_id": callback.pk,
            "type": callback.type,
            "sequence": callback.sequence,
            "attempts": callback.attempts,
            "url": outcome.url,
            "status_code": outcome.status_code,
        },
        error_message=f"Callback {callback.type} gave up: {outcome.error}" if outcome.error else "",
    )


def callback_deliver(*, callback_id: str) -> str:
    """Make one delivery attempt of a due, pending callback; a no-op for one that is not due,
    delivered, failed, or being delivered by another worker. If another transaction holds the
    callback's row, a new task tries again in ``BUSY_RETRY_SECONDS``. Returns what happened."""
    callback = _claim(callback_id)
    if callback is None:
        return "skipped: not pending, or not due (delivered, failed, or leased by a worker)"
    if callback == BUSY:
        # Finishing here would leave a due callback without a task until the sweep.
        run_after = timezone.now() + timedelta(seconds=BUSY_RETRY_SECONDS)
        callback_task_enqueue(callback_id=callback_id, run_after=run_after)
        return f"busy: its row is locked by another transaction; retry at {run_after.isoformat()}"
    outcome = _post(callback)
    if not outcome.delivered:
        logger.info("Callback %s attempt %s: %s", callback_id, callback.attempts, outcome.error)
    return _record(callback_id, outcome)
