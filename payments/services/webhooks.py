"""Stripe events in: store each once, apply it to its session, never twice.

Used by the webhook endpoint and by ``stripe_event_sync`` (the same path, so a replayed
event is deduplicated like a redelivered one). The caller has verified the signature.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from payments.models import PaymentSession, WebhookEvent
from payments.models.logs import LogEvent
from payments.models.webhooks import WebhookEventStatus
from payments.services.audit import payment_log_create, webhook_event_applying
from payments.services.connect import ACCOUNT_EVENT_HANDLERS
from payments.services.parked_events import (
    parked_event_waiting_for,
    parked_events_apply,
    parked_ids_lock,
    session_stripe_ids,
)
from payments.services.payouts import PAYOUT_EVENT_HANDLERS
from payments.services.sessions import session_lock
from payments.services.subscription_events import SUBSCRIPTION_EVENT_HANDLERS
from payments.services.subscription_invoices import INVOICE_EVENT_HANDLERS
from payments.services.webhook_handlers import HANDLERS, EventContext, stripe_id

logger = logging.getLogger(__name__)

DUPLICATE = "duplicate"
_DONE = (WebhookEventStatus.PROCESSED, WebhookEventStatus.IGNORED)


class WebhookProcessingFailed(Exception):
    """Applying an event failed; its effects were rolled back and the error recorded."""

    def __init__(self, event_id: str, error: str):
        super().__init__(f"Event {event_id} could not be processed: {error}")
        self.event_id = event_id
        self.error = error


@dataclass(frozen=True)
class WebhookResult:
    event_id: str
    status: str  # processed, parked, ignored, or duplicate (seen before: nothing changed)


def webhook_event_receive(*, event: dict[str, Any]) -> WebhookResult:
    """Store a verified Stripe event once and apply it to its payment session.

    One transaction: insert the event (``ON CONFLICT DO NOTHING``) and lock its row, so a
    concurrent duplicate waits here and then finds it done; apply it while holding the
    session's row lock; mark it processed. If applying fails, that whole transaction rolls
    back, a second one records the error and attempt count (``_event_fail``), and
    ``WebhookProcessingFailed`` is raised (the endpoint answers 500 and Stripe retries).
    Rolling back the whole transaction rather than to a savepoint costs nothing on the
    success path, where a savepoint cost two round trips per event.
    """
    found: dict[str, Any] = {}
    stored: WebhookEvent | None = None
    try:
        with transaction.atomic():
            stored = _event_store_locked(event)
            if stored is None:
                return WebhookResult(event["id"], DUPLICATE)
            status = _event_apply(event, stored, found)
            _event_finish(
                stored,
                status=status,
                session=found.get("session"),
                waiting_for=found.get("waiting_for", ""),
            )
    except Exception as error:
        if stored is None:
            raise  # Storing the event failed: nothing was applied, nothing to record.
        logger.exception("Stripe event %s (%s) failed", event["id"], event.get("type"))
        message = f"{type(error).__name__}: {error}"[:2000]
        _event_fail(event, session=found.get("session"), error=message)
        raise WebhookProcessingFailed(event["id"], message) from error
    return WebhookResult(stored.stripe_event_id, status)


def _event_finish(
    stored: WebhookEvent, *, status: str, session: PaymentSession | None, waiting_for: str = ""
) -> None:
    stored.attempts += 1
    stored.status, stored.error, stored.session = status, "", session
    stored.processed_at = timezone.now()
    # A queryset update: the same statement as save(update_fields=...) for less Python.
    WebhookEvent.objects.filter(pk=stored.pk).update(
        status=status,
        error="",
        attempts=stored.attempts,
        session=session,
        processed_at=stored.processed_at,
        waiting_for=waiting_for,
    )


@transaction.atomic
def _event_fail(event: dict[str, Any], *, session: PaymentSession | None, error: str) -> None:
    """Record a failed attempt: the event row (again: its insert was rolled back with the
    rest) as ``failed`` with the error, and an ``error`` log. If a concurrent delivery of
    the same event processed it in the meantime, that result stands."""
    stored = _event_store_locked(event)
    if stored is None:
        return
    stored.attempts += 1
    stored.status = WebhookEventStatus.FAILED
    stored.error = error
    stored.session = session
    stored.save(update_fields=["status", "error", "attempts", "session", "processed_at"])
    payment_log_create(
        session=session,
        event_type=LogEvent.ERROR,
        actor=f"stripe:{event['id']}",
        webhook_event=stored,
        error_message=error,
    )


def _event_store_locked(event: dict[str, Any]) -> WebhookEvent | None:
    """The event's row, locked until the transaction ends; ``None`` if it is already done.

    A new event's row is inserted and so held by this transaction. A known one is first read
    without a lock: processed and ignored are final, so a duplicate answers at once and
    writes nothing (a row lock is a write). Otherwise (failed, or a first delivery still
    running) lock it: that waits for the running delivery to commit.
    """
    row = WebhookEvent(
        stripe_event_id=event["id"],
        type=str(event.get("type") or "")[:100],
        api_version=str(event.get("api_version") or "")[:50],
        livemode=bool(event.get("livemode")),
        stripe_created=datetime.fromtimestamp(int(event.get("created") or 0), tz=UTC),
        payload=event,
    )
    if _insert_unless_stored(row):
        return row
    known = WebhookEvent.objects.filter(stripe_event_id=event["id"])
    if known.filter(status__in=_DONE).exists():
        return None
    stored = known.select_for_update().only(*_STATE_FIELDS).get()
    return None if stored.status in _DONE else stored


_STATE_FIELDS = ("id", "stripe_event_id", "status", "attempts", "error", "session", "processed_at")


def _insert_unless_stored(row: WebhookEvent) -> bool:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: whether ``row`` was new.

    The ORM's ``bulk_create(ignore_conflicts=True)`` cannot say whether it inserted, which
    would cost every new event a second query to find and lock its row.
    """
    if not connection.features.can_return_columns_from_insert:
        WebhookEvent.objects.bulk_create([row], ignore_conflicts=True)
        return False  # Not known: the caller reads and locks the row.
    meta, quote = WebhookEvent._meta, connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    values = [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Names are quoted from the model's meta; values go as parameters.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({quote('stripe_event_id')}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        inserted = cursor.fetchone()
    if inserted is None:
        return False
    row.pk = inserted[0]
    row._state.adding, row._state.db = False, connection.alias
    return True


def _event_apply(event: dict[str, Any], stored: WebhookEvent, found: dict[str, Any]) -> str:
    handler = HANDLERS.get(event.get("type") or "")
    obj = event["data"]["object"]
    session = webhook_session_lock(obj) if handler else None
    if handler is not None and session is None:
        # An object no session knows yet may be ours all the same (a Dashboard refund that
        # overtook the payment's own events): park it until a session learns its id.
        waiting_for = parked_event_waiting_for(
            obj, names_a_session=bool(_referenced_session_ids(obj))
        )
        if waiting_for:
            parked_ids_lock([waiting_for])
            session = webhook_session_lock(obj)  # linked while we looked?
            found["waiting_for"] = "" if session else waiting_for
    if session is not None:
        found["session"] = session
    payment_log_create(
        session=session,
        event_type=LogEvent.WEBHOOK_RECEIVED,
        actor=f"stripe:{event['id']}",
        webhook_event=stored,  # the payload is stored once, on the event
    )
    if (other_handler := _OTHER_HANDLERS.get(event.get("type") or "")) is not None:
        # Events about payees' accounts, payouts, subscriptions and their invoices.
        status = other_handler(event)
        if status == WebhookEventStatus.PARKED:  # the handler recorded what it waits for
            found["waiting_for"] = WebhookEvent.objects.filter(pk=stored.pk).values_list(
                "waiting_for", flat=True
            )[0]
        return status
    if handler is None:
        return WebhookEventStatus.IGNORED
    if session is None:
        return WebhookEventStatus.PARKED if found.get("waiting_for") else WebhookEventStatus.IGNORED
    known_before = session_stripe_ids(session)
    with webhook_event_applying(event=event, stored=stored):
        handler(EventContext(event=event, session=session))
    # If this event taught the session its PaymentIntent or charge id, what waited for it.
    parked_events_apply(session=session, known_before=known_before)
    return WebhookEventStatus.PROCESSED


_OTHER_HANDLERS = (
    ACCOUNT_EVENT_HANDLERS
    | PAYOUT_EVENT_HANDLERS
    | SUBSCRIPTION_EVENT_HANDLERS
    | INVOICE_EVENT_HANDLERS
)


def webhook_session_lock(obj: dict[str, Any]) -> PaymentSession | None:
    """The session a Stripe object belongs to, row-locked; ``None`` if it is not ours.

    Our own references first (``metadata.payments_session_id``, ``client_reference_id``, also
    on an expanded payment intent), then the Stripe ids stored on sessions and refunds, so an
    event that overtakes the one that told us those ids still finds its session.
    """
    for session_id in _referenced_session_ids(obj):
        try:
            return session_lock(session_id=session_id)
        except PaymentSession.DoesNotExist:
            continue
    stored = _stored_ids_filter(obj)
    if stored is None:
        return None
    session_id = PaymentSession.objects.filter(stored).values_list("pk", flat=True).first()
    return session_lock(session_id=session_id) if session_id else None


def _referenced_session_ids(obj: dict[str, Any]) -> list[uuid.UUID]:
    intent = obj.get("payment_intent") if isinstance(obj.get("payment_intent"), dict) else {}
    candidates = [
        (obj.get("metadata") or {}).get("payments_session_id"),
        obj.get("client_reference_id"),
        (intent.get("metadata") or {}).get("payments_session_id"),
    ]
    ids: list[uuid.UUID] = []
    for candidate in candidates:
        try:
            value = uuid.UUID(str(candidate)) if candidate else None
        except ValueError:
            value = None
        if value is not None and value not in ids:
            ids.append(value)
    return ids


def _stored_ids_filter(obj: dict[str, Any]) -> Q | None:
    kind = obj.get("object")
    own_id = obj.get("id")
    pairs = {
        "checkout.session": [("stripe_checkout_session_id", own_id)],
        "payment_intent": [
            ("stripe_payment_intent_id", own_id),
            ("stripe_charge_id", stripe_id(obj.get("latest_charge"))),
        ],
        "charge": [("stripe_charge_id", own_id)],
        "refund": [("refunds__stripe_refund_id", own_id)],
        "dispute": [],
    }.get(kind)
    if pairs is None:
        return None
    pairs = [
        *pairs,
        ("stripe_charge_id", stripe_id(obj.get("charge"))),
        ("stripe_payment_intent_id", stripe_id(obj.get("payment_intent"))),
    ]
    query = Q()
    for name, value in pairs:
        if value:
            query |= Q(**{name: value})
    return query or None
