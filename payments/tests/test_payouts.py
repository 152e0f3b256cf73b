"""Payouts against the emulator: payout events -> ``Payout`` rows and ledger rows, the task
that stores what an automatic payout contains, the admin page and ``payout_report``."""

import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from payments.models import Payout, Transaction
from payments.selectors.payouts import ADDS_UP, MANUAL, payout_summary
from payments.testing.tasks import run_queued_tasks
from payments.tests.ops_support import staff_client
from payments.tests.webhook_support import emulator_control, shop, webhooks

pytestmark = pytest.mark.django_db
__all__ = ["shop", "staff_client", "webhooks"]


@pytest.fixture
def paid_out(shop, stripe_sdk):
    """Two payments, one partly refunded from the Dashboard, then an automatic payout whose
    steps all happen at once; every event delivered and the tasks run."""
    shop.emulator.payout_delay = 0
    first = shop.paid_session(amount=2500)
    second = shop.paid_session(amount=1000)
    stripe_sdk.v1.refunds.create(
        params={"payment_intent": second.stripe_payment_intent_id, "amount": 300}
    )
    shop.deliver_new_events()
    run_queued_tasks()
    payout = emulator_control(shop.emulator, "payouts/run", currency="gbp")
    events = shop.deliver_new_events()
    run_queued_tasks()
    return payout, events, (first, second)


def test_an_automatic_payout_is_recorded_with_contents_that_add_up(paid_out):
    payout, events, sessions = paid_out
    assert [e["type"] for e in events] == ["payout.created", "payout.updated", "payout.paid"]

    row = Payout.objects.get(stripe_payout_id=payout["id"])
    assert (row.status, row.amount, row.automatic) == ("paid", payout["amount"], True)
    summary = payout_summary(payout=row)
    assert summary.check == ADDS_UP
    assert summary.by_type["charge"]["count"] == 2 and summary.refunds == 300
    assert summary.gross == 3500
    assert summary.gross - summary.fees - summary.refunds == summary.net == payout["amount"]
    assert {item.session_id for item in row.items.all() if item.session_id} == {
        s.pk for s in sessions
    }
    ledger = Transaction.objects.get(payout=row)
    assert (ledger.kind, ledger.gross, ledger.session_id) == ("payout", -payout["amount"], None)


def test_duplicate_and_out_of_order_payout_events_change_nothing(paid_out, shop):
    payout, events, _ = paid_out
    row = Payout.objects.get(stripe_payout_id=payout["id"])
    items = row.items.count()

    shop.webhooks.deliver(*reversed(events))  # duplicates, newest first
    late = {**events[1], "id": "evt_late_in_transit"}  # an older state, arriving last
    shop.webhooks.deliver(late)
    run_queued_tasks()

    row.refresh_from_db()
    assert row.status == "paid"
    assert row.items.count() == items
    assert Transaction.objects.filter(payout=row).count() == 1


def test_the_admin_shows_the_contents_and_totals(paid_out, staff_client):
    payout, _, _ = paid_out
    row = Payout.objects.get(stripe_payout_id=payout["id"])

    page = staff_client.get(reverse("admin:payments_payout_change", args=[row.pk]))
    listing = staff_client.get(reverse("admin:payments_payout_changelist"), {"status": "paid"})

    content = page.content.decode()
    assert page.status_code == 200
    assert "Contents add up to the payout amount." in content
    assert content.count("txn_") >= 3  # two charges and a refund inline
    assert payout["id"] in listing.content.decode()


def test_payout_report_json_and_csv(paid_out, tmp_path):
    payout, _, _ = paid_out
    out = StringIO()
    target = tmp_path / "payout.csv"

    call_command("payout_report", payout["id"], "--json", "--csv", str(target), stdout=out)

    report = json.loads(out.getvalue())
    assert report["check"] == ADDS_UP and report["net"] == payout["amount"]
    assert sum(row["net"] for row in report["contents"]) == payout["amount"]
    rows = list(csv.DictReader(target.open()))
    assert sorted(row["type"] for row in rows) == ["charge", "charge", "refund"]
    assert sum(int(row["net"]) for row in rows) == payout["amount"]


def test_a_payout_to_a_failing_bank_account_fails(shop):
    shop.emulator.payout_delay = 0
    shop.emulator.bank_account = "000111111116"  # Stripe's test account: fails, no_account
    shop.paid_session(amount=2500)
    payout = emulator_control(shop.emulator, "payouts/run", currency="gbp")
    events = shop.deliver_new_events()
    run_queued_tasks()

    assert events[-1]["type"] == "payout.failed"
    row = Payout.objects.get(stripe_payout_id=payout["id"])
    assert (row.status, row.failure_code) == ("failed", "no_account")
    kinds = dict(Transaction.objects.filter(payout=row).values_list("kind", "gross"))
    assert kinds == {"payout": -payout["amount"], "payout_failure": payout["amount"]}


def test_a_manual_payout_is_reported_as_not_tied_to_transactions(shop, stripe_sdk):
    shop.emulator.payout_delay = 0
    shop.paid_session(amount=2500)
    manual = stripe_sdk.v1.payouts.create(params={"amount": 1000, "currency": "gbp"})
    shop.deliver_new_events()
    run_queued_tasks()
    out = StringIO()

    call_command("payout_report", manual.id, "--json", stdout=out)

    report = json.loads(out.getvalue())
    assert (report["status"], report["automatic"], report["check"]) == ("paid", False, MANUAL)
    assert report["contents"] == [] and "no contents" in report["check_text"]
