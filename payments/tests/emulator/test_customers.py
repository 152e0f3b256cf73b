"""Customers and PaymentMethods through the real SDK."""

from __future__ import annotations

import pytest
import stripe

from payments.tests.emulator.support import event_types


def test_create_retrieve_update_customer(client, emu):
    customer = client.v1.customers.create(
        params={"email": "jenny@example.com", "name": "Jenny Rosen", "phone": "+441234",
                "description": "VIP", "metadata": {"guest": "7", "tier": "gold"}}
    )  # fmt: skip
    assert customer.id.startswith("cus_")
    assert (customer.email, customer.name, customer.livemode) == (
        "jenny@example.com", "Jenny Rosen", False,
    )  # fmt: skip
    assert client.v1.customers.retrieve(customer.id).metadata.guest == "7"
    updated = client.v1.customers.update(
        customer.id, params={"name": "Jenny R.", "metadata": {"tier": "", "vip": "yes"}}
    )
    assert updated.name == "Jenny R."
    assert updated.metadata.to_dict() == {"guest": "7", "vip": "yes"}
    assert event_types(emu) == ["customer.created", "customer.updated"]
    assert emu.events[-1]["data"]["previous_attributes"]["name"] == "Jenny Rosen"


def test_list_customers_by_email_newest_first(client):
    first = client.v1.customers.create(params={"email": "same@example.com"})
    second = client.v1.customers.create(params={"email": "same@example.com"})
    client.v1.customers.create(params={"email": "other@example.com"})
    found = client.v1.customers.list(params={"email": "same@example.com"})
    assert [customer.id for customer in found.data] == [second.id, first.id]
    page = client.v1.customers.list(params={"limit": 1})
    assert len(page.data) == 1
    assert page.has_more is True


def test_customer_with_a_card_and_default_payment_method(client, emu):
    customer = client.v1.customers.create(
        params={"email": "a@example.com", "payment_method": "pm_card_visa",
                "invoice_settings": {"default_payment_method": "pm_card_visa"}}
    )  # fmt: skip
    cards = client.v1.customers.payment_methods.list(customer.id, params={"type": "card"})
    assert len(cards.data) == 1
    assert cards.data[0].card.last4 == "4242"
    assert customer.invoice_settings.default_payment_method == cards.data[0].id
    assert event_types(emu) == ["customer.created", "payment_method.attached"]


@pytest.mark.parametrize(
    ("card", "decline_code"),
    [
        ("pm_card_visa_chargeDeclined", "generic_decline"),
        ("pm_card_visa_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("pm_card_visa_chargeDeclinedLostCard", "lost_card"),
    ],
)
def test_cards_that_always_decline_cannot_be_saved(client, emu, card, decline_code):
    customer = client.v1.customers.create(params={"email": "a@example.com"})
    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_methods.attach(card, params={"customer": customer.id})
    assert (raised.value.code, raised.value.error.decline_code) == ("card_declined", decline_code)
    with pytest.raises(stripe.CardError):
        client.v1.customers.create(params={"payment_method": card})
    assert len(emu.store.all("customer")) == 1


def test_charge_customer_fail_card_attaches(client):
    customer = client.v1.customers.create(params={"email": "a@example.com"})
    attached = client.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", params={"customer": customer.id}
    )
    assert attached.customer == customer.id
    assert attached.card.last4 == "0341"


def test_default_payment_method_must_belong_to_the_customer(client):
    customer = client.v1.customers.create(params={"email": "a@example.com"})
    loose = client.v1.payment_methods.create(params={"type": "card", "card": {"token": "tok_visa"}})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customers.update(
            customer.id, params={"invoice_settings": {"default_payment_method": loose.id}}
        )
    assert raised.value.param == "invoice_settings[default_payment_method]"


def test_delete_customer(client):
    customer = client.v1.customers.create(params={"email": "gone@example.com"})
    deleted = client.v1.customers.delete(customer.id)
    assert deleted.deleted is True
    assert client.v1.customers.list(params={"email": "gone@example.com"}).data == []


def test_create_card_payment_method_from_a_number(client, emu):
    created = client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": "5555 5555 5555 4444", "exp_month": 12,
                "exp_year": 2034, "cvc": "123"}, "billing_details": {"name": "Jenny Rosen"},
                "metadata": {"source": "test"}}
    )  # fmt: skip
    assert created.id.startswith("pm_")
    card = created.card
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == (
        "mastercard",
        "4444",
        12,
        2034,
    )
    assert created.billing_details.name == "Jenny Rosen"
    assert created.customer is None
    assert client.v1.payment_methods.retrieve(created.id).metadata.source == "test"


@pytest.mark.parametrize(
    ("card", "code", "param"),
    [
        ({"number": "4242424242424241", "exp_month": 1, "exp_year": 2040}, "incorrect_number",
         "card[number]"),
        ({"number": "4242424242424242", "exp_month": 13, "exp_year": 2040}, "invalid_expiry_month",
         "card[exp_month]"),
        ({"number": "4242424242424242", "exp_month": 1, "exp_year": 2001}, "invalid_expiry_year",
         "card[exp_year]"),
    ],
)  # fmt: skip
def test_bad_card_details_are_card_errors(client, card, code, param):
    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_methods.create(params={"type": "card", "card": card})
    assert (raised.value.code, raised.value.param) == (code, param)


def test_unknown_real_card_numbers_are_refused_in_test_mode(client):
    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_methods.create(
            params={"type": "card", "card": {"number": "4111111111111111", "exp_month": 1,
                                             "exp_year": 2040}}
        )  # fmt: skip
    assert raised.value.error.decline_code == "test_mode_live_card"


def test_test_tokens_materialise_a_fresh_payment_method_each_time(client):
    first = client.v1.payment_methods.retrieve("pm_card_amex")
    second = client.v1.payment_methods.retrieve("pm_card_amex")
    assert first.id != second.id
    assert first.id.startswith("pm_") and first.id != "pm_card_amex"
    assert (first.card.brand, first.card.last4) == ("amex", "0005")


def test_attach_list_and_detach(client, emu):
    customer = client.v1.customers.create(
        params={"email": "a@example.com", "payment_method": "pm_card_visa",
                "invoice_settings": {"default_payment_method": "pm_card_visa"}}
    )  # fmt: skip
    second = client.v1.payment_methods.attach(
        "pm_card_mastercard", params={"customer": customer.id}
    )
    listed = client.v1.payment_methods.list(params={"customer": customer.id, "type": "card"})
    assert listed.data[0].id == second.id
    assert len(listed.data) == 2
    default = customer.invoice_settings.default_payment_method
    detached = client.v1.payment_methods.detach(default)
    assert detached.customer is None
    assert client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method is None
    assert event_types(emu)[-1] == "payment_method.detached"
    assert emu.events[-1]["data"]["previous_attributes"] == {"customer": customer.id}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_methods.detach(default)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_methods.attach(second.id, params={"customer": "cus_missing"})
    assert (raised.value.code, raised.value.param) == ("resource_missing", "customer")
