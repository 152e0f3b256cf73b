"""Events that come before their object is linked to a session are parked, not dropped.

Dashboard-style refunds and disputes (made straight through the emulator's Stripe API, not
through ours, so they carry none of our ids) whose events reach us before the payment's own
events: parked, then applied when the payment's events link the session, in one transaction.
"""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from payments.models import PaymentLog, Refund, Transaction, WebhookEvent
from payments.models.ledger import TransactionKind
from payments.states import DisputeStatus, PaymentStatus
from payments.testing.factories import PaymentSessionFactory
from payments.testing.stripe_events import StripePayment, event
from payments.testing.tasks import run_queued_tasks
from payments.tests.webhook_support import emulator_control

pytestmark = pytest.mark.django_db


def _status(events) -> dict[str, str]:
    rows = WebhookEvent.objects.filter(stripe_event_id__in=[e["id"] for e in events])
    return dict(rows.values_list("type", "status"))


def _paid_but_undelivered(shop):
    """A paid Checkout Session whose events the emulator made but we have not received."""
    session = shop.checkout()
    paid = shop.pay(session)
    return session, paid["payment_intent"], shop.new_events()


def _footprint(session) -> tuple:
    session.refresh_from_db()
    return (
        session.status,
        session.amount_refunded,
        session.dispute_status,
        Counter(Transaction.objects.filter(session=session).values_list("kind", flat=True)),
        Refund.objects.filter(session=session).count(),
        PaymentLog.objects.filter(session=session).exclude(event_type="webhook_received").count(),
    )


def test_a_dashboard_refund_before_the_payment_events_is_parked_then_applied(shop, stripe_sdk):
    session, intent, payment_events = _paid_but_undelivered(shop)
    stripe_sdk.v1.refunds.create(params={"payment_intent": intent["id"]})
    refund_events = shop.new_events()
    assert {"refund.created", "charge.refunded"} <= {e["type"] for e in refund_events}

    # The charge carries the PaymentIntent's metadata (ours), the refund carries nothing: its
    # events are the ones that came early and used to be ignored.
    early = [e for e in refund_events if e["type"].startswith("refund.")]
    shop.webhooks.deliver(*early)

    statuses = _status(early)
    assert set(statuses.values()) == {"parked"}, statuses
    parked = WebhookEvent.objects.filter(status="parked")
    assert set(parked.values_list("waiting_for", flat=True)) == {intent["id"]}
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.PENDING, 0)

    shop.webhooks.deliver(*payment_events)
    run_queued_tasks()

    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.REFUNDED, 2500)
    assert set(_status(early).values()) == {"processed"}
    assert not WebhookEvent.objects.filter(status__in=["parked", "failed"]).exists()
    handled = WebhookEvent.objects.filter(status="processed")
    assert set(handled.values_list("session", flat=True)) == {session.pk}
    [refund] = Refund.objects.filter(session=session)
    assert (refund.amount, refund.status) == (2500, "succeeded")
    kinds = Counter(Transaction.objects.filter(session=session).values_list("kind", flat=True))
    assert kinds == {TransactionKind.CHARGE: 1, TransactionKind.REFUND: 1}
    refund_row = Transaction.objects.get(session=session, kind=TransactionKind.REFUND)
    assert (refund_row.gross, refund_row.stripe_object_id) == (-2500, refund.stripe_refund_id)

    # The rest of the refund's events (charge.refunded) change nothing more.
    before = _footprint(session)
    shop.webhooks.deliver(*[e for e in refund_events if e not in early])
    run_queued_tasks()
    assert _footprint(session) == before

    # Stripe delivers everything again: nothing changes.
    before = _footprint(session)
    responses = shop.webhooks.deliver(*refund_events, *payment_events)
    run_queued_tasks()
    assert {r.json()["status"] for r in responses} == {"duplicate"}
    assert _footprint(session) == before


def test_a_charge_event_that_links_the_session_wakes_what_waits_for_its_payment_intent(
    shop, stripe_sdk
):
    """The refund's events wait for the PaymentIntent; ``charge.refunded`` (our metadata)
    is the first event to reach the session: it links the charge *and* its PaymentIntent,
    so what waited for the PaymentIntent is applied in the same transaction."""
    session, intent, _payment_events = _paid_but_undelivered(shop)
    stripe_sdk.v1.refunds.create(params={"payment_intent": intent["id"]})
    refund_events = shop.new_events()
    early = [e for e in refund_events if e["type"].startswith("refund.")]
    shop.webhooks.deliver(*early)
    assert set(_status(early).values()) == {"parked"}

    shop.webhooks.deliver(*[e for e in refund_events if e["type"] == "charge.refunded"])

    session.refresh_from_db()
    assert session.stripe_payment_intent_id == intent["id"]
    assert set(_status(early).values()) == {"processed"}
    assert not WebhookEvent.objects.filter(status="parked").exists()
    [refund] = Refund.objects.filter(session=session)
    assert refund.amount == 2500


