"""Operating subscriptions on the emulator with a test clock: renewals in ``list_payments``,
the failure alert of a declined renewal, a renewal that needs 3-D Secure
(``invoice.payment_action_required``) and the renewal notice (``invoice.upcoming``)."""

import json

import pytest
from django.core import mail
from django.core.management import CommandError

from payments.models import PaymentLog, PaymentSession, WebhookEvent
from payments.models.logs import LogEvent
from payments.testing.factories import PaymentSessionFactory
from payments.testing.tasks import run_queued_tasks
from payments.tests.ops_support import run
from payments.tests.subscription_support import member, month
from payments.tests.webhook_support import (
    emulator_control,
    webhooks,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.django_db
__all__ = ["member"]
DAY = 86400


def _listed(*args: str) -> list[dict]:
    return [json.loads(line) for line in run("list_payments", "--json", *args).splitlines()]


def _switch_card(member, card: str) -> None:
    method = member.sdk.v1.payment_methods.attach(
        card, params={"customer": member.customer.stripe_customer_id}
    )
    subscription = member.sdk.v1.subscriptions.list(
        params={"customer": member.customer.stripe_customer_id}
    ).data[0]
    member.sdk.v1.subscriptions.update(
        subscription.id, params={"default_payment_method": method.id}
    )


def _renewal(subscription) -> PaymentSession:
    return PaymentSession.objects.filter(subscription=subscription).order_by("created_at")[1]


def test_list_payments_shows_renewals_and_filters_by_flow_and_subscription(member):
    subscription = member.subscribe()
    member.advance(month(1) + 60)
    PaymentSessionFactory(payable_id="one-off")

    renewals = _listed("--flow", "subscription_invoice")
    everything = _listed()

    assert len(renewals) == 2 and len(everything) == 3
    assert {row["subscription"] for row in renewals} == {str(subscription.pk)}
    assert all(row["flow"] == "subscription_invoice" for row in renewals)
    assert all(row["stripe_invoice_id"].startswith("in_") for row in renewals)
    assert [row["payable_id"] for row in everything if row["subscription"] is None] == ["one-off"]
    assert len(_listed("--subscription", subscription.stripe_subscription_id)) == 2
    assert len(_listed("--subscription", str(subscription.pk))) == 2
    assert _listed("--subscription", "sub_someone_else") == []
    text = run("list_payments", "--flow", "subscription_invoice")
    assert text.count(f"Subscription  {subscription.pk} (invoice in_") == 2
    with pytest.raises(CommandError, match="not a subscription id"):
        run("list_payments", "--subscription", "42")


def test_a_declined_renewal_alerts_the_operators_once(member, settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "ALERT_EMAILS": ["ops@example.com"]}
    subscription = member.subscribe()
    _switch_card(member, "pm_card_chargeCustomerFail")

    member.advance(month(1) + 60)  # the renewal is declined, Stripe will retry
    member.advance(month(1) + 4 * DAY)  # the first retry is declined too

    renewal = _renewal(subscription)
    assert renewal.status == "pending" and renewal.failure_alert_queued_at is not None
    alerts = [m for m in mail.outbox if m.subject.startswith("Payment failed")]
    assert len(alerts) == 1 and alerts[0].to == ["ops@example.com"]
    assert "membership gym-1" in alerts[0].subject
    assert f"Subscription: {subscription.pk}" in alerts[0].body
    attempts = PaymentLog.objects.filter(session=renewal, event_type=LogEvent.INTENT_FAILED)
    assert attempts.count() == 2
    report = json.loads(run("payments_report", "--json", "--days", "1"))
    assert report["currencies"]["gbp"]["failed_renewals"] == 1


def test_a_renewal_that_needs_3d_secure_asks_the_customer_then_is_paid(member):
    subscription = member.subscribe()
    _switch_card(member, "pm_card_authenticationRequired")

    events = member.advance(month(1) + 60)

    types = [e["type"] for e in events]
    assert types.index("invoice.finalized") < types.index("invoice.payment_action_required")
    assert "invoice.payment_failed" in types
    renewal = _renewal(subscription)
    invoice = member.sdk.v1.invoices.retrieve(renewal.stripe_invoice_id)
    assert renewal.status == "pending"  # the customer can still pay
    assert renewal.failure_code == "authentication_required"
    assert renewal.checkout_url == invoice.hosted_invoice_url
    subscription.refresh_from_db()
    assert subscription.status == "past_due"

    intent = member.sdk.v1.payment_intents.retrieve(
        member.sdk.v1.invoice_payments.list(params={"invoice": invoice.id})
        .data[0]
        .payment["payment_intent"]
    )
    assert intent.status == "requires_action"
    emulator_control(member.emulator, f"payment_intents/{intent.id}/authenticate")
    member.deliver()

    renewal.refresh_from_db()
    subscription.refresh_from_db()
    assert (renewal.status, subscription.status) == ("succeeded", "active")


def test_the_upcoming_renewal_notice_changes_nothing(member):
    subscription = member.subscribe()
    before = list(PaymentSession.objects.values_list("pk", "status", "updated_at"))

    events = member.advance(month(1) - 6 * DAY)  # a week before the renewal, and a day

    events = [e for e in events if not e["type"].startswith("test_helpers.")]
    assert [e["type"] for e in events] == ["invoice.upcoming"]
    preview = events[0]["data"]["object"]
    assert preview.get("id") is None and preview["amount_due"] == 1500
    stored = WebhookEvent.objects.get(stripe_event_id=events[0]["id"])
    assert stored.status == "processed"
    assert list(PaymentSession.objects.values_list("pk", "status", "updated_at")) == before
    subscription.refresh_from_db()
    assert subscription.status == "active"
    later = [e["type"] for e in member.advance(month(1) - 5 * DAY)]
    assert "invoice.upcoming" not in later  # once per period


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffled_3d_secure_renewal_events_end_the_same(member, settings, seed):
    settings.PAYMENTS = {**settings.PAYMENTS, "ALERT_EMAILS": ["ops@example.com"]}
    subscription = member.subscribe()
    _switch_card(member, "pm_card_authenticationRequired")

    events = member.advance(month(1) + 60, shuffle=seed)
    member.webhooks.deliver(*reversed(events))  # and again: duplicates change nothing
    run_queued_tasks()

    renewal = _renewal(subscription)
    assert (renewal.status, renewal.failure_code) == ("pending", "authentication_required")
    assert renewal.failure_message == "Invoice payment attempt 1 failed."
    assert renewal.checkout_url.endswith(f"/invoices/{renewal.stripe_invoice_id}")
    assert len([m for m in mail.outbox if m.subject.startswith("Payment failed")]) == 1
    assert not WebhookEvent.objects.filter(status__in=["parked", "failed"]).exists()
