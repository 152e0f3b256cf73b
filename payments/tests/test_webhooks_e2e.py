"""End to end over HTTP: the emulator posts signed webhooks to the running app."""

import pytest

from payments.models import Transaction, WebhookEvent
from payments.states import PaymentStatus
from payments.testing.tasks import run_queued_tasks
from payments.tests.webhook_support import URL, emulator_control


@pytest.fixture
def wired(shop, live_server, stripe_emulator):
    """The emulator delivering its webhooks to the live app, as Stripe would."""
    stripe_emulator.webhook_url = live_server.url + URL
    return shop


@pytest.mark.django_db(transaction=True)
def test_paid_checkout_session_succeeds_with_fee_and_net_in_the_ledger(wired, stripe_emulator):
    session = wired.checkout(amount=4200)

    paid = wired.pay(session)  # the emulator delivers the events before it answers

    assert paid["status"] == "succeeded"
    assert stripe_emulator.wait_for_webhooks(timeout=10)
    assert {d["status_code"] for d in stripe_emulator.deliveries} == {200}
    session.refresh_from_db()
    assert session.status == PaymentStatus.SUCCEEDED
    assert (session.card_brand, session.card_last4) == ("visa", "4242")
    assert WebhookEvent.objects.filter(status="processed").count() == 3

    run_queued_tasks()  # what `manage.py db_worker` does in production

    row = Transaction.objects.get(session=session)
    stripe_txn = stripe_emulator.get(row.stripe_balance_transaction_id)
    assert (row.kind, row.gross) == ("charge", 4200)
    assert (row.fee, row.net) == (stripe_txn["fee"], stripe_txn["net"]) and row.fee > 0


@pytest.mark.django_db(transaction=True)
def test_refund_through_the_api_then_its_webhooks_count_once(wired, service, stripe_emulator):
    session = wired.checkout()
    wired.pay(session)
    assert stripe_emulator.wait_for_webhooks(timeout=10)
    webhook_url, stripe_emulator.webhook_url = stripe_emulator.webhook_url, None
    already = len(stripe_emulator.events)

    response = service.post_json(f"/api/payments/sessions/{session.pk}/refunds/", {})

    assert response.status_code == 201, response.content
    # Stripe's webhooks about the refund arrive after its answer (the reverse order is
    # tested in test_refunds; on SQLite two writers at once are not isolated by row locks).
    stripe_emulator.webhook_url = webhook_url
    refund_events = stripe_emulator.events[already:]
    for refund_event in refund_events:
        emulator_control(stripe_emulator, f"events/{refund_event['id']}/resend")
    assert stripe_emulator.wait_for_webhooks(timeout=10)
    assert {"refund.created", "charge.refunded"} <= {e["type"] for e in refund_events}
    assert {d["status_code"] for d in stripe_emulator.deliveries} == {200}
    stored = WebhookEvent.objects.filter(stripe_event_id__in=[e["id"] for e in refund_events])
    assert set(stored.values_list("status", flat=True)) == {"processed"}
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.REFUNDED, 2500)
    assert Transaction.objects.filter(kind="refund").get().gross == -2500
