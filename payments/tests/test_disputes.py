"""Disputes: status on the session, funds withdrawn and reinstated in the ledger."""

import pytest

from payments.models import PaymentLog, Transaction
from payments.models.logs import LogEvent
from payments.selectors.ledger import ledger_totals
from payments.states import DisputeStatus, PaymentStatus
from payments.testing.factories import PaymentSessionFactory
from payments.testing.stripe_events import StripePayment, event
from payments.tests.webhook_support import emulator_control

pytestmark = pytest.mark.django_db


def _disputed(shop):
    session = shop.paid_session()
    dispute = emulator_control(shop.emulator, f"charges/{session.stripe_charge_id}/dispute")
    events = shop.deliver_new_events()
    session.refresh_from_db()
    return session, dispute, events


def test_dispute_opens_and_books_the_withdrawal_with_its_fee(shop):
    session, dispute, events = _disputed(shop)

    assert [e["type"] for e in events] == [
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
    ]
    assert session.dispute_status == DisputeStatus.OPEN
    assert session.status == PaymentStatus.SUCCEEDED  # a dispute is not a refund
    withdrawal = dispute["balance_transactions"][0]
    row = Transaction.objects.get(kind="dispute")
    assert (row.gross, row.fee, row.net) == (-2500, withdrawal["fee"], withdrawal["net"])
    assert row.fee > 0 and row.stripe_object_id == dispute["id"]
    assert row.stripe_balance_transaction_id == withdrawal["id"]
    log = PaymentLog.objects.get(event_type=LogEvent.DISPUTE_UPDATED)
    assert (log.old_status, log.new_status) == ("", "open")


def test_won_dispute_reinstates_the_funds(shop):
    session, dispute, _ = _disputed(shop)

    emulator_control(shop.emulator, f"disputes/{dispute['id']}/close", outcome="won")
    shop.deliver_new_events()

    session.refresh_from_db()
    assert session.dispute_status == DisputeStatus.WON
    fee = Transaction.objects.get(kind="dispute").fee
    totals = ledger_totals(session=session)
    assert totals["dispute"] == -2500 and totals["dispute_reversal"] == 2500
    net = sum(Transaction.objects.filter(session=session).values_list("net", flat=True))
    assert net == 2500 - Transaction.objects.get(kind="charge").fee - fee  # the fee is lost


def test_lost_dispute_keeps_the_withdrawal(shop):
    session, dispute, _ = _disputed(shop)

    emulator_control(shop.emulator, f"disputes/{dispute['id']}/close", outcome="lost")
    shop.deliver_new_events()

    session.refresh_from_db()
    assert session.dispute_status == DisputeStatus.LOST
    assert not Transaction.objects.filter(kind="dispute_reversal").exists()


def test_stale_dispute_update_after_close_keeps_it_closed(webhooks):
    # Disputes carry no metadata of ours: the charge or intent id finds the session.
    session = PaymentSessionFactory(status=PaymentStatus.SUCCEEDED, stripe_payment_intent_id="pi_1")
    payment = StripePayment.for_session(session)

    webhooks.deliver(
        event("charge.dispute.closed", payment.dispute(status="won")),
        event("charge.dispute.created", payment.dispute(status="needs_response")),
        event("charge.dispute.updated", payment.dispute(status="under_review")),
    )

    session.refresh_from_db()
    assert session.dispute_status == DisputeStatus.WON
    kinds = sorted(Transaction.objects.values_list("kind", "gross"))
    assert kinds == [("dispute", -2500), ("dispute_reversal", 2500)]  # each booked once


def test_inquiry_closed_without_chargeback_counts_as_won(webhooks):
    # Disputes carry no metadata of ours: the charge or intent id finds the session.
    session = PaymentSessionFactory(status=PaymentStatus.SUCCEEDED, stripe_payment_intent_id="pi_1")
    inquiry = StripePayment.for_session(session).dispute(status="warning_closed")
    inquiry["balance_transactions"] = []  # inquiries move no money

    webhooks.deliver(event("charge.dispute.closed", inquiry))

    session.refresh_from_db()
    assert session.dispute_status == DisputeStatus.WON
    assert not Transaction.objects.exists()


def test_the_client_is_called_back_when_a_dispute_opens_and_closes(shop):
    session, dispute, _ = _disputed(shop)
    emulator_control(shop.emulator, f"disputes/{dispute['id']}/close", outcome="lost")
    shop.deliver_new_events()

    types = list(session.callbacks.order_by("sequence").values_list("type", flat=True))
    assert types == ["payment.succeeded", "payment.dispute_opened", "payment.dispute_closed"]
