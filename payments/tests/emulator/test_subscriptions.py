"""Subscriptions on the emulator through the real SDK: first invoice paid with its
PaymentIntent, renewals on a test clock, declines and retries, scheduled cancels, trials."""

from __future__ import annotations

import datetime as dt

import pytest
import stripe

from payments.tests.emulator.support import event_types

START = int(dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC).timestamp())
MONTHLY = {"currency": "gbp", "unit_amount": 1500, "recurring": {"interval": "month"}}


def month(n: int) -> int:
    day = dt.datetime.fromtimestamp(START, dt.UTC)
    year, index = divmod(day.month - 1 + n, 12)
    return int(day.replace(year=day.year + year, month=index + 1).timestamp())


def customer_on(client, clock, card="pm_card_visa"):
    params = {"email": "m@example.com", "test_clock": clock.id}
    if card:
        params.update(payment_method=card, invoice_settings={"default_payment_method": card})
    customer = client.v1.customers.create(params=params)
    if card:
        method = client.v1.customers.payment_methods.list(customer.id).data[0].id
        client.v1.customers.update(
            customer.id, params={"invoice_settings": {"default_payment_method": method}}
        )
    return customer


def subscribe(client, customer, product, **params):
    return client.v1.subscriptions.create(
        params={
            "customer": customer.id,
            "items": [{"price_data": {**MONTHLY, "product": product.id}}],
            "expand": ["latest_invoice.confirmation_secret"],
            **params,
        }
    )


def advance(client, clock, to):
    return client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": to})


def test_default_incomplete_then_paid_with_the_invoices_payment_intent(client, emu, clock, product):
    customer = customer_on(client, clock, card=None)
    subscription = subscribe(client, customer, product, payment_behavior="default_incomplete")

    assert subscription.status == "incomplete"
    invoice = subscription.latest_invoice
    assert invoice.status == "open" and invoice.amount_due == 1500
    secret = invoice.confirmation_secret.client_secret
    intent_id = secret.split("_secret_")[0]
    assert subscription.items.data[0].current_period_start == START
    assert subscription.items.data[0].current_period_end == month(1)

    since = len(emu.events)
    client.v1.payment_intents.confirm(intent_id, params={"payment_method": "pm_card_visa"})

    paid = client.v1.invoices.retrieve(invoice.id, params={"expand": ["payments"]})
    assert paid.status == "paid" and paid.amount_paid == 1500
    assert paid.payments.data[0].payment.payment_intent == intent_id
    charge = client.v1.charges.retrieve(paid.payments.data[0].payment.charge)
    assert client.v1.balance_transactions.retrieve(charge.balance_transaction).amount == 1500
    assert client.v1.subscriptions.retrieve(subscription.id).status == "active"
    assert event_types(emu, since) == [
        "charge.succeeded", "payment_method.attached", "payment_intent.succeeded",
        "invoice_payment.paid", "invoice.paid",
        "invoice.payment_succeeded", "customer.subscription.updated",
    ]  # fmt: skip
    assert charge.created == START  # the clock's time


def test_save_default_payment_method_on_subscription(client, clock, product):
    customer = customer_on(client, clock, card=None)
    subscription = subscribe(
        client, customer, product, payment_behavior="default_incomplete",
        payment_settings={"save_default_payment_method": "on_subscription"},
    )  # fmt: skip
    secret = subscription.latest_invoice.confirmation_secret.client_secret
    intent = client.v1.payment_intents.confirm(
        secret.split("_secret_")[0], params={"payment_method": "pm_card_visa"}
    )
    current = client.v1.subscriptions.retrieve(subscription.id)
    assert current.default_payment_method == intent.payment_method
    assert current.payment_settings.save_default_payment_method == "on_subscription"


def test_three_renewals_on_a_test_clock(client, emu, clock, product):
    customer = customer_on(client, clock)
    subscription = subscribe(client, customer, product)
    assert subscription.status == "active"
    assert subscription.latest_invoice.status == "paid"

    for n in (1, 2, 3):
        since = len(emu.events)
        advance(client, clock, month(n) + 60)
        assert event_types(emu, since) == [
            "test_helpers.test_clock.advancing", "invoice.upcoming",
            "customer.subscription.updated", "invoice.created", "payment_intent.created",
            "invoice.finalized", "charge.succeeded",
            "payment_intent.succeeded", "invoice_payment.paid", "invoice.paid",
            "invoice.payment_succeeded", "test_helpers.test_clock.ready",
        ]  # fmt: skip
        current = client.v1.subscriptions.retrieve(subscription.id)
        assert current.items.data[0].current_period_start == month(n)
        assert current.items.data[0].current_period_end == month(n + 1)

    invoices = client.v1.invoices.list(params={"subscription": subscription.id}).data
    assert [i.billing_reason for i in invoices] == ["subscription_cycle"] * 3 + [
        "subscription_create"
    ]
    assert all(i.status == "paid" and i.amount_paid == 1500 for i in invoices)
    assert [i.created for i in invoices] == [month(3), month(2), month(1), START]
    assert client.v1.subscriptions.retrieve(subscription.id).status == "active"