def test_a_dashboard_partial_refund_and_a_dispute_before_the_payment_events(shop, stripe_sdk):
    session, intent, payment_events = _paid_but_undelivered(shop)
    stripe_sdk.v1.refunds.create(params={"payment_intent": intent["id"], "amount": 1000})
    charge_id = intent["latest_charge"]
    charge_id = charge_id["id"] if isinstance(charge_id, dict) else charge_id
    emulator_control(shop.emulator, f"charges/{charge_id}/dispute", reason="fraudulent")
    early = shop.new_events()
    assert "charge.dispute.created" in {e["type"] for e in early}

    early = [e for e in early if not e["type"].startswith("charge.refund")]
    shop.webhooks.deliver(*early)
    assert set(_status(early).values()) == {"parked"}
    session.refresh_from_db()
    assert session.dispute_status != DisputeStatus.OPEN

    # A partial arrival: only the charge's own event links the session (by its charge id
    # and its PaymentIntent id), and everything parked is applied in that transaction.
    [charge_succeeded] = [e for e in payment_events if e["type"] == "charge.succeeded"]
    shop.webhooks.deliver(charge_succeeded)
    session.refresh_from_db()
    assert session.dispute_status == DisputeStatus.OPEN
    assert session.amount_refunded == 1000
    assert set(_status(early).values()) == {"processed"}

    shop.webhooks.deliver(*[e for e in payment_events if e is not charge_succeeded])
    run_queued_tasks()
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, 1000)
    assert session.dispute_status == DisputeStatus.OPEN
    kinds = Counter(Transaction.objects.filter(session=session).values_list("kind", flat=True))
    assert kinds == {
        TransactionKind.CHARGE: 1,
        TransactionKind.REFUND: 1,
        TransactionKind.DISPUTE: 1,
    }

    before = _footprint(session)
    shop.webhooks.deliver(*early, *payment_events)
    run_queued_tasks()
    assert _footprint(session) == before


def test_parked_events_are_applied_in_stripes_order(webhooks):
    """refund.updated (failed) created after refund.created: applied in ``created`` order
    whatever order they arrived in, so the refund ends failed."""
    session = PaymentSessionFactory(status=PaymentStatus.PENDING)
    payment = StripePayment.for_session(session, tagged=False)
    refund = payment.refund(2500)
    created = event("refund.created", refund, created=1_000)
    failed = event(
        "refund.updated",
        payment.refund(2500, status="failed", refund_id=refund["id"]),
        created=1_001,
    )
    webhooks.deliver(failed, created)  # the later one first

    session.stripe_checkout_session_id = payment.checkout_session()["id"]
    session.save(update_fields=["stripe_checkout_session_id"])
    webhooks.deliver(event("checkout.session.completed", payment.checkout_session()))

    session.refresh_from_db()
    assert session.stripe_payment_intent_id == payment.payment_intent_id
    assert Refund.objects.get(session=session).status == "failed"
    assert session.amount_refunded == 0
    received = PaymentLog.objects.filter(event_type="webhook_received", session=session)
    actors = list(received.order_by("pk").values_list("actor", flat=True))
    assert actors[-2:] == [f"stripe:{created['id']}", f"stripe:{failed['id']}"]


def test_an_object_naming_a_session_we_do_not_have_is_ignored_not_parked(webhooks):
    stranger = StripePayment(session_id="00000000-0000-0000-0000-000000000001", amount=2500)
    response = webhooks.post(event("refund.created", stranger.refund(2500, ours=1)))
    assert response.json()["status"] == "ignored"
    assert WebhookEvent.objects.get().waiting_for == ""


def test_an_untagged_payment_intent_is_not_ours(webhooks):
    stranger = StripePayment(session_id="not-a-uuid", amount=2500, tagged=False)
    response = webhooks.post(event("payment_intent.succeeded", stranger.payment_intent()))
    assert response.json()["status"] == "ignored"


def test_purge_gives_up_on_events_parked_past_the_retention_window(webhooks, settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "PARKED_EVENT_RETENTION_DAYS": 30}
    stranger = StripePayment(session_id="not-a-uuid", amount=2500, tagged=False)
    now = timezone.now()
    old = event("refund.created", stranger.refund(2500), created=int(now.timestamp()) - 31 * 86400)
    recent = event("refund.updated", stranger.refund(2500), created=int(now.timestamp()) - 86400)
    webhooks.deliver(old, recent)
    assert set(_status([old, recent]).values()) == {"parked"}

    out = StringIO()
    call_command("purge_parked_events", stdout=out)

    assert _status([old, recent]) == {"refund.created": "ignored", "refund.updated": "parked"}
    assert "1 parked event" in out.getvalue()
    with time_machine.travel(now + timedelta(days=30), tick=False):
        call_command("purge_parked_events", "--older-than", "7d", stdout=StringIO())
    assert set(_status([old, recent]).values()) == {"ignored"}


def test_a_sync_that_links_the_session_applies_what_was_parked(shop, stripe_sdk):
    """The payment's own webhooks were lost; ``sync_stripe_events`` replays them and the
    refund parked earlier is applied in the same transaction as the replayed link."""
    session, intent, _lost = _paid_but_undelivered(shop)
    stripe_sdk.v1.refunds.create(params={"payment_intent": intent["id"]})
    early = [e for e in shop.new_events() if e["type"].startswith("refund.")]
    shop.webhooks.deliver(*early)
    assert set(_status(early).values()) == {"parked"}

    call_command("sync_stripe_events", "--since", "2h", stdout=StringIO())
    run_queued_tasks()

    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.REFUNDED, 2500)
    assert set(_status(early).values()) == {"processed"}
    assert Refund.objects.get(session=session).status == "succeeded"
    kinds = Counter(Transaction.objects.filter(session=session).values_list("kind", flat=True))
    assert kinds == {TransactionKind.CHARGE: 1, TransactionKind.REFUND: 1}


def test_the_admin_lists_parked_events_with_what_they_wait_for(webhooks, admin_client):
    stranger = StripePayment(session_id="not-a-uuid", amount=2500, tagged=False)
    webhooks.deliver(event("refund.created", stranger.refund(2500)))

    page = admin_client.get("/admin/payments/webhookevent/?status__exact=parked")

    assert page.status_code == 200
    assert stranger.payment_intent_id in page.content.decode()
