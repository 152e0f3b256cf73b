"""The ledger: charge rows with Stripe's fee and net, written once, never edited."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from payments.models import Transaction
from payments.models.base import AppendOnlyError
from payments.selectors.ledger import ledger_totals
from payments.services.ledger import (
    balance_transaction_amounts,
    ledger_entry_add,
    ledger_record_refund,
)
from payments.states import PaymentStatus
from payments.tasks import charge_ledger_sync
from payments.testing.factories import PaymentSessionFactory
from payments.testing.stripe_events import StripePayment, balance_transaction
from payments.testing.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def test_paid_charge_is_booked_with_stripes_fee_and_net(shop, stripe_emulator):
    session = shop.paid_session(amount=10_000)

    row = Transaction.objects.get(session=session)
    stripe_txn = stripe_emulator.get(row.stripe_balance_transaction_id)
    assert stripe_txn["source"] == session.stripe_charge_id == row.stripe_object_id
    assert (row.kind, row.currency, row.status) == ("charge", "gbp", "completed")
    assert (row.gross, row.fee, row.net) == (10_000, stripe_txn["fee"], stripe_txn["net"])
    assert row.fee > 0 and row.gross == row.fee + row.net
    assert row.metadata["fee_details"][0]["type"] == "stripe_fee"


def test_charge_task_run_again_writes_nothing_more(shop):
    session = shop.paid_session()

    result = charge_ledger_sync.enqueue(
        session_id=str(session.pk), charge_id=session.stripe_charge_id
    )
    run_queued_tasks()

    assert Transaction.objects.filter(kind="charge").count() == 1
    assert DBTaskResult.objects.get(pk=result.id).return_value == "already recorded"


def test_charge_task_retries_later_while_stripe_is_down(shop, stripe_emulator):
    session = shop.checkout()
    shop.pay(session)
    stripe_emulator.fail_next("GET", "/v1/charges/", status=500, count=1)
    shop.deliver_new_events()

    run_queued_tasks()

    assert not Transaction.objects.exists()
    retries = DBTaskResult.objects.filter(
        status="READY", task_path="payments.tasks.charge_ledger_sync"
    )
    assert [r.args_kwargs["kwargs"]["attempt"] for r in retries] == [1]
    assert all(r.run_after > timezone.now() for r in retries)
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        run_queued_tasks()
    assert Transaction.objects.get().gross == session.amount


def test_charge_task_also_fetches_refunds_whose_events_found_no_session(shop, stripe_sdk):
    session = shop.checkout()
    shop.pay(session)
    payment_events = shop.new_events()
    intent_id = next(e for e in payment_events if e["type"] == "payment_intent.succeeded")
    stripe_sdk.v1.refunds.create(
        params={"payment_intent": intent_id["data"]["object"]["id"], "amount": 700}
    )
    refund_events = shop.new_events()
    # Dashboard refund events (no metadata of ours) before we knew the intent: ignored.
    shop.webhooks.deliver(*refund_events)
    shop.webhooks.deliver(*payment_events)

    run_queued_tasks()

    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, 700)
    assert ledger_totals(session=session) == {"charge": 2500, "refund": -700}


def test_ledger_rows_are_append_only():
    row = _charge_row()

    row.fee = 0
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()


def test_same_stripe_object_is_booked_once():
    session = PaymentSessionFactory()
    kwargs = {"session": session, "kind": "charge", "gross": 2500, "fee": 58, "currency": "gbp"}

    assert ledger_entry_add(stripe_object_id="ch_1", **kwargs) is True
    assert ledger_entry_add(stripe_object_id="ch_1", **kwargs) is False

    assert Transaction.objects.count() == 1


@pytest.mark.parametrize(("kind", "gross"), [("charge", -100), ("refund", 100), ("dispute", 1)])
def test_sign_must_match_the_kind(kind, gross):
    session = PaymentSessionFactory()
    with pytest.raises(ValueError, match=f"A {kind} ledger row cannot have gross"):
        ledger_entry_add(
            session=session, kind=kind, gross=gross, fee=0, currency="gbp", stripe_object_id="x"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(
            session=session, kind=kind, gross=gross, fee=0, net=gross, currency="gbp"
        )


def test_balance_transaction_that_does_not_add_up_is_refused():
    txn = {**balance_transaction(amount=2500, fee=58, currency="gbp", source="ch_1"), "net": 1}
    with pytest.raises(ValueError, match="does not add up"):
        balance_transaction_amounts(txn)


def test_refund_row_takes_fee_from_an_expanded_balance_transaction():
    session = PaymentSessionFactory()
    refund = StripePayment.for_session(session).refund(1000)
    refund["balance_transaction"] = balance_transaction(
        amount=-1000, fee=-15, currency="gbp", source=refund["id"], type="refund"
    )

    ledger_record_refund(session=session, refund=refund)

    row = Transaction.objects.get()
    assert (row.kind, row.gross, row.fee, row.net) == ("refund", -1000, -15, -985)


def _charge_row() -> Transaction:
    session = PaymentSessionFactory()
    ledger_entry_add(
        session=session,
        kind="charge",
        gross=2500,
        fee=58,
        currency="gbp",
        stripe_object_id="ch_append_only",
    )
    return Transaction.objects.get()
