"""Memberships: a customer pays for a service every month through a payments subscription;
while it is active (or trialing), the member books that service without a deposit.

The subscription is started over HTTP (``payments_client``; Stripe Checkout in
``mode=subscription``) and followed through its signed ``subscription.*`` callbacks, applied as
snapshots: the newest ``sequence`` wins, a duplicate or older one changes nothing. Each renewal
is a payment at payments (its ``payment.*`` callbacks concern no booking).
"""

import uuid
from typing import Any
from urllib.parse import urljoin

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from bookings import payments_client
from bookings.models import MEMBER_STATUSES, Membership, ProcessedCallback, Service

PAYABLE_TYPE = "membership"


class MembershipNotOffered(Exception):
    """The service has no membership (its ``membership_amount`` is 0)."""


def member_of(*, service: Service, email: str) -> bool:
    """Whether ``email`` holds an active membership of ``service`` (no deposit is due)."""
    return Membership.objects.filter(
        service=service, customer_email__iexact=email, status__in=MEMBER_STATUSES
    ).exists()


def _subscription_body(membership: Membership, base_url: str, test_clock: str) -> dict[str, Any]:
    return_url = urljoin(base_url, reverse("bookings:membership-detail", args=[membership.pk]))
    body = {
        "flow": "checkout",
        "payable_type": PAYABLE_TYPE,
        "payable_id": str(membership.pk),
        "customer": {"email": membership.customer_email, "name": membership.customer_name},
        "amount": membership.amount,
        "currency": membership.currency,
        "interval": "month",
        "success_url": return_url,
        "cancel_url": return_url,
        "metadata": {"membership_id": str(membership.pk), "service": membership.service.slug},
    }
    if test_clock:
        body["test_clock"] = test_clock
    return body


def membership_create(
    *,
    service: Service,
    customer_name: str,
    customer_email: str,
    base_url: str,
    test_clock: str = "",
) -> Membership:
    """Start a monthly membership of ``service``: a payments subscription paid on Stripe
    Checkout (``checkout_url``). The amount comes from the service, never from the request.
    ``test_clock`` (test mode only) lets tests fast-forward the renewals. If payments cannot
    be reached or refuses, ``PaymentsError`` propagates and nothing is kept."""
    if service.membership_amount <= 0:
        raise MembershipNotOffered(f"The service '{service.slug}' has no membership.")
    membership = Membership.objects.create(
        service=service,
        customer_name=customer_name,
        customer_email=customer_email,
        amount=service.membership_amount,
        currency=service.currency,
    )
    try:
        answer = payments_client.subscription_create(
            idempotency_key=membership.payment_idempotency_key,
            body=_subscription_body(membership, base_url, test_clock),
        )
    except payments_client.PaymentsError:
        membership.delete()
        raise
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        membership.checkout_url = answer.get("checkout_url") or ""
        if not membership.last_callback_sequence:  # a callback is newer than this answer
            _apply(membership, answer)
        membership.save()
    return membership


def membership_cancel(*, membership: Membership) -> Membership:
    """Cancel at the end of the paid period; the member keeps booking without a deposit until
    then. The status changes when payments' ``subscription.*`` callbacks say so."""
    payments_client.subscription_cancel(
        subscription_id=membership.subscription_id,
        idempotency_key=f"{membership.payment_idempotency_key}-cancel",
        at_period_end=True,
    )
    return membership


def membership_portal_url(*, membership: Membership, return_url: str) -> str:
    """The Billing Portal page where the member updates the card (paying an overdue renewal)."""
    answer = payments_client.subscription_portal(
        subscription_id=membership.subscription_id,
        idempotency_key=f"{membership.payment_idempotency_key}-portal-{uuid.uuid4()}",
        return_url=return_url,
    )
    return str(answer["url"])


def _apply(membership: Membership, data: dict[str, Any]) -> None:
    membership.subscription_id = membership.subscription_id or str(data["id"])
    membership.status = str(data.get("status") or "")
    membership.current_period_end = parse_datetime(str(data.get("current_period_end") or ""))
    membership.cancel_at_period_end = bool(data.get("cancel_at_period_end"))


def _membership_for_callback(data: dict[str, Any]) -> Membership | None:
    if data.get("payable_type") != PAYABLE_TYPE:
        return None
    try:
        membership_id = uuid.UUID(str(data.get("payable_id")))
    except ValueError:
        return None
    return Membership.objects.select_for_update().filter(pk=membership_id).first()


@transaction.atomic
def subscription_callback_process(
    *, event_id: str, type: str, sequence: int, data: dict[str, Any]
) -> str:
    """Apply one verified ``subscription.*`` callback. Returns the outcome: ``applied``,
    ``duplicate``, ``stale``, ``unknown_membership`` or ``other_subscription``."""
    membership = _membership_for_callback(data)  # locked: one callback at a time per member
    if membership is None:
        outcome = "unknown_membership"
    elif membership.subscription_id and membership.subscription_id != str(data.get("id")):
        outcome = "other_subscription"
    elif sequence <= membership.last_callback_sequence:
        outcome = "stale"
    else:
        outcome = "applied"
    try:
        with transaction.atomic():
            ProcessedCallback.objects.create(
                event_id=event_id, membership=membership, type=type, sequence=sequence,
                outcome=outcome,
            )  # fmt: skip
    except IntegrityError:
        return "duplicate"
    if outcome == "applied":
        _apply(membership, data)
        membership.last_callback_sequence = sequence
        membership.save()
    return outcome