def test_declined_renewal_retries_then_recovers_after_the_card_is_updated(
    client, emu, clock, product
):
    customer = customer_on(client, clock, card="pm_card_chargeCustomerFail")
    subscription = subscribe(client, customer, product, payment_behavior="default_incomplete")
    intent = subscription.latest_invoice.confirmation_secret.client_secret.split("_secret_")[0]
    client.v1.payment_intents.confirm(intent, params={"payment_method": "pm_card_visa"})

    since = len(emu.events)
    advance(client, clock, month(1) + 60)
    assert "invoice.payment_failed" in event_types(emu, since)
    current = client.v1.subscriptions.retrieve(subscription.id)
    assert current.status == "past_due"
    invoice = client.v1.invoices.retrieve(current.latest_invoice)
    assert invoice.status == "open" and invoice.attempt_count == 1
    assert invoice.next_payment_attempt == month(1) + 3 * 86400

    advance(client, clock, month(1) + 4 * 86400)  # the first retry, still declined
    invoice = client.v1.invoices.retrieve(invoice.id)
    assert invoice.attempt_count == 2 and invoice.next_payment_attempt == month(1) + 5 * 86400

    method = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    client.v1.subscriptions.update(subscription.id, params={"default_payment_method": method.id})
    advance(client, clock, month(1) + 6 * 86400)  # the second retry pays

    assert client.v1.invoices.retrieve(invoice.id).status == "paid"
    assert client.v1.subscriptions.retrieve(subscription.id).status == "active"


@pytest.mark.parametrize("setting, status", [("cancel", "canceled"), ("unpaid", "unpaid")])
def test_retries_exhausted(client, emu, clock, product, setting, status):
    emu.failed_renewals = setting
    try:
        customer = customer_on(client, clock, card="pm_card_chargeCustomerFail")
        subscription = subscribe(client, customer, product, payment_behavior="default_incomplete")
        secret = subscription.latest_invoice.confirmation_secret.client_secret
        client.v1.payment_intents.confirm(
            secret.split("_secret_")[0], params={"payment_method": "pm_card_visa"}
        )
        advance(client, clock, month(1) + 60)
        advance(client, clock, month(1) + 6 * 86400)  # retries on days 3 and 5
        since = len(emu.events)
        advance(client, clock, month(1) + 20 * 86400)
    finally:
        emu.failed_renewals = "cancel"
    current = client.v1.subscriptions.retrieve(subscription.id)
    assert current.status == status
    invoice = client.v1.invoices.retrieve(current.latest_invoice)
    assert invoice.attempt_count == 4 and invoice.next_payment_attempt is None
    expected = "customer.subscription.deleted" if status == "canceled" else (
        "customer.subscription.updated")  # fmt: skip
    assert event_types(emu, since)[-2:] == [expected, "test_helpers.test_clock.ready"]


def test_cancel_at_period_end(client, emu, clock, product):
    subscription = subscribe(client, customer_on(client, clock), product)
    updated = client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})
    assert updated.cancel_at_period_end and updated.cancel_at == month(1)
    assert updated.status == "active"

    since = len(emu.events)
    advance(client, clock, month(1) + 60)

    current = client.v1.subscriptions.retrieve(subscription.id)
    assert current.status == "canceled" and current.ended_at == month(1)
    assert event_types(emu, since) == [
        "test_helpers.test_clock.advancing", "customer.subscription.deleted",
        "test_helpers.test_clock.ready",
    ]  # fmt: skip
    assert len(client.v1.invoices.list(params={"subscription": subscription.id}).data) == 1


def test_resuming_a_scheduled_cancel(client, clock, product):
    subscription = subscribe(client, customer_on(client, clock), product)
    client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})
    undone = client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": False})
    assert not undone.cancel_at_period_end and undone.cancel_at is None
    advance(client, clock, month(1) + 60)
    assert client.v1.subscriptions.retrieve(subscription.id).status == "active"


def test_a_trial_ends_with_trial_will_end_three_days_before(client, emu, clock, product):
    subscription = subscribe(client, customer_on(client, clock), product, trial_period_days=14)
    assert subscription.status == "trialing"
    assert subscription.trial_end == START + 14 * 86400
    assert subscription.latest_invoice.amount_due == 0
    assert subscription.latest_invoice.status == "paid"

    since = len(emu.events)
    advance(client, clock, START + 12 * 86400)
    assert event_types(emu, since)[1:-1] == [
        "invoice.upcoming",  # a week before the trial ends
        "customer.subscription.trial_will_end",
    ]

    since = len(emu.events)
    advance(client, clock, START + 15 * 86400)
    types = event_types(emu, since)
    assert types[1] == "customer.subscription.updated" and "invoice.paid" in types
    current = client.v1.subscriptions.retrieve(subscription.id)
    assert current.status == "active"
    assert current.items.data[0].current_period_start == START + 14 * 86400


