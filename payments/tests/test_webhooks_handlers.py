"""What each handled Stripe event type does to its payment session."""

import pytest
from django_tasks_db.models import DBTaskResult

from payments.models import PaymentLog, Refund, Transaction
from payments.models.logs import LogEvent
from payments.models.sessions import Flow
from payments.states import PaymentStatus
from payments.testing.factories import PaymentSessionFactory
from payments.testing.stripe_events import StripePayment, event
from payments.testing.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def _session(**fields):
    return PaymentSessionFactory(status=PaymentStatus.PENDING, **fields)


def _queued(task_name: str) -> list[dict]:
    rows = DBTaskResult.objects.filter(task_path=f"payments.tasks.{task_name}")
    return [row.args_kwargs["kwargs"] for row in rows]


def test_checkout_session_completed_paid_succeeds_and_records_the_intent(webhooks):
    session = _session()
    payment = StripePayment.for_session(session)

    webhooks.deliver(event("checkout.session.completed", payment.checkout_session()))

    session.refresh_from_db()
    assert session.status == PaymentStatus.SUCCEEDED
    assert session.paid_at is not None
    assert session.stripe_checkout_session_id == payment.checkout_session_id
    assert session.stripe_payment_intent_id == payment.payment_intent_id


def test_delayed_method_processes_then_async_payment_succeeds(webhooks):
    session = _session()
    payment = StripePayment.for_session(session)

    webhooks.deliver(
        event("checkout.session.completed", payment.checkout_session(payment_status="unpaid"))
    )
    session.refresh_from_db()
    assert (session.status, session.paid_at) == (PaymentStatus.PROCESSING, None)

    webhooks.deliver(event("checkout.session.async_payment_succeeded", payment.checkout_session()))
    session.refresh_from_db()
    assert session.status == PaymentStatus.SUCCEEDED and session.paid_at is not None


def test_async_payment_failed_fails(webhooks):
    session = _session()
    payment = StripePayment.for_session(session)
    unpaid = payment.checkout_session(payment_status="unpaid")

    webhooks.deliver(
        event("checkout.session.completed", unpaid),
        event("checkout.session.async_payment_failed", unpaid),
    )

    session.refresh_from_db()
    assert session.status == PaymentStatus.FAILED


def test_checkout_session_expired_expires(webhooks):
    session = _session()
    expired = StripePayment.for_session(session).checkout_session(
        payment_status="unpaid", status="expired"
    )

    webhooks.deliver(event("checkout.session.expired", expired))

    session.refresh_from_db()
    assert session.status == PaymentStatus.EXPIRED


def test_payment_intent_succeeded_records_charge_and_queues_the_fee_lookup(webhooks):
    session = _session(flow=Flow.PAYMENT_INTENT)
    payment = StripePayment.for_session(session)

    webhooks.deliver(event("payment_intent.succeeded", payment.payment_intent()))

    session.refresh_from_db()
    assert session.status == PaymentStatus.SUCCEEDED
    assert session.stripe_payment_intent_id == payment.payment_intent_id
    assert session.stripe_charge_id == payment.charge_id
    assert _queued("charge_ledger_sync") == [
        {"session_id": str(session.pk), "charge_id": payment.charge_id}
    ]


def test_payment_intent_processing_processes(webhooks):
    session = _session(flow=Flow.PAYMENT_INTENT)
    intent = StripePayment.for_session(session).payment_intent(status="processing")

    webhooks.deliver(event("payment_intent.processing", intent))

    session.refresh_from_db()
    assert session.status == PaymentStatus.PROCESSING


DECLINE = {
    "code": "card_declined",
    "decline_code": "insufficient_funds",
    "message": "Your card has insufficient funds.",
    "type": "card_error",
}


@pytest.mark.parametrize("flow", [Flow.CHECKOUT, Flow.PAYMENT_INTENT])
def test_declined_attempt_is_recorded_and_the_session_stays_open(webhooks, flow):
    session = _session(flow=flow)
    intent = StripePayment.for_session(session).payment_intent(
        status="requires_payment_method", last_payment_error=DECLINE
    )

    webhooks.deliver(event("payment_intent.payment_failed", intent))

    session.refresh_from_db()
    assert session.status == PaymentStatus.PENDING  # the customer may try another card
    assert session.failure_code == "card_declined"
    assert session.failure_decline_code == "insufficient_funds"
    assert session.failure_message == "Your card has insufficient funds."


def test_declined_one_shot_backend_charge_fails(webhooks):
    session = _session(flow=Flow.BACKEND)
    intent = StripePayment.for_session(session).payment_intent(
        status="requires_payment_method", last_payment_error=DECLINE
    )

    webhooks.deliver(event("payment_intent.payment_failed", intent))

    session.refresh_from_db()
    assert session.status == PaymentStatus.FAILED
    assert session.failure_decline_code == "insufficient_funds"


def test_payment_intent_canceled_cancels(webhooks):
    session = _session(flow=Flow.PAYMENT_INTENT)
    intent = StripePayment.for_session(session).payment_intent(status="canceled")

    webhooks.deliver(event("payment_intent.canceled", intent))

    session.refresh_from_db()
    assert session.status == PaymentStatus.CANCELED and session.canceled_at is not None


