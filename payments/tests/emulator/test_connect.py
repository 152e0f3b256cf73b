"""Stripe Connect in the emulator: accounts, onboarding, destination charges, reversals."""

from __future__ import annotations

import pytest
import requests
import stripe

from payments.tests.emulator.support import (
    control,
    event_types,
    paid_intent,
    pay,
    session_params,
)


def new_account(client, emu, *, onboarded=True):
    account = client.v1.accounts.create(
        params={"type": "express", "email": "teacher@example.com", "country": "GB",
                "capabilities": {"card_payments": {"requested": True},
                                 "transfers": {"requested": True}}}
    )  # fmt: skip
    if onboarded:
        assert control(emu, f"accounts/{account.id}/onboard").status_code == 200
    return account


def test_new_express_account_cannot_take_charges_until_onboarded(client, emu):
    account = new_account(client, emu, onboarded=False)

    assert account.id.startswith("acct_")
    assert (account.type, account.email, account.country) == (
        "express",
        "teacher@example.com",
        "GB",
    )
    assert not (account.details_submitted or account.charges_enabled or account.payouts_enabled)
    assert account.capabilities.transfers == "inactive"
    assert account.requirements.currently_due

    onboarded = control(emu, f"accounts/{account.id}/onboard").json()

    assert onboarded["details_submitted"] and onboarded["charges_enabled"]
    assert onboarded["payouts_enabled"]
    assert onboarded["requirements"]["currently_due"] == []
    event = emu.events[-1]
    assert (event["type"], event["account"]) == ("account.updated", account.id)
    assert event["data"]["previous_attributes"]["charges_enabled"] is False
    assert client.v1.accounts.retrieve(account.id).charges_enabled is True


def test_account_link_page_onboards_and_returns(client, emu):
    account = new_account(client, emu, onboarded=False)
    link = client.v1.account_links.create(
        params={"account": account.id, "type": "account_onboarding",
                "refresh_url": "https://app.example/refresh", "return_url": "https://app.example/back"}
    )  # fmt: skip
    assert link.url.startswith(emu.url + "/connect/onboarding/")
    assert link.expires_at > link.created

    page = requests.get(link.url, timeout=10)
    assert page.status_code == 200 and account.id in page.text
    done = requests.post(link.url, timeout=10, allow_redirects=False)

    assert (done.status_code, done.headers["Location"]) == (303, "https://app.example/back")
    assert client.v1.accounts.retrieve(account.id).details_submitted is True


def test_account_link_needs_a_known_account(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.account_links.create(
            params={"account": "acct_nope", "type": "account_onboarding",
                    "return_url": "https://app.example/back"}
        )  # fmt: skip
    assert error.value.param == "account"


def test_destination_charge_transfers_the_amount_and_collects_the_fee(client, emu):
    account = new_account(client, emu)
    start = len(emu.events)

    intent = paid_intent(
        client,
        amount=10000,
        application_fee_amount=1000,
        transfer_data={"destination": account.id},
    )

    charge = client.v1.charges.retrieve(intent.latest_charge)
    transfer = client.v1.transfers.retrieve(charge.transfer)
    fee = client.v1.application_fees.retrieve(charge.application_fee)
    assert (transfer.amount, transfer.destination, transfer.source_transaction) == (
        10000,
        account.id,
        charge.id,
    )
    assert (fee.amount, fee.account, fee.charge) == (1000, account.id, charge.id)
    fee_txn = client.v1.balance_transactions.retrieve(fee.balance_transaction)
    transfer_txn = client.v1.balance_transactions.retrieve(transfer.balance_transaction)
    assert (fee_txn.type, fee_txn.amount) == ("application_fee", 1000)
    assert (transfer_txn.type, transfer_txn.amount) == ("transfer", -10000)
    assert {"transfer.created", "application_fee.created", "charge.succeeded"} <= set(
        event_types(emu, start)
    )


def test_checkout_destination_charge(client, emu):
    account = new_account(client, emu)
    session = client.v1.checkout.sessions.create(
        params=session_params(
            payment_intent_data={"application_fee_amount": 375,
                                 "transfer_data": {"destination": account.id}}
        )
    )  # fmt: skip
    paid = pay(emu, session.id)

    charge = client.v1.charges.retrieve(paid["payment_intent"]["latest_charge"])
    assert client.v1.application_fees.retrieve(charge.application_fee).amount == 375
    assert client.v1.transfers.retrieve(charge.transfer).amount == 2500


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"transfer_data": {"destination": "acct_unknown"}}, "transfer_data[destination]"),
        ({"application_fee_amount": 2001, "transfer_data": {}}, "application_fee_amount"),
    ],
)
def test_destination_is_checked_at_creation(client, emu, params, param):
    account = new_account(client, emu)
    params["transfer_data"].setdefault("destination", account.id)
    with pytest.raises(stripe.InvalidRequestError) as error:
        paid_intent(client, amount=2000, **params)
    assert error.value.param == param


def test_an_account_not_onboarded_cannot_be_a_destination(client, emu):
    account = new_account(client, emu, onboarded=False)
    with pytest.raises(stripe.InvalidRequestError) as error:
        paid_intent(client, transfer_data={"destination": account.id})
    assert error.value.code == "insufficient_capabilities_for_transfer"


def test_refunds_reverse_the_transfer_and_the_fee_in_proportion(client, emu):
    account = new_account(client, emu)
    intent = paid_intent(
        client, amount=1000, application_fee_amount=100, transfer_data={"destination": account.id}
    )
    charge = client.v1.charges.retrieve(intent.latest_charge)
    refund_params = {"payment_intent": intent.id, "reverse_transfer": True,
                     "refund_application_fee": True}  # fmt: skip

    first = client.v1.refunds.create(params={**refund_params, "amount": 333})
    client.v1.refunds.create(params={**refund_params, "amount": 333})
    client.v1.refunds.create(params=refund_params)  # the remaining 334

    transfer = client.v1.transfers.retrieve(charge.transfer)
    fee = client.v1.application_fees.retrieve(charge.application_fee)
    assert [r.amount for r in transfer.reversals.data] == [334, 333, 333]
    assert (transfer.amount_reversed, transfer.reversed) == (1000, True)
    assert first.transfer_reversal == transfer.reversals.data[-1].id
    # Cumulative, rounded half up: 33.3 -> 33, 66.6 -> 67, 100; listed newest first.
    assert [r.amount for r in fee.refunds.data] == [33, 34, 33]
    assert (fee.amount_refunded, fee.refunded) == (100, True)
    reversal_txn = client.v1.balance_transactions.retrieve(
        transfer.reversals.data[0].balance_transaction
    )
    assert (reversal_txn.type, reversal_txn.amount) == ("transfer_refund", 334)
    assert "transfer.reversed" in event_types(emu) and "application_fee.refunded" in event_types(
        emu
    )


def test_a_refund_without_reversal_leaves_the_transfer(client, emu):
    account = new_account(client, emu)
    intent = paid_intent(
        client, amount=1000, application_fee_amount=100, transfer_data={"destination": account.id}
    )
    refund = client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 500})

    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert refund.transfer_reversal is None
    assert client.v1.transfers.retrieve(charge.transfer).amount_reversed == 0


def test_reverse_transfer_needs_a_destination_charge(client):
    intent = paid_intent(client)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create(params={"payment_intent": intent.id, "reverse_transfer": True})
    assert error.value.param == "reverse_transfer"
    assert client.v1.charges.retrieve(intent.latest_charge).amount_refunded == 0
