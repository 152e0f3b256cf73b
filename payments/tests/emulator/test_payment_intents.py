"""PaymentIntents, charges and balance transactions through the real SDK."""

from __future__ import annotations

import pytest
import stripe

from payments.tests.emulator.support import (
    control,
    event_types,
    paid_intent,
)


def test_create_without_payment_method_waits_for_one(client, emu):
    intent = client.v1.payment_intents.create(params={"amount": 1500, "currency": "usd"})
    assert intent.id.startswith("pi_")
    assert intent.status == "requires_payment_method"
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    assert intent.automatic_payment_methods.enabled is True
    assert intent.latest_charge is None
    assert event_types(emu) == ["payment_intent.created"]


def test_create_and_confirm_in_one_call_succeeds_with_a_charge(client, emu):
    intent = paid_intent(client, amount=2500, currency="gbp", metadata={"booking": "42"},
                         description="Room 12", receipt_email="guest@example.com")  # fmt: skip
    assert intent.status == "succeeded"
    assert intent.amount_received == 2500
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.status, charge.paid, charge.captured) == ("succeeded", True, True)
    assert charge.amount_captured == 2500
    assert charge.payment_intent == intent.id
    assert charge.metadata.to_dict() == {"booking": "42"}
    assert charge.receipt_email == "guest@example.com"
    card = charge.payment_method_details.card
    assert (card.brand, card.last4, card.funding, card.network) == (
        "visa",
        "4242",
        "credit",
        "visa",
    )
    assert charge.outcome.network_status == "approved_by_network"
    assert charge.receipt_url.startswith(emu.url)
    assert event_types(emu) == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
    ]


@pytest.mark.parametrize(
    ("currency", "amount", "fee"),
    [("gbp", 2500, 58), ("eur", 1000, 40), ("usd", 1999, 88), ("jpy", 5000, 180),
     ("chf", 1000, 59)],
)  # fmt: skip
def test_balance_transaction_carries_realistic_fees(client, currency, amount, fee):
    intent = paid_intent(client, amount=amount, currency=currency)
    charge = client.v1.charges.retrieve(
        intent.latest_charge, params={"expand": ["balance_transaction"]}
    )
    transaction = charge.balance_transaction
    assert transaction.id.startswith("txn_")
    assert (transaction.amount, transaction.fee, transaction.net) == (amount, fee, amount - fee)
    assert transaction.fee_details[0].type == "stripe_fee"
    assert transaction.fee_details[0].amount == fee
    assert (transaction.type, transaction.reporting_category) == ("charge", "charge")
    assert transaction.source == charge.id
    # The emulator's default availability delay is 0: funds are available at once.
    assert transaction.status == "available"
    assert transaction.available_on == transaction.created
    assert client.v1.balance_transactions.retrieve(transaction.id).net == amount - fee


def test_expand_follows_nested_paths(client):
    intent = paid_intent(client)
    expanded = client.v1.payment_intents.retrieve(
        intent.id,
        params={"expand": ["latest_charge.balance_transaction", "payment_method"]},
    )
    assert expanded.latest_charge.object == "charge"
    assert expanded.latest_charge.balance_transaction.object == "balance_transaction"
    assert expanded.payment_method.card.last4 == "4242"


def test_expanding_a_plain_field_is_refused(client):
    intent = paid_intent(client)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.retrieve(intent.id, params={"expand": ["status"]})
    assert "cannot be expanded" in raised.value.user_message


@pytest.mark.parametrize(
    ("card", "decline_code"),
    [
        ("pm_card_visa_chargeDeclined", "generic_decline"),
        ("pm_card_visa_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("pm_card_visa_chargeDeclinedLostCard", "lost_card"),
        ("pm_card_chargeCustomerFail", "generic_decline"),
    ],
)
def test_declines_answer_402_with_the_intent_and_decline_code(client, emu, card, decline_code):
    with pytest.raises(stripe.CardError) as raised:
        paid_intent(client, card=card)
    error = raised.value
    assert error.http_status == 402
    assert (error.code, error.error.decline_code) == ("card_declined", decline_code)
    intent = error.error.payment_intent
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.decline_code == decline_code
    assert intent.last_payment_error.type == "card_error"
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.status, charge.failure_code) == ("failed", "card_declined")
    assert charge.balance_transaction is None
    assert event_types(emu)[-2:] == ["charge.failed", "payment_intent.payment_failed"]


def test_a_declined_intent_can_be_confirmed_again_with_another_card(client):
    with pytest.raises(stripe.CardError) as raised:
        paid_intent(client, card="pm_card_visa_chargeDeclined")
    intent_id = raised.value.error.payment_intent.id
    intent = client.v1.payment_intents.confirm(intent_id, params={"payment_method": "pm_card_visa"})
    assert intent.status == "succeeded"
    assert intent.last_payment_error is None


def test_three_d_secure_card_requires_action_then_authenticates(client, emu):
    intent = paid_intent(client, card="pm_card_authenticationRequired")
    assert intent.status == "requires_action"
    assert intent.next_action.type == "use_stripe_sdk"
    assert intent.latest_charge is None
    assert event_types(emu)[-1] == "payment_intent.requires_action"
    response = control(emu, f"payment_intents/{intent.id}/authenticate", outcome="succeed")
    assert response.json()["status"] == "succeeded"
    charge = client.v1.charges.retrieve(response.json()["latest_charge"])
    assert charge.payment_method_details.card.three_d_secure.result == "authenticated"
    assert event_types(emu)[-2:] == ["charge.succeeded", "payment_intent.succeeded"]


