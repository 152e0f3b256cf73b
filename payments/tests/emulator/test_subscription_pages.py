"""Checkout in mode=subscription and the Billing Portal, paid and used on the hosted pages."""

from __future__ import annotations

import re

import pytest
import requests
import stripe

from payments.tests.emulator.support import event_types
from payments.tests.emulator.test_subscriptions import (
    MONTHLY,
    advance,
    customer_on,
    month,
    subscribe,
)


def subscription_session(client, **params):
    return client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "line_items": [{"price_data": {**MONTHLY, "product_data": {"name": "Gold"}},
                            "quantity": 1}],
            "success_url": "https://shop.example/ok?s={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://shop.example/no",
            "subscription_data": {"metadata": {"plan": "gold"}},
            **params,
        }
    )  # fmt: skip


def submit(url, card):
    return requests.post(url, data={"card": card, "email": "gold@example.com"},
                         allow_redirects=False, timeout=30)  # fmt: skip


def test_paying_on_the_hosted_page_creates_the_subscription(client, emu):
    session = subscription_session(client)
    assert session.mode == "subscription" and session.amount_total == 1500
    assert requests.get(session.url, timeout=30).status_code == 200

    since = len(emu.events)
    answer = submit(session.url, "pm_card_visa")

    assert answer.status_code == 303
    done = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["subscription"]})
    assert done.status == "complete" and done.payment_status == "paid"
    subscription = done.subscription
    assert subscription.status == "active" and subscription.metadata.to_dict() == {"plan": "gold"}
    assert subscription.customer == done.customer
    assert subscription.default_payment_method is not None
    invoice = client.v1.invoices.retrieve(done.invoice)
    assert invoice.status == "paid" and invoice.billing_reason == "subscription_create"
    types = event_types(emu, since)
    assert types.index("customer.subscription.created") < types.index("invoice.paid")
    assert types[-2:] == ["customer.subscription.updated", "checkout.session.completed"]


def test_a_declined_card_creates_nothing_and_keeps_the_session_open(client, emu):
    session = subscription_session(client)
    answer = submit(session.url, "pm_card_chargeCustomerFail")
    assert answer.status_code == 402
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert client.v1.subscriptions.list(params={"status": "all"}).data == []


def test_subscription_mode_needs_recurring_prices(client):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(params={
            "mode": "subscription", "success_url": "https://shop.example/ok",
            "line_items": [{"price_data": {"currency": "gbp", "unit_amount": 500,
                                           "product_data": {"name": "x"}}, "quantity": 1}],
        })  # fmt: skip
    assert raised.value.param == "line_items[0][price_data][recurring]"


def test_a_price_id_works_in_subscription_mode(client, emu):
    price = client.v1.prices.create(
        params={**MONTHLY, "product_data": {"name": "Silver"}, "nickname": "silver"}
    )
    session = client.v1.checkout.sessions.create(params={
        "mode": "subscription", "success_url": "https://shop.example/ok",
        "line_items": [{"price": price.id, "quantity": 2}],
    })  # fmt: skip
    assert session.amount_total == 3000
    submit(session.url, "pm_card_visa")
    done = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["subscription"]})
    assert done.subscription.items.data[0].price.id == price.id
    assert done.subscription.items.data[0].quantity == 2


def _portal(client, customer):
    return client.v1.billing_portal.sessions.create(
        params={"customer": customer.id, "return_url": "https://shop.example/account"}
    )


def test_past_due_paid_after_the_card_is_updated_in_the_portal(client, emu, clock, product):
    customer = customer_on(client, clock, card="pm_card_chargeCustomerFail")
    subscription = subscribe(client, customer, product, payment_behavior="default_incomplete")
    secret = subscription.latest_invoice.confirmation_secret.client_secret
    client.v1.payment_intents.confirm(
        secret.split("_secret_")[0], params={"payment_method": "pm_card_visa"}
    )
    advance(client, clock, month(1) + 60)
    assert client.v1.subscriptions.retrieve(subscription.id).status == "past_due"

    portal = _portal(client, customer)
    assert portal.url.startswith(emu.url) and portal.return_url == "https://shop.example/account"
    page = requests.get(portal.url, timeout=30)
    assert page.status_code == 200 and "past_due" in page.text
    since = len(emu.events)
    answer = requests.post(f"{portal.url}/payment_method", data={"card": "pm_card_mastercard"},
                           allow_redirects=False, timeout=30)  # fmt: skip

    assert answer.status_code == 303
    current = client.v1.subscriptions.retrieve(
        subscription.id, params={"expand": ["latest_invoice"]}
    )
    assert current.status == "active" and current.latest_invoice.status == "paid"
    assert client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method == (
        current.default_payment_method)  # fmt: skip
    types = event_types(emu, since)
    assert types.index("invoice.paid") < len(types) - 1
    assert types[-1] == "customer.subscription.updated"
    assert (
        client.v1.charges.retrieve(
            client.v1.invoices.retrieve(current.latest_invoice.id, params={"expand": ["payments"]})
            .payments.data[0]
            .payment.charge
        ).created
        == month(1) + 60
    )  # fmt: skip: on the clock's time


def test_a_declining_card_is_refused_in_the_portal(client, clock, product):
    customer = customer_on(client, clock)
    page = requests.post(f"{_portal(client, customer).url}/payment_method",
                         data={"card": "pm_card_visa_chargeDeclined"}, timeout=30)  # fmt: skip
    assert page.status_code == 402 and "declined" in page.text


def test_cancel_in_the_portal_ends_the_subscription_after_the_period(client, emu, clock, product):
    customer = customer_on(client, clock)
    subscription = subscribe(client, customer, product)
    portal = _portal(client, customer)
    action = re.search(r"action='([^']*/cancel)'", requests.get(portal.url, timeout=30).text)[1]
    requests.post(f"{emu.url}{action}", allow_redirects=False, timeout=30)

    scheduled = client.v1.subscriptions.retrieve(subscription.id)
    assert scheduled.cancel_at_period_end and scheduled.status == "active"
    assert scheduled.cancellation_details.reason == "cancellation_requested"
    advance(client, clock, month(1) + 1)
    ended = client.v1.subscriptions.retrieve(subscription.id)
    assert ended.status == "canceled" and ended.ended_at == month(1)


def test_the_portal_needs_a_known_customer(client):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.billing_portal.sessions.create(params={"customer": "cus_missing"})
    assert raised.value.param == "customer"
