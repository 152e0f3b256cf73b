"""Stripe does not keep order: every arrival order must end in the same, correct state."""

import itertools

import pytest

from payments.models import PaymentLog, Refund, Transaction, WebhookEvent
from payments.models.logs import LogEvent
from payments.states import PaymentStatus
from payments.testing.factories import PaymentSessionFactory
from payments.testing.stripe_events import StripePayment, event

pytestmark = pytest.mark.django_db


def _pending(**fields):
    return PaymentSessionFactory(status=PaymentStatus.PENDING, **fields)


def test_payment_intent_succeeded_before_checkout_completed_still_lands(webhooks):
    session = _pending()
    payment = StripePayment.for_session(session)

    webhooks.deliver(event("payment_intent.succeeded", payment.payment_intent()))
    session.refresh_from_db()
    assert session.status == PaymentStatus.SUCCEEDED

    webhooks.deliver(event("checkout.session.completed", payment.checkout_session()))
    session.refresh_from_db()
    assert session.status == PaymentStatus.SUCCEEDED
    assert PaymentLog.objects.filter(event_type=LogEvent.STATUS_CHANGED).count() == 1


def test_objects_without_our_metadata_are_matched_by_stored_stripe_ids(webhooks):
    session = _pending(stripe_checkout_session_id="cs_test_known")
    payment = StripePayment.for_session(session, tagged=False)

    webhooks.deliver(event("checkout.session.completed", payment.checkout_session()))
    session.refresh_from_db()
    assert session.stripe_payment_intent_id == payment.payment_intent_id

    # Now the intent id is known, untagged charge and refund events find the session too.
    webhooks.deliver(event("charge.succeeded", payment.charge()))
    webhooks.deliver(event("refund.updated", payment.refund(2500)))

    session.refresh_from_db()
    assert session.card_last4 == "4242"
    assert (session.status, session.amount_refunded) == (PaymentStatus.REFUNDED, 2500)
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}


def test_untagged_event_nobody_knows_waits_for_its_payment_intent(webhooks):
    """Nothing says whose it is yet: parked (test_parked_events.py), never applied to the
    wrong session; what is not ours is ignored there too."""
    session = _pending()
    stranger = StripePayment(session_id="not-a-uuid", amount=2500, tagged=False)

    response = webhooks.post(event("charge.succeeded", stranger.charge()))

    assert response.json()["status"] == "parked"
    assert WebhookEvent.objects.get().waiting_for == stranger.payment_intent_id
    session.refresh_from_db()
    assert not session.stripe_charge_id and not session.card_last4


def test_late_checkout_completed_does_not_unrefund(webhooks):
    session = _pending()
    payment = StripePayment.for_session(session)
    payment.refund(2500)
    webhooks.deliver(
        event("payment_intent.succeeded", payment.payment_intent()),
        event("charge.refunded", payment.charge(refunds=True)),
    )
    session.refresh_from_db()
    assert session.status == PaymentStatus.REFUNDED

    webhooks.deliver(
        event("checkout.session.completed", payment.checkout_session(payment_status="unpaid"))
    )
    webhooks.deliver(event("checkout.session.completed", payment.checkout_session()))

    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.REFUNDED, 2500)
    refused = PaymentLog.objects.filter(event_type=LogEvent.TRANSITION_REFUSED)
    assert list(refused.values_list("old_status", "new_status")) == [
        ("refunded", "processing"),
        ("refunded", "succeeded"),
    ]


def test_refund_that_overtakes_the_payment_is_applied_when_the_payment_lands(webhooks):
    # A Dashboard refund (no metadata of ours) of an Elements payment, whose intent id we
    # stored when we created it.
    session = _pending(flow="payment_intent", stripe_payment_intent_id="pi_known")
    payment = StripePayment.for_session(session, tagged=False)

    webhooks.deliver(event("refund.updated", payment.refund(1000)))
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.PENDING, 1000)

    webhooks.deliver(event("payment_intent.succeeded", payment.payment_intent()))

    session.refresh_from_db()
    assert session.status == PaymentStatus.PARTIALLY_REFUNDED
    moves = PaymentLog.objects.filter(event_type=LogEvent.STATUS_CHANGED)
    assert list(moves.values_list("old_status", "new_status")) == [
        ("pending", "succeeded"),
        ("succeeded", "partially_refunded"),
    ]


def test_stale_pending_refund_event_does_not_undo_success(webhooks):
    session = _pending()
    payment = StripePayment.for_session(session)
    webhooks.deliver(*payment.payment_events())
    succeeded = payment.refund(2500)
    pending = {**succeeded, "status": "pending"}

    webhooks.deliver(event("refund.updated", succeeded), event("refund.created", pending))

    assert Refund.objects.get().status == "succeeded"
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.REFUNDED, 2500)


def _one_refunded_payment(session):
    payment = StripePayment.for_session(session)
    first = payment.refund(1000)
    second = payment.refund(1500)
    return [
        event("checkout.session.completed", payment.checkout_session()),
        event("payment_intent.succeeded", payment.payment_intent()),
        event("charge.succeeded", payment.charge(expand_balance_transaction=True)),
        event("refund.created", {**first, "status": "pending"}),
        event("refund.updated", first),
        event("refund.created", second),
        event("charge.refunded", payment.charge(refunds=True)),
    ]


def test_every_order_of_a_refunded_payment_ends_in_the_same_state(webhooks):
    """Every order of 5 of the 7 events (a sample of the 5040 full orders), and the full
    sequence in both directions."""
    orders = [list(order) for order in itertools.permutations(range(5))][::6]
    orders += [list(range(7)), list(range(7))[::-1]]
    for order in orders:
        session = _pending()
        events = _one_refunded_payment(session)
        rest = [i for i in range(7) if i not in order]
        webhooks.deliver(*[events[i] for i in order + rest])

        session.refresh_from_db()
        assert session.status == PaymentStatus.REFUNDED, order
        assert session.amount_refunded == 2500, order
        assert session.refunds.filter(status="succeeded").count() == 2, order
        kinds = Transaction.objects.filter(session=session).values_list("kind", "gross")
        assert sorted(kinds) == [("charge", 2500), ("refund", -1500), ("refund", -1000)], order
