"""Refunds: partial, full, refused, and the failing-refund test card."""

from __future__ import annotations

import pytest
import stripe

from payments.tests.emulator.support import (
    control,
    event_types,
    paid_intent,
)


def test_partial_then_full_refund(client, emu):
    intent = paid_intent(client, amount=5000)
    first = client.v1.refunds.create(
        params={"payment_intent": intent.id, "amount": 2000, "reason": "requested_by_customer",
                "metadata": {"ticket": "T-1"}}
    )  # fmt: skip
    assert first.id.startswith("re_")
    assert (first.status, first.amount, first.charge) == ("succeeded", 2000, intent.latest_charge)
    assert first.payment_intent == intent.id
    assert first.reason == "requested_by_customer"
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (2000, False)
    second = client.v1.refunds.create(params={"charge": charge.id})  # the remaining amount
    assert second.amount == 3000
    charge = client.v1.charges.retrieve(intent.latest_charge, params={"expand": ["refunds"]})
    assert (charge.amount_refunded, charge.refunded) == (5000, True)
    assert [refund.id for refund in charge.refunds.data] == [second.id, first.id]
    assert event_types(emu)[-2:] == ["refund.created", "charge.refunded"]
    refunded_event = emu.events[-1]
    assert refunded_event["data"]["previous_attributes"] == {
        "amount_refunded": 2000,
        "refunded": False,
    }


def test_refund_has_its_own_balance_transaction_without_fee(client):
    intent = paid_intent(client, amount=5000)
    refund = client.v1.refunds.create(
        params={"payment_intent": intent.id, "amount": 1200},
        options={"idempotency_key": "refund-1"},
    )
    transaction = client.v1.balance_transactions.retrieve(refund.balance_transaction)
    assert (transaction.amount, transaction.fee, transaction.net) == (-1200, 0, -1200)
    assert (transaction.type, transaction.reporting_category) == ("refund", "refund")
    assert transaction.source == refund.id


def test_over_refund_is_refused(client, emu):
    intent = paid_intent(client, amount=5000)
    client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 4000})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1001})
    assert (raised.value.code, raised.value.param) == ("amount_too_large", "amount")
    assert len(emu.store.all("refund")) == 1


def test_refunding_a_fully_refunded_charge_is_refused(client):
    intent = paid_intent(client)
    client.v1.refunds.create(params={"payment_intent": intent.id})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create(params={"payment_intent": intent.id})
    assert raised.value.code == "charge_already_refunded"


def test_refund_needs_a_charge_or_payment_intent(client):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create(params={"amount": 100})
    assert raised.value.code == "parameter_missing"


def test_refunding_an_unpaid_intent_is_refused(client):
    intent = client.v1.payment_intents.create(params={"amount": 1000, "currency": "gbp"})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create(params={"payment_intent": intent.id})
    assert raised.value.param == "payment_intent"


def test_refund_fail_card_goes_pending_then_fails(client, emu):
    intent = paid_intent(client, card="pm_card_refundFail", amount=3000)
    refund = client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1000})
    assert refund.status == "pending"
    assert client.v1.charges.retrieve(intent.latest_charge).amount_refunded == 1000
    failed = control(emu, f"refunds/{refund.id}/fail").json()
    assert (failed["status"], failed["failure_reason"]) == ("failed", "expired_or_canceled_card")
    refund = client.v1.refunds.retrieve(refund.id)
    assert refund.status == "failed"
    failure = client.v1.balance_transactions.retrieve(refund.failure_balance_transaction)
    assert (failure.amount, failure.type) == (1000, "refund_failure")
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (0, False)
    assert event_types(emu)[-4:] == [
        "refund.failed",
        "refund.updated",
        "charge.refund.updated",
        "charge.updated",
    ]
    assert emu.events[-2]["data"]["previous_attributes"]["status"] == "pending"
    assert control(emu, f"refunds/{refund.id}/fail").status_code == 400


def test_list_and_update_refunds(client):
    intent = paid_intent(client, amount=5000)
    refund = client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 500})
    paid_other = paid_intent(client)
    client.v1.refunds.create(params={"payment_intent": paid_other.id})
    listed = client.v1.refunds.list(params={"payment_intent": intent.id})
    assert [item.id for item in listed.data] == [refund.id]
    updated = client.v1.refunds.update(refund.id, params={"metadata": {"note": "late"}})
    assert updated.metadata.note == "late"
