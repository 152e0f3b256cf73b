"""Disputes: the dispute test card, the control endpoints and the Disputes API."""

from __future__ import annotations

import pytest
import stripe

from payments.tests.emulator.support import (
    control,
    event_types,
    paid_intent,
    pay,
    session_params,
)


def disputed_charge(client, emu, currency="gbp"):
    intent = paid_intent(client, card="pm_card_createDispute", amount=4000, currency=currency)
    dispute = emu.store.all("dispute")[-1]
    return intent, dispute["id"]


def test_dispute_card_opens_a_dispute_after_the_payment(client, emu):
    intent, dispute_id = disputed_charge(client, emu)
    assert intent.status == "succeeded"
    dispute = client.v1.disputes.retrieve(dispute_id)
    assert dispute.id.startswith("dp_")
    assert (dispute.amount, dispute.currency, dispute.reason) == (4000, "gbp", "fraudulent")
    assert (dispute.status, dispute.charge) == ("needs_response", intent.latest_charge)
    assert dispute.payment_intent == intent.id
    assert dispute.evidence_details.due_by > dispute.created
    assert dispute.is_charge_refundable is False
    assert client.v1.charges.retrieve(intent.latest_charge).disputed is True
    assert event_types(emu)[-3:] == [
        "payment_intent.succeeded",
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
    ]


@pytest.mark.parametrize(("currency", "fee"), [("gbp", 2000), ("usd", 1500), ("eur", 2000)])
def test_dispute_withdrawal_carries_the_dispute_fee(client, emu, currency, fee):
    _, dispute_id = disputed_charge(client, emu, currency=currency)
    withdrawal = client.v1.disputes.retrieve(dispute_id).balance_transactions[0]
    assert (withdrawal.amount, withdrawal.fee, withdrawal.net) == (-4000, fee, -4000 - fee)
    assert (withdrawal.type, withdrawal.reporting_category) == ("adjustment", "dispute")


def test_won_dispute_reinstates_the_amount_but_not_the_fee(client, emu):
    _, dispute_id = disputed_charge(client, emu)
    closed = control(emu, f"disputes/{dispute_id}/close", outcome="won").json()
    assert closed["status"] == "won"
    reinstated = closed["balance_transactions"][1]
    assert (reinstated["amount"], reinstated["fee"], reinstated["net"]) == (4000, 0, 4000)
    assert reinstated["reporting_category"] == "dispute_reversal"
    assert event_types(emu)[-2:] == ["charge.dispute.closed", "charge.dispute.funds_reinstated"]


def test_lost_dispute_keeps_the_money_withdrawn(client, emu):
    _, dispute_id = disputed_charge(client, emu)
    closed = control(emu, f"disputes/{dispute_id}/close", outcome="lost").json()
    assert closed["status"] == "lost"
    assert len(closed["balance_transactions"]) == 1
    assert event_types(emu)[-1] == "charge.dispute.closed"
    assert control(emu, f"disputes/{dispute_id}/close", outcome="won").status_code == 400


def test_disputed_charge_cannot_be_refunded(client, emu):
    intent, _ = disputed_charge(client, emu)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create(params={"payment_intent": intent.id})
    assert raised.value.code == "charge_disputed"


def test_any_succeeded_charge_can_be_disputed_by_control_endpoint(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    intent = pay(emu, session.id)["payment_intent"]
    response = control(emu, f"charges/{intent['latest_charge']}/dispute")
    assert response.status_code == 200
    assert response.json()["object"] == "dispute"
    assert control(emu, f"charges/{intent['latest_charge']}/dispute").status_code == 400


def test_evidence_submission_and_accepting(client, emu):
    _, dispute_id = disputed_charge(client, emu)
    updated = client.v1.disputes.update(
        dispute_id,
        params={"evidence": {"customer_name": "Jenny Rosen"}, "submit": True,
                "metadata": {"case": "9"}},
    )  # fmt: skip
    assert updated.status == "under_review"
    assert updated.evidence.customer_name == "Jenny Rosen"
    assert updated.evidence_details.submission_count == 1
    assert event_types(emu)[-1] == "charge.dispute.updated"
    accepted = client.v1.disputes.close(dispute_id)
    assert accepted.status == "lost"
    listed = client.v1.disputes.list(params={"charge": accepted.charge})
    assert [item.id for item in listed.data] == [dispute_id]
