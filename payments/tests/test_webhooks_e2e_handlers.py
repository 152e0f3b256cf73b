"""Every event type the app handles, emitted by the emulator itself and delivered by it over
HTTP to the running app through a webhook endpoint made with Stripe's API (its own secret)."""

import pytest
import stripe

from payments import stripe_api
from payments.models import WebhookEvent
from payments.services.webhook_handlers import HANDLERS
from payments.testing.tasks import run_queued_tasks
from payments.tests.webhook_support import URL, emulator_control

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def endpoint(shop, live_server, stripe_emulator, settings):
    """The app registered at the emulator as a webhook endpoint for every event."""
    client = stripe.StripeClient(
        settings.PAYMENTS["STRIPE_SECRET_KEY"], base_addresses={"api": stripe_emulator.url}
    )
    made = client.v1.webhook_endpoints.create(
        params={"url": live_server.url + URL, "enabled_events": ["*"]}
    )
    settings.PAYMENTS = {**settings.PAYMENTS, "STRIPE_WEBHOOK_SECRETS": [made.secret]}
    return shop


def processed_types(emulator) -> set[str]:
    assert emulator.wait_for_webhooks(timeout=20)
    assert {d["status_code"] for d in emulator.deliveries} == {200}, emulator.deliveries
    ids = [d["event_id"] for d in emulator.deliveries]
    rows = WebhookEvent.objects.filter(stripe_event_id__in=ids, status="processed")
    return set(rows.values_list("type", flat=True))


def test_card_payment_refund_and_failed_refund(endpoint, service, stripe_emulator):
    session = endpoint.checkout()
    endpoint.pay(session, payment_method="pm_card_refundFail")
    run_queued_tasks()
    response = service.post_json(f"/api/payments/sessions/{session.pk}/refunds/", {})
    assert response.status_code == 201, response.content
    refund = stripe_emulator.store.all("refund")[-1]
    emulator_control(stripe_emulator, f"refunds/{refund['id']}/fail")

    handled = processed_types(stripe_emulator)

    assert {"checkout.session.completed", "payment_intent.succeeded", "charge.succeeded",
            "refund.created", "charge.refunded", "refund.failed", "refund.updated",
            "charge.refund.updated"} <= handled  # fmt: skip
    session.refresh_from_db()
    assert session.amount_refunded == 0  # the refund failed: the money stayed with us


def test_delayed_payments_that_fail_and_succeed(endpoint, stripe_emulator):
    failing, clearing = endpoint.checkout(), endpoint.checkout()
    for session, outcome in ((failing, "fail"), (clearing, "succeed")):
        paid = endpoint.pay(session, delayed="true")
        emulator_control(
            stripe_emulator, f"payment_intents/{paid['payment_intent']['id']}/settle",
            outcome=outcome,
        )  # fmt: skip

    handled = processed_types(stripe_emulator)

    assert {"payment_intent.processing", "checkout.session.async_payment_failed",
            "payment_intent.payment_failed",
            "checkout.session.async_payment_succeeded"} <= handled  # fmt: skip
    failing.refresh_from_db()
    clearing.refresh_from_db()
    assert (failing.status, clearing.status) == ("failed", "succeeded")


def test_expired_and_canceled(endpoint, stripe_emulator):
    session = endpoint.checkout()
    stripe_api.checkout_session_expire(
        session_id=session.pk, stripe_id=session.stripe_checkout_session_id
    )
    other = endpoint.checkout()
    intent = stripe_api.payment_intent_create(session_id=other.pk, amount=2500, currency="gbp")
    stripe_api.payment_intent_cancel(session_id=other.pk, stripe_id=intent.id)

    handled = processed_types(stripe_emulator)

    assert "checkout.session.expired" in handled
    assert "payment_intent.canceled" in handled
    session.refresh_from_db()
    assert session.status == "expired"


def test_a_dispute_opened_updated_and_won(endpoint, stripe_emulator):
    session = endpoint.checkout()
    endpoint.pay(session)
    charge = stripe_emulator.store.all("charge")[-1]
    dispute = emulator_control(stripe_emulator, f"charges/{charge['id']}/dispute")
    client = stripe.StripeClient("sk_test_emulator", base_addresses={"api": stripe_emulator.url})
    client.v1.disputes.update(dispute["id"], params={"evidence": {"product_description": "x"}})
    emulator_control(stripe_emulator, f"disputes/{dispute['id']}/close", outcome="won")

    handled = processed_types(stripe_emulator)

    assert {"charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.updated",
            "charge.dispute.funds_reinstated", "charge.dispute.closed"} <= handled  # fmt: skip
    session.refresh_from_db()
    assert session.dispute_status == "won"


COVERED = {
    "checkout.session.completed", "payment_intent.succeeded", "charge.succeeded",
    "refund.created", "charge.refunded", "refund.failed", "refund.updated",
    "charge.refund.updated", "payment_intent.processing", "checkout.session.async_payment_failed",
    "payment_intent.payment_failed", "checkout.session.async_payment_succeeded",
    "checkout.session.expired", "payment_intent.canceled", "charge.dispute.created",
    "charge.dispute.funds_withdrawn", "charge.dispute.updated", "charge.dispute.funds_reinstated",
    "charge.dispute.closed",
}  # fmt: skip


def test_every_handled_event_type_has_an_end_to_end_test_above():
    assert set(HANDLERS) == COVERED, set(HANDLERS) ^ COVERED
