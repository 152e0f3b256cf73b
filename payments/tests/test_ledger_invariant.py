"""After any arrival order of a payment's events, with duplicates, the ledger agrees with the
session: charges add up to ``amount`` once paid, refunds to ``amount_refunded``."""

import uuid

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payments.models import Refund, Transaction, WebhookEvent
from payments.services.webhooks import webhook_event_receive
from payments.states import PAID_STATUSES, PaymentStatus, refund_status_for
from payments.testing.factories import PaymentSessionFactory
from payments.testing.stripe_events import StripePayment, event

pytestmark = pytest.mark.django_db

FINAL_REFUND_STATUSES = ("succeeded", "succeeded", "pending", "failed")


@st.composite
def payment_histories(draw):
    """A paid amount, its refunds (amount and final status), and which events Stripe sends."""
    amount = draw(st.integers(min_value=100, max_value=50_000))
    refunds, left = [], amount
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        if left <= 0:
            break
        part = draw(st.integers(min_value=1, max_value=left))
        refunds.append((part, draw(st.sampled_from(FINAL_REFUND_STATUSES))))
        left -= part
    return {
        "amount": amount,
        "refunds": refunds,
        "fulfil_with": draw(
            st.sets(st.sampled_from(["checkout", "intent"]), min_size=1, max_size=2)
        ),
        "snapshot": draw(st.booleans()),  # a charge.refunded listing the refunds halfway
        "duplicates": draw(st.lists(st.integers(min_value=0, max_value=100), max_size=5)),
        "order": draw(st.randoms(use_true_random=False)),
    }


def _events(payment: StripePayment, history: dict) -> list[dict]:
    events = [event("charge.succeeded", payment.charge(expand_balance_transaction=True))]
    if "checkout" in history["fulfil_with"]:
        events.append(event("checkout.session.completed", payment.checkout_session()))
    if "intent" in history["fulfil_with"]:
        events.append(event("payment_intent.succeeded", payment.payment_intent()))
    for amount, status in history["refunds"]:
        # Refunds made through our API: their metadata names the session (Dashboard refunds
        # that overtake the payment are caught by a task, tested in test_ledger).
        refund = payment.refund(amount, status="pending", ours=uuid.uuid4())
        events.append(event("refund.created", refund))
        if history["snapshot"]:
            events.append(event("charge.refunded", payment.charge(refunds=True)))
        if status != "pending":
            final = {**refund, "status": status}
            payment.refunds[refund["id"]] = final
            events.append(event(f"refund.{'failed' if status == 'failed' else 'updated'}", final))
    if history["refunds"]:
        events.append(event("charge.refunded", payment.charge(refunds=True)))
    events += [events[i % len(events)] for i in history["duplicates"]]
    history["order"].shuffle(events)
    return events


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=payment_histories())
def test_ledger_agrees_with_the_session_after_any_event_order(history):
    session = PaymentSessionFactory(amount=history["amount"], status=PaymentStatus.PENDING)
    payment = StripePayment.for_session(session)
    events = _events(payment, history)

    for stripe_event in events:
        webhook_event_receive(event=stripe_event)

    session.refresh_from_db()
    rows = Transaction.objects.filter(session=session)
    refunded = sum(amount for amount, status in history["refunds"] if status == "succeeded")
    assert session.status in PAID_STATUSES
    assert rows.filter(kind="charge").aggregate(total=Sum("gross"))["total"] == session.amount
    refund_rows = rows.filter(kind__in=["refund", "refund_failure"])
    assert -(refund_rows.aggregate(total=Sum("gross"))["total"] or 0) == session.amount_refunded
    assert session.amount_refunded == refunded
    assert session.status == refund_status_for(amount=session.amount, amount_refunded=refunded)
    assert Refund.objects.filter(session=session).count() == len(history["refunds"])
    stored = WebhookEvent.objects.filter(stripe_event_id__in={e["id"] for e in events})
    assert stored.count() == len({e["id"] for e in events})
    assert set(stored.values_list("status", flat=True)) == {"processed"}
