"""Subscriptions end to end on the emulator with a test clock: the Elements flow, renewals as
payment sessions with ledger rows, a declined renewal, a cancel at the period's end, and
duplicate and shuffled events (delivered to the webhook endpoint, signed as Stripe does)."""

import dataclasses

import pytest

from payments import exceptions as exc
from payments.models import PaymentSession, Subscription, Transaction, WebhookEvent
from payments.models.sessions import Flow
from payments.services.subscriptions import (
    subscription_cancel,
    subscription_create_checkout,
    subscription_create_elements,
    subscription_portal_url,
    subscription_resume,
)
from payments.testing.tasks import run_queued_tasks
from payments.tests.subscription_support import (
    START,
    member,
    month,
)
from payments.tests.webhook_support import (
    emulator_control,
    webhooks,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.django_db
__all__ = ["member"]


def test_elements_subscription_renews_three_times_each_a_session_with_its_ledger_row(member):
    subscription = member.subscribe()
    subscription.refresh_from_db()
    assert subscription.status == "active"
    first = PaymentSession.objects.get(subscription=subscription)
    assert (first.status, first.flow, first.amount) == (
        "succeeded",
        Flow.SUBSCRIPTION_INVOICE,
        1500,
    )

    for n in (1, 2, 3):
        member.advance(month(n) + 60)

    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert subscription.current_period_start.timestamp() == month(3)
    assert subscription.current_period_end.timestamp() == month(4)
    sessions = PaymentSession.objects.filter(subscription=subscription).order_by("created_at")
    assert len(sessions) == 4
    assert len({s.stripe_invoice_id for s in sessions}) == 4
    for session in sessions:
        assert (session.status, session.payable_type, session.payable_id) == (
            "succeeded", "membership", "gym-1")  # fmt: skip
        assert session.stripe_payment_intent_id and session.stripe_charge_id
        row = Transaction.objects.get(session=session, kind="charge")
        stripe_txn = member.emulator.get(row.stripe_balance_transaction_id)
        assert (row.gross, row.fee, row.net) == (1500, stripe_txn["fee"], stripe_txn["net"])
        assert row.fee > 0


def test_shuffled_and_duplicate_renewal_events_book_each_renewal_once(member):
    subscription = member.subscribe()
    batches = [member.advance(month(n) + 60, shuffle=n) for n in (1, 2)]
    before = _snapshot(subscription)

    for events in batches:  # Stripe delivers again, in any order
        member.webhooks.deliver(*reversed(events))
    run_queued_tasks()

    assert _snapshot(subscription) == before
    assert before[0] == "active" and len(before[1]) == 3
    assert all(status == "succeeded" for status, _ in before[1])
    assert Transaction.objects.filter(session__subscription=subscription).count() == 3
    assert not WebhookEvent.objects.filter(status__in=["parked", "failed"]).exists()


def _snapshot(subscription: Subscription):
    subscription.refresh_from_db()
    sessions = PaymentSession.objects.filter(subscription=subscription).order_by("created_at")
    return (
        subscription.status,
        [(s.status, s.stripe_charge_id) for s in sessions],
        subscription.current_period_end,
        Transaction.objects.count(),
    )


def test_older_subscription_events_change_nothing(member):
    subscription = member.subscribe()
    created = [
        e for e in member.emulator.events
        if e["type"].startswith("customer.subscription.")
    ]  # fmt: skip
    member.advance(month(1) + 60)
    subscription.refresh_from_db()
    period_end = subscription.current_period_end

    member.webhooks.deliver(*[{**e, "id": e["id"] + "_replayed"} for e in created])

    subscription.refresh_from_db()
    assert (subscription.status, subscription.current_period_end) == ("active", period_end)


def test_a_declined_renewal_leaves_the_subscription_past_due(member):
    subscription = member.subscribe()
    failing = member.sdk.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", params={"customer": member.customer.stripe_customer_id}
    )
    member.sdk.v1.subscriptions.update(
        subscription.stripe_subscription_id, params={"default_payment_method": failing.id}
    )
    events = member.advance(month(1) + 60)

    assert "invoice.payment_failed" in [e["type"] for e in events]
    subscription.refresh_from_db()
    assert subscription.status == "past_due"
    renewal = PaymentSession.objects.filter(subscription=subscription).order_by("created_at")[1]
    assert renewal.status == "pending"  # Stripe retries: the invoice is still open
    assert renewal.failure_code == "invoice_payment_failed"
    assert not Transaction.objects.filter(session=renewal).exists()

    card = member.sdk.v1.payment_methods.attach(
        "pm_card_visa", params={"customer": member.customer.stripe_customer_id}
    )
    member.sdk.v1.subscriptions.update(
        subscription.stripe_subscription_id, params={"default_payment_method": card.id}
    )
    member.advance(month(1) + 4 * 86400)  # Stripe's retry three days later pays

    subscription.refresh_from_db()
    renewal.refresh_from_db()
    assert (subscription.status, renewal.status) == ("active", "succeeded")
    assert Transaction.objects.get(session=renewal, kind="charge").gross == 1500