def test_failed_authentication_returns_to_requires_payment_method(client, emu):
    intent = paid_intent(client, card="pm_card_authenticationRequired")
    control(emu, f"payment_intents/{intent.id}/authenticate", outcome="fail")
    intent = client.v1.payment_intents.retrieve(intent.id)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "payment_intent_authentication_failure"
    assert event_types(emu)[-1] == "payment_intent.payment_failed"


def test_off_session_three_d_secure_declines_with_authentication_required(client, emu):
    customer = client.v1.customers.create(
        params={"payment_method": "pm_card_authenticationRequired"}
    )
    saved = client.v1.customers.payment_methods.list(customer.id).data[0]
    with pytest.raises(stripe.CardError) as raised:
        paid_intent(client, card=saved.id, customer=customer.id, off_session=True)
    assert raised.value.code == "authentication_required"
    assert raised.value.error.payment_intent.status == "requires_payment_method"


def test_error_on_requires_action_fails_instead_of_asking_for_3ds(client):
    with pytest.raises(stripe.CardError) as raised:
        paid_intent(client, card="pm_card_authenticationRequired", error_on_requires_action=True)
    assert raised.value.code == "authentication_required"
    assert raised.value.error.payment_intent.next_action is None


def test_saved_card_that_fails_when_charged(client):
    customer = client.v1.customers.create(params={"payment_method": "pm_card_chargeCustomerFail"})
    saved = client.v1.customers.payment_methods.list(customer.id).data[0]
    with pytest.raises(stripe.CardError) as raised:
        paid_intent(client, card=saved.id, customer=customer.id, off_session=True)
    assert raised.value.error.decline_code == "generic_decline"


def test_card_saved_to_another_customer_is_refused(client):
    customer = client.v1.customers.create(params={"payment_method": "pm_card_visa"})
    saved = client.v1.customers.payment_methods.list(customer.id).data[0]
    with pytest.raises(stripe.InvalidRequestError) as raised:
        paid_intent(client, card=saved.id)
    assert raised.value.param == "payment_method"


def test_setup_future_usage_saves_the_card_to_the_customer(client, emu):
    customer = client.v1.customers.create(params={"email": "a@example.com"})
    intent = paid_intent(client, customer=customer.id, setup_future_usage="off_session")
    saved = client.v1.payment_methods.retrieve(intent.payment_method)
    assert saved.customer == customer.id
    assert "payment_method.attached" in event_types(emu)


def test_confirm_later(client):
    intent = client.v1.payment_intents.create(
        params={"amount": 1000, "currency": "eur", "payment_method": "pm_card_mastercard",
                "allowed_payment_method_types": ["card"]}
    )  # fmt: skip
    assert intent.status == "requires_confirmation"
    confirmed = client.v1.payment_intents.confirm(intent.id)
    assert confirmed.status == "succeeded"
    charge = client.v1.charges.retrieve(confirmed.latest_charge)
    assert charge.payment_method_details.card.brand == "mastercard"


def test_confirming_a_succeeded_intent_is_refused(client):
    intent = paid_intent(client)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.confirm(intent.id)
    assert raised.value.code == "payment_intent_unexpected_state"


def test_update_then_cancel(client, emu):
    intent = client.v1.payment_intents.create(params={"amount": 1000, "currency": "gbp"})
    updated = client.v1.payment_intents.update(
        intent.id, params={"amount": 1200, "metadata": {"a": "1"}, "description": "Late"}
    )
    assert (updated.amount, updated.metadata.a, updated.description) == (1200, "1", "Late")
    canceled = client.v1.payment_intents.cancel(
        intent.id, params={"cancellation_reason": "requested_by_customer"}
    )
    assert canceled.status == "canceled"
    assert canceled.cancellation_reason == "requested_by_customer"
    assert canceled.canceled_at is not None
    assert event_types(emu)[-1] == "payment_intent.canceled"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.cancel(intent.id)


def test_manual_capture_authorises_then_captures(client, emu):
    intent = paid_intent(client, amount=3000, capture_method="manual")
    assert (intent.status, intent.amount_capturable) == ("requires_capture", 3000)
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.captured, charge.balance_transaction) == (False, None)
    captured = client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 2000})
    assert (captured.status, captured.amount_received) == ("succeeded", 2000)
    charge = client.v1.charges.retrieve(
        intent.latest_charge, params={"expand": ["balance_transaction"]}
    )
    assert (charge.captured, charge.amount_captured) == (True, 2000)
    assert charge.balance_transaction.amount == 2000
    assert event_types(emu)[-2:] == ["charge.captured", "payment_intent.succeeded"]


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        (29, "gbp", "amount_too_small"),
        (49, "usd", "amount_too_small"),
        (0, "eur", "amount_too_small"),
        (10**9, "usd", "amount_too_large"),
    ],
)
def test_amounts_are_validated_like_stripe(client, emu, amount, currency, code):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(params={"amount": amount, "currency": currency})
    assert (raised.value.code, raised.value.param) == (code, "amount")
    assert emu.store.all("payment_intent") == []


@pytest.mark.parametrize("currency", ["GBP", "pounds", "xyz"])
def test_currencies_are_validated(client, currency):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(params={"amount": 1000, "currency": currency})
    assert raised.value.param == "currency"


def test_list_intents_and_charges_by_filter(client):
    customer = client.v1.customers.create(params={"email": "a@example.com"})
    mine = paid_intent(client, customer=customer.id)
    paid_intent(client)
    intents = client.v1.payment_intents.list(params={"customer": customer.id})
    assert [intent.id for intent in intents.data] == [mine.id]
    charges = client.v1.charges.list(params={"payment_intent": mine.id})
    assert [charge.id for charge in charges.data] == [mine.latest_charge]


def test_missing_objects_are_404_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.charges.retrieve("ch_missing")
    assert (raised.value.http_status, raised.value.code) == (404, "resource_missing")
    assert raised.value.user_message == "No such charge: 'ch_missing'"