def test_cancel_now(client, emu, clock, product):
    subscription = subscribe(client, customer_on(client, clock), product)
    canceled = client.v1.subscriptions.cancel(subscription.id)
    assert canceled.status == "canceled" and canceled.canceled_at == START
    assert emu.events[-1]["type"] == "customer.subscription.deleted"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.cancel(subscription.id)


def test_the_clock_refuses_more_than_two_intervals(client, clock, product):
    subscribe(client, customer_on(client, clock), product)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        advance(client, clock, month(3))
    assert raised.value.param == "frozen_time"


def test_a_one_time_price_is_refused(client, clock, product):
    customer = customer_on(client, clock)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.subscriptions.create(params={
            "customer": customer.id,
            "items": [{"price_data": {"currency": "gbp", "unit_amount": 5, "product": product.id}}],
        })  # fmt: skip
    assert raised.value.param == "items[0][price_data][recurring]"


def test_an_unpaid_first_invoice_expires_the_subscription_after_23_hours(
    client, emu, clock, product
):
    subscription = subscribe(
        client, customer_on(client, clock, card=None), product,
        payment_behavior="default_incomplete",
    )  # fmt: skip
    advance(client, clock, subscription.created + 23 * 3600 + 1)
    current = client.v1.subscriptions.retrieve(
        subscription.id, params={"expand": ["latest_invoice"]}
    )
    assert current.status == "incomplete_expired"
    assert current.latest_invoice.status == "void"


def test_a_trial_without_a_card_pauses_then_resumes(client, emu, clock, product):
    customer = customer_on(client, clock, card=None)
    subscription = subscribe(
        client, customer, product, trial_period_days=7,
        trial_settings={"end_behavior": {"missing_payment_method": "pause"}},
    )  # fmt: skip
    advance(client, clock, START + 8 * 86400)
    assert client.v1.subscriptions.retrieve(subscription.id).status == "paused"
    assert "customer.subscription.paused" in event_types(emu)

    method = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    client.v1.subscriptions.update(subscription.id, params={"default_payment_method": method.id})
    resumed = client.v1.subscriptions.resume(subscription.id, params={"expand": ["latest_invoice"]})

    assert resumed.status == "active" and resumed.latest_invoice.status == "paid"
    assert resumed.items.data[0].current_period_start == START + 8 * 86400
    assert "customer.subscription.resumed" in event_types(emu)


def test_products_and_prices_api(client):
    product = client.v1.products.create(params={"name": "Gym", "metadata": {"k": "v"}})
    price = client.v1.prices.create(
        params={"product": product.id, "currency": "eur", "unit_amount": 999,
                "recurring": {"interval": "year"}, "lookup_key": "gym-yearly"}
    )  # fmt: skip
    assert price.type == "recurring" and price.recurring.interval_count == 1
    assert client.v1.prices.list(params={"lookup_keys": ["gym-yearly"]}).data[0].id == price.id
    assert client.v1.products.update(product.id, params={"default_price": price.id}).default_price
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.products.delete(product.id)  # it has a price
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.prices.create(
            params={"product": product.id, "currency": "eur", "unit_amount": 1,
                    "recurring": {"interval": "month", "interval_count": 37}}
        )  # fmt: skip
    assert raised.value.param == "recurring[interval_count]"


def test_a_renewal_needing_3d_secure_waits_for_the_customer(client, emu, clock, product):
    customer = customer_on(client, clock, card="pm_card_authenticationRequired")
    subscription = subscribe(client, customer, product, payment_behavior="default_incomplete")
    first = subscription.latest_invoice.confirmation_secret.client_secret.split("_secret_")[0]
    client.v1.payment_intents.confirm(first, params={"payment_method": "pm_card_visa"})

    since = len(emu.events)
    advance(client, clock, month(1) + 60)

    types = event_types(emu, since)
    assert types[types.index("invoice.finalized") :] == [
        "invoice.finalized", "payment_intent.requires_action", "invoice.payment_action_required",
        "invoice.payment_failed", "customer.subscription.updated", "test_helpers.test_clock.ready",
    ]  # fmt: skip
    invoice = client.v1.invoices.retrieve(
        client.v1.subscriptions.retrieve(subscription.id).latest_invoice
    )
    assert (invoice.status, invoice.attempt_count) == ("open", 1)
    assert invoice.next_payment_attempt == month(1) + 3 * 86400
    payment = client.v1.invoice_payments.list(params={"invoice": invoice.id}).data[0]
    intent = client.v1.payment_intents.retrieve(payment.payment["payment_intent"])
    assert intent.status == "requires_action"
    assert client.v1.subscriptions.retrieve(subscription.id).status == "past_due"


def test_no_upcoming_notice_for_a_subscription_ending_at_the_period_end(
    client, emu, clock, product
):
    subscription = subscribe(client, customer_on(client, clock), product)
    client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})

    since = len(emu.events)
    advance(client, clock, month(1) + 60)

    assert "invoice.upcoming" not in event_types(emu, since)
    assert client.v1.subscriptions.retrieve(subscription.id).status == "canceled"
