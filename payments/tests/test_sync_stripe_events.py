"""``manage.py sync_stripe_events``: recover webhooks that never arrived."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from payments.models import WebhookEvent
from payments.services import webhook_handlers
from payments.services.stripe_event_sync import stripe_events_sync
from payments.states import PaymentStatus
from payments.tests.webhook_support import emulator_control

pytestmark = pytest.mark.django_db


def _sync(*args) -> str:
    out = StringIO()
    call_command("sync_stripe_events", *args, stdout=out)
    return out.getvalue()


def test_missed_webhooks_are_replayed(shop):
    session = shop.checkout()
    shop.pay(session)  # Stripe sent the events; none reached us.

    output = _sync("--since", "2h")

    session.refresh_from_db()
    assert session.status == PaymentStatus.SUCCEEDED
    assert session.card_last4 == "4242"
    # checkout.session.completed, payment_intent.succeeded, charge.succeeded applied;
    # payment_intent.created is not handled.
    assert "3 applied, 1 ignored (not ours or not handled), 0 skipped" in output
    assert WebhookEvent.objects.filter(status="processed").count() == 3


def test_events_already_received_are_skipped(shop):
    session = shop.checkout()
    shop.pay(session)
    events = shop.new_events()
    shop.webhooks.deliver(events[-1])  # only checkout.session.completed arrived

    first = _sync("--since", "30m")
    second = _sync("--since", "30m")

    assert "2 applied, 1 ignored (not ours or not handled), 1 skipped" in first
    assert "0 applied, 0 ignored (not ours or not handled), 4 skipped" in second
    assert WebhookEvent.objects.count() == 4


def test_only_events_inside_the_window_are_fetched(shop):
    session = shop.checkout()
    with time_machine.travel(timezone.now() - timedelta(hours=3), tick=False):
        shop.pay(session)

    output = _sync("--since", "2h")

    assert "0 applied, 0 ignored (not ours or not handled), 0 skipped" in output
    session.refresh_from_db()
    assert session.status == PaymentStatus.PENDING


def test_follows_pages_until_the_last(shop):
    sessions = [shop.checkout() for _ in range(3)]
    for session in sessions:
        shop.pay(session)

    result = stripe_events_sync(since=timedelta(hours=1), page_size=2)  # 12 events, 6 pages

    assert (result.applied, result.ignored, result.skipped, result.failed) == (9, 3, 0, [])
    for session in sessions:
        session.refresh_from_db()
        assert session.status == PaymentStatus.SUCCEEDED


@pytest.mark.parametrize("since", ["2 hours", "", "45x", "31d"])
def test_bad_since_is_refused(since):
    with pytest.raises(CommandError, match="--since"):
        _sync("--since", since)


def test_stripe_unreachable_is_a_clear_error(shop, stripe_emulator):
    stripe_emulator.fail_next("GET", "/v1/events", status=500)

    with pytest.raises(CommandError, match="Stripe's Events API failed"):
        _sync("--since", "1h")


def test_an_event_that_fails_is_reported_and_the_others_still_apply(shop, monkeypatch):
    session = shop.checkout()
    shop.pay(session)

    def broken(ctx):
        raise RuntimeError("card details column is missing")

    monkeypatch.setitem(webhook_handlers.HANDLERS, "charge.succeeded", broken)
    errors = StringIO()

    with pytest.raises(CommandError, match="1 event"):
        call_command("sync_stripe_events", "--since", "1h", stdout=StringIO(), stderr=errors)

    assert "card details column is missing" in errors.getvalue()
    assert WebhookEvent.objects.get(type="charge.succeeded").status == "failed"
    session.refresh_from_db()
    assert session.status == PaymentStatus.SUCCEEDED


def test_events_waiting_for_their_payment_are_reported_as_parked(shop):
    """The payment's events fall before the window; a dispute's events in it refer to a
    PaymentIntent no session has claimed yet (a dispute carries none of our ids): parked,
    and said so, not 'skipped'. Once the payment's events come, they apply with them."""
    session = shop.checkout()
    with time_machine.travel(timezone.now() - timedelta(hours=3), tick=False):
        paid = shop.pay(session)
    intent = paid["payment_intent"]
    charge = intent["latest_charge"]
    charge = charge["id"] if isinstance(charge, dict) else charge
    emulator_control(shop.emulator, f"charges/{charge}/dispute", reason="fraudulent")

    output = _sync("--since", "2h")

    parked = WebhookEvent.objects.filter(status="parked")
    assert parked.count() >= 1
    assert f"0 skipped (already received), {parked.count()} parked (waiting for their" in output
    assert set(parked.values_list("waiting_for", flat=True)) == {intent["id"]}
    assert "charge.dispute.created" in set(parked.values_list("type", flat=True))

    result = stripe_events_sync(since=timedelta(hours=4))  # the payment's own events too

    assert result.parked == 0 and result.failed == []
    assert not WebhookEvent.objects.filter(status="parked").exists()
    session.refresh_from_db()
    assert (session.status, session.dispute_status) == (PaymentStatus.SUCCEEDED, "open")
