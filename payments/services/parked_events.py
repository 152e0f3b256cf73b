"""Stripe events that came before we knew their object: parked, then applied when it is linked.

Stripe does not keep order. A refund or dispute made in the Dashboard carries none of our ids
(no ``payments_session_id`` metadata), only its charge and PaymentIntent ids; if its events
overtake the payment's own events, no session knows those ids yet. Such an event is not
"not ours": it is stored as ``parked`` with the id it waits for (``waiting_for``: the
PaymentIntent's id, else the charge's). When an event (webhook or ``sync_stripe_events``)
teaches a session that id, the parked events are applied in Stripe's order (``created``, then
arrival) in the same transaction, under the same session lock.

What is not ours is ignored: an object that names a session (our metadata) we do not have, an
untagged PaymentIntent or Checkout Session (ours always carry our metadata), an object with
no id to wait for. An event parked for an object that never becomes ours (another integration
on the same Stripe account) is given up by ``purge_parked_events`` after
``PAYMENTS["PARKED_EVENT_RETENTION_DAYS"]``: it is marked ``ignored``.

Parking and linking take a transaction-level advisory lock on the awaited id (PostgreSQL), so
an event parked while another transaction links its object is either seen parked by the linker
or sees the link itself: it cannot be left behind.
"""

import hashlib
import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from payments.models import PaymentSession, WebhookEvent
from payments.models.logs import LogEvent
from payments.models.webhooks import WebhookEventStatus
from payments.services.audit import payment_log_create, webhook_event_applying
from payments.services.webhook_handlers import HANDLERS, EventContext, stripe_id

logger = logging.getLogger(__name__)

# Objects that point at a payment by its ids but carry none of ours when made outside our API.
_PARKABLE = ("refund", "dispute", "charge")
_ADVISORY_NAMESPACE = b"payments.parked:"


def session_stripe_ids(session: PaymentSession) -> set[str]:
    """The Stripe ids through which a session's objects are linked to it."""
    return {i for i in (session.stripe_payment_intent_id, session.stripe_charge_id) if i}


def parked_event_waiting_for(obj: dict[str, Any], *, names_a_session: bool) -> str:
    """The Stripe id an event about ``obj`` should wait for, or ``""`` if it is not ours.

    ``names_a_session``: the object carries our ``payments_session_id`` (or a client
    reference); if that session does not exist here, the object belongs to someone else.
    """
    if names_a_session or obj.get("object") not in _PARKABLE:
        return ""
    own = obj.get("id") if obj.get("object") == "charge" else None
    return stripe_id(obj.get("payment_intent")) or stripe_id(obj.get("charge")) or own or ""


def parked_ids_lock(stripe_ids: Iterable[str]) -> None:
    """Serialise parking and linking per awaited id (transaction-scoped; PostgreSQL only).

    Sorted, so two transactions locking several ids cannot deadlock each other."""
    if connection.vendor != "postgresql":
        return  # SQLite runs one writer at a time anyway.
    keys = [_advisory_key(value) for value in sorted(set(stripe_ids)) if value]
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _advisory_key(value: str) -> int:
    digest = hashlib.blake2b(_ADVISORY_NAMESPACE + value.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def parked_events_apply(*, session: PaymentSession, known_before: set[str]) -> int:
    """Apply, to ``session`` (row-locked by the caller), the events parked for the ids it
    learnt since ``known_before``; repeat while those events teach it more ids. Returns how
    many were applied. Runs in the caller's transaction: the link and what waited for it
    commit together."""
    applied = 0
    known = set(known_before)
    while new_ids := session_stripe_ids(session) - known:
        known |= new_ids
        parked_ids_lock(new_ids)
        waiting = (
            WebhookEvent.objects.select_for_update()
            .filter(status=WebhookEventStatus.PARKED, waiting_for__in=new_ids)
            .order_by("stripe_created", "pk")
        )
        for stored in waiting:
            applied += _apply_one(stored, session)
    if applied:
        logger.info("Applied %s parked Stripe events to session %s", applied, session.pk)
    return applied


def _apply_one(stored: WebhookEvent, session: PaymentSession) -> int:
    """One parked event, in a savepoint: if it fails, it is recorded ``failed`` (a later
    delivery or ``sync_stripe_events`` applies it) and the link that woke it still commits."""
    event = stored.payload
    handler = HANDLERS[stored.type]
    try:
        with transaction.atomic():
            payment_log_create(
                session=session,
                event_type=LogEvent.WEBHOOK_RECEIVED,
                actor=f"stripe:{stored.stripe_event_id}",
                webhook_event=stored,  # the payload is stored once, on the event
            )
            with webhook_event_applying(event=event, stored=stored):
                handler(EventContext(event=event, session=session))
    except Exception as error:
        logger.exception("Parked Stripe event %s failed", stored.stripe_event_id)
        session.refresh_from_db()  # the savepoint rolled its changes back
        _finish(stored, WebhookEventStatus.FAILED, session, f"{type(error).__name__}: {error}")
        return 0
    _finish(stored, WebhookEventStatus.PROCESSED, session, "")
    return 1


def _finish(stored: WebhookEvent, status: str, session: PaymentSession, error: str) -> None:
    WebhookEvent.objects.filter(pk=stored.pk).update(
        status=status,
        session=session,
        error=error[:2000],
        attempts=stored.attempts + 1,
        processed_at=timezone.now(),
    )


def parked_events_purge(*, older_than: timedelta) -> int:
    """Mark ``ignored`` the events parked longer than ``older_than`` (by Stripe's ``created``):
    their object never became ours. Returns how many."""
    cutoff = timezone.now() - older_than
    return WebhookEvent.objects.filter(
        status=WebhookEventStatus.PARKED, stripe_created__lt=cutoff
    ).update(
        status=WebhookEventStatus.IGNORED,
        error="Parked past the retention window: no session ever linked its Stripe object.",
        processed_at=timezone.now(),
    )