def test_cancel_at_period_end_is_canceled_after_the_period(member):
    subscription = member.subscribe()
    subscription_cancel(subscription=subscription, at_period_end=True, request_id=1)
    member.deliver()
    subscription.refresh_from_db()
    assert (subscription.status, subscription.cancel_at_period_end) == ("active", True)

    member.advance(month(1) + 60)

    subscription.refresh_from_db()
    assert subscription.status == "canceled"
    assert subscription.ended_at.timestamp() == month(1)
    assert PaymentSession.objects.filter(subscription=subscription).count() == 1


def test_a_resumed_cancel_renews_and_the_portal_opens_for_the_customer(member):
    subscription = member.subscribe()
    subscription_cancel(subscription=subscription, at_period_end=True, request_id=1)
    subscription_resume(subscription=subscription, request_id=2)
    member.deliver()
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end is False

    member.advance(month(1) + 60)

    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert PaymentSession.objects.filter(subscription=subscription, status="succeeded").count() == 2
    url = subscription_portal_url(
        subscription=subscription, return_url="https://shop.example/account", request_id=3
    )
    assert url.startswith(member.emulator.url)


def test_cancel_now_ends_the_subscription_when_stripe_says_so(member):
    subscription = member.subscribe()
    subscription_cancel(subscription=subscription, at_period_end=False, request_id=1)
    subscription.refresh_from_db()
    assert subscription.status == "active"  # only Stripe's event moves it

    member.deliver()

    subscription.refresh_from_db()
    assert subscription.status == "canceled" and subscription.canceled_at is not None


def test_checkout_subscription_paid_on_the_page_then_renewed_three_times(member):
    subscription, url = subscription_create_checkout(
        api_client=member.api_client, terms=member.terms(),
        success_url="https://shop.example/ok", cancel_url="https://shop.example/no",
    )  # fmt: skip
    checkout_id = url.rstrip("/").rsplit("/", 1)[-1]
    emulator_control(member.emulator, f"checkout/sessions/{checkout_id}/pay",
                     payment_method="pm_card_visa")  # fmt: skip
    member.deliver()
    for n in (1, 2, 3):
        member.advance(month(n) + 60)

    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.stripe_subscription_id
    assert subscription.current_period_end.timestamp() == month(4)
    sessions = PaymentSession.objects.filter(subscription=subscription)
    assert sorted(s.status for s in sessions) == ["succeeded"] * 4
    assert len({s.stripe_invoice_id for s in sessions}) == 4
    for session in sessions:
        row = Transaction.objects.get(session=session, kind="charge")
        stripe_txn = member.emulator.get(row.stripe_balance_transaction_id)
        assert (row.gross, row.fee, row.net) == (1500, stripe_txn["fee"], stripe_txn["net"])


def test_a_trial_ends_and_its_first_paid_invoice_is_a_session(member):
    terms = dataclasses.replace(member.terms(), trial_days=14)
    start = subscription_create_elements(api_client=member.api_client, terms=terms)
    assert start.client_secret == ""  # nothing to pay until the trial ends
    card = member.sdk.v1.payment_methods.attach(
        "pm_card_visa", params={"customer": member.customer.stripe_customer_id}
    )
    subscription = start.subscription
    member.sdk.v1.subscriptions.update(
        subscription.stripe_subscription_id, params={"default_payment_method": card.id}
    )
    member.deliver()
    subscription.refresh_from_db()
    assert subscription.status == "trialing"
    assert subscription.trial_end.timestamp() == START + 14 * 86400
    assert not PaymentSession.objects.filter(subscription=subscription).exists()

    events = member.advance(START + 15 * 86400)

    assert "customer.subscription.updated" in [e["type"] for e in events]
    subscription.refresh_from_db()
    assert subscription.status == "active"
    session = PaymentSession.objects.get(subscription=subscription)
    assert (session.status, session.amount) == ("succeeded", 1500)


@pytest.mark.parametrize(
    "change, param",
    [({"interval": "fortnight"}, "interval"), ({"interval_count": 37}, "interval_count"),
     ({"amount": 0}, "amount")],
)  # fmt: skip
def test_bad_terms_are_refused_naming_the_field_and_write_nothing(member, change, param):
    terms = dataclasses.replace(member.terms(), **change)
    with pytest.raises(exc.PaymentsError) as raised:
        subscription_create_elements(api_client=member.api_client, terms=terms)
    assert raised.value.param == param
    assert not Subscription.objects.exists()


def test_a_lost_invoice_payment_event_is_made_up_for_by_reading_the_invoice(member):
    subscription = member.subscribe()
    member.sdk.v1.test_helpers.test_clocks.advance(
        member.clock.id, params={"frozen_time": month(1) + 60}
    )
    events = list(member.emulator.events[member.delivered :])
    member.delivered += len(events)
    member.webhooks.deliver(*[e for e in events if e["type"] != "invoice_payment.paid"])

    run_queued_tasks()  # the invoice sync, then the charge's ledger sync

    renewal = PaymentSession.objects.filter(subscription=subscription).order_by("created_at")[1]
    assert renewal.status == "succeeded" and renewal.stripe_charge_id
    assert Transaction.objects.get(session=renewal, kind="charge").gross == 1500