def test_checkout_intent_canceled_waits_for_the_session_to_expire(webhooks):
    session = _session(flow=Flow.CHECKOUT)
    payment = StripePayment.for_session(session)
    intent = payment.payment_intent(status="canceled")

    webhooks.deliver(event("payment_intent.canceled", intent))
    session.refresh_from_db()
    assert session.status == PaymentStatus.PENDING

    webhooks.deliver(event("checkout.session.expired", payment.checkout_session(status="expired")))
    session.refresh_from_db()
    assert session.status == PaymentStatus.EXPIRED


def test_charge_succeeded_records_card_receipt_and_charge(webhooks):
    session = _session()
    payment = StripePayment.for_session(session)

    webhooks.deliver(event("charge.succeeded", payment.charge()))

    session.refresh_from_db()
    assert (session.card_brand, session.card_last4) == ("visa", "4242")
    assert (session.card_exp_month, session.card_exp_year) == (12, 2034)
    assert session.receipt_url.endswith(payment.charge_id)
    assert session.stripe_charge_id == payment.charge_id
    assert session.status == PaymentStatus.PENDING  # fulfilment waits for the intent/session
    assert _queued("charge_ledger_sync") == [
        {"session_id": str(session.pk), "charge_id": payment.charge_id}
    ]


def test_charge_with_its_balance_transaction_is_booked_at_once(webhooks):
    session = _session()
    payment = StripePayment.for_session(session)

    webhooks.deliver(event("charge.succeeded", payment.charge(expand_balance_transaction=True)))

    row = Transaction.objects.get()
    assert (row.kind, row.gross, row.fee, row.net) == (
        "charge",
        2500,
        payment.fee,
        2500 - payment.fee,
    )
    assert row.stripe_balance_transaction_id == payment.charge_balance_transaction["id"]
    assert _queued("charge_ledger_sync") == []


def test_charge_refunded_with_its_refunds_applies_them(webhooks):
    session = _session()
    payment = StripePayment.for_session(session)
    payment.refund(1000)
    webhooks.deliver(*payment.payment_events())

    webhooks.deliver(event("charge.refunded", payment.charge(refunds=True)))

    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, 1000)
    refund = Refund.objects.get()
    assert (refund.status, refund.amount, refund.requested_by) == ("succeeded", 1000, "stripe")
    assert _queued("charge_refunds_sync") == []


def test_charge_refunded_without_its_refunds_fetches_them_in_a_task(shop, stripe_sdk):
    session = shop.paid_session()
    stripe_sdk.v1.refunds.create(params={"payment_intent": session.stripe_payment_intent_id})
    charge_refunded = next(e for e in shop.new_events() if e["type"] == "charge.refunded")
    assert charge_refunded["data"]["object"].get("refunds") is None  # as Stripe sends it

    shop.webhooks.deliver(charge_refunded)
    assert _queued("charge_refunds_sync") == [
        {"session_id": str(session.pk), "charge_id": session.stripe_charge_id}
    ]
    session.refresh_from_db()
    assert session.amount_refunded == 0  # nothing applied in the request itself

    run_queued_tasks()

    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.REFUNDED, 2500)
    assert Refund.objects.get().requested_by == "stripe"
    assert Transaction.objects.get(kind="refund").gross == -2500


@pytest.mark.parametrize("event_type", ["refund.created", "refund.updated"])
def test_refund_event_records_a_dashboard_refund(webhooks, event_type):
    session = _session()
    payment = StripePayment.for_session(session)
    webhooks.deliver(*payment.payment_events())

    webhooks.deliver(event(event_type, payment.refund(2500)))

    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.REFUNDED, 2500)
    refund = Refund.objects.get()
    assert refund.stripe_refund_id and refund.status == "succeeded"
    assert PaymentLog.objects.filter(event_type=LogEvent.REFUND_CREATED).count() == 1


def test_refund_failed_releases_a_pending_refund(webhooks):
    session = _session()
    payment = StripePayment.for_session(session)
    webhooks.deliver(*payment.payment_events())
    pending = payment.refund(500, status="pending")
    webhooks.deliver(event("refund.created", pending))
    assert Refund.objects.get().status == "pending"

    webhooks.deliver(event("refund.failed", {**pending, "status": "failed"}))

    refund = Refund.objects.get()
    assert refund.status == "failed"
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.SUCCEEDED, 0)
    assert not Transaction.objects.filter(kind__startswith="refund").exists()


def test_refund_failing_after_it_succeeded_books_the_money_back(webhooks):
    session = _session()
    payment = StripePayment.for_session(session)
    webhooks.deliver(*payment.payment_events())
    refund = payment.refund(1000)
    webhooks.deliver(event("refund.created", refund))

    webhooks.deliver(event("refund.failed", {**refund, "status": "failed"}))

    session.refresh_from_db()
    assert session.amount_refunded == 0
    rows = dict(Transaction.objects.filter(session=session).values_list("kind", "gross"))
    assert rows["refund"] == -1000 and rows["refund_failure"] == 1000
    # The status machine does not move back to succeeded; the refusal is on record.
    assert session.status == PaymentStatus.PARTIALLY_REFUNDED
    assert PaymentLog.objects.filter(event_type=LogEvent.TRANSITION_REFUSED).exists()
