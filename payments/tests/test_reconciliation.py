"""``manage.py reconcile_payments``: each kind of difference planted, found, repaired where
that is safe, and reported where it is not. Against the emulator, never a mock of Stripe."""

import json
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from payments import stripe_api
from payments.models import (
    PaymentSession,
    ReconciliationFinding,
    ReconciliationRun,
    Refund,
    Transaction,
)
from payments.services.reconciliation import reconciliation_run
from payments.tests.ops_support import staff_client
from payments.tests.webhook_support import emulator_control, shop, webhooks

pytestmark = pytest.mark.django_db
__all__ = ["shop", "staff_client", "webhooks"]


def _reconcile(*args: str) -> tuple[int, str]:
    """Run the command; its exit status and what it printed."""
    out = StringIO()
    try:
        call_command("reconcile_payments", *args, stdout=out, stderr=StringIO())
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


def _reconcile_json(*args: str) -> tuple[int, dict]:
    status, output = _reconcile(*args, "--json")
    return status, json.loads(output)


def _kinds(report: dict, *, fixed: bool | None = None) -> set[str]:
    return {f["kind"] for f in report["findings"] if fixed is None or f["fixed"] == fixed}


def _dashboard_refund(stripe_sdk, session: PaymentSession, amount: int) -> dict:
    """A refund made at Stripe (the Dashboard), not through our API."""
    return stripe_sdk.v1.refunds.create(
        params={"payment_intent": session.stripe_payment_intent_id, "amount": amount}
    ).to_dict()


def test_records_that_agree_are_clean(shop):
    shop.paid_session()

    status, report = _reconcile_json("--since", "1h")

    assert status == 0
    assert report["findings"] == []
    assert report["sessions_checked"] == 1
    assert report["stripe_objects_checked"] >= 4  # checkout, intent, charge, balance txn
    assert ReconciliationRun.objects.get().status == "clean"


def test_lost_webhooks_are_found_and_repaired_through_the_handlers(shop):
    session = shop.checkout()
    shop.pay(session)  # Stripe took the money; no event reached us.

    status, report = _reconcile_json("--since", "1h")

    assert status == 3
    assert _kinds(report) == {"status", "missing_ledger_row"}
    assert all(f["repairable"] and not f["fixed"] for f in report["findings"])

    status, report = _reconcile_json("--since", "1h", "--fix")

    assert status == 0
    assert _kinds(report, fixed=True) == {"status", "missing_ledger_row"}
    session.refresh_from_db()
    assert session.status == "succeeded"
    assert session.stripe_charge_id and session.card_last4 == "4242"
    charge = Transaction.objects.get(session=session, kind="charge")
    assert (charge.gross, charge.net) == (2500, 2500 - charge.fee) and charge.fee > 0
    # The state machine wrote the change, naming the run.
    assert session.logs.filter(
        event_type="status_changed", new_status="succeeded", actor__startswith="reconcile:"
    ).exists()
    assert _reconcile("--since", "1h")[0] == 0


def test_planted_status_ledger_and_refund_differences_are_repaired(shop, stripe_sdk):
    behind = shop.paid_session()
    PaymentSession.objects.filter(pk=behind.pk).update(status="pending")
    no_row = shop.paid_session()
    Transaction.objects.filter(session=no_row).delete()
    refunded = shop.paid_session()
    _dashboard_refund(stripe_sdk, refunded, 1000)  # its events never delivered

    status, report = _reconcile_json("--since", "1h")

    assert status == 3
    assert _kinds(report) == {"status", "missing_ledger_row", "refund", "amount_refunded"}
    by_session = {(f["kind"], f["session"]) for f in report["findings"]}
    assert ("status", str(behind.pk)) in by_session
    assert ("missing_ledger_row", str(no_row.pk)) in by_session
    assert ("status", str(refunded.pk)) in by_session  # succeeded; Stripe: partially refunded

    status, report = _reconcile_json("--since", "1h", "--fix")

    assert status == 0, report
    assert report["summary"]["status"] == {"found": 2, "fixed": 2, "remaining": 0}
    for session in (behind, no_row, refunded):
        session.refresh_from_db()
    assert behind.status == "succeeded"
    assert Transaction.objects.filter(session=no_row, kind="charge").count() == 1
    assert refunded.status == "partially_refunded" and refunded.amount_refunded == 1000
    refund = Refund.objects.get(session=refunded)
    assert (refund.status, refund.requested_by) == ("succeeded", "stripe")
    assert Transaction.objects.get(session=refunded, kind="refund").gross == -1000
    status, report = _reconcile_json("--since", "1h")
    assert (status, report["findings"]) == (0, [])


def test_what_cannot_be_repaired_is_reported_for_a_person(shop):
    wrong_amount = shop.paid_session()
    PaymentSession.objects.filter(pk=wrong_amount.pk).update(amount=3000)
    wrong_fee = shop.paid_session()
    Transaction.objects.filter(session=wrong_fee).update(fee=10, net=2490)
    gone_back = shop.paid_session()
    PaymentSession.objects.filter(pk=gone_back.pk).update(status="failed")
    missing = uuid.uuid4()  # a request that died after Stripe answered: no session row
    orphan = stripe_api.payment_intent_create(session_id=missing, amount=700, currency="gbp")

    status, report = _reconcile_json("--since", "1h", "--fix")

    assert status == 3
    remaining = {(f["kind"], f["stripe_object"]) for f in report["findings"] if not f["fixed"]}
    assert ("orphan", orphan.id) in remaining
    assert ("amount", wrong_amount.stripe_payment_intent_id) in remaining
    fee = next(f for f in report["findings"] if f["kind"] == "fee")
    assert (fee["ours"]["fee"], fee["session"], fee["repairable"]) == (10, str(wrong_fee.pk), False)
    assert fee["stripe"]["fee"] != 10
    refused = next(f for f in report["findings"] if f["session"] == str(gone_back.pk))
    assert (refused["kind"], refused["repairable"]) == ("status", False)
    orphan_row = next(f for f in report["findings"] if f["kind"] == "orphan")
    assert orphan_row["session"] == str(missing)
    gone_back.refresh_from_db()
    assert gone_back.status == "failed"  # never moved backwards by a repair
    # Nothing changed: a second run finds the same.
    assert _reconcile_json("--since", "1h")[1]["differences_remaining"] == 4
    run = ReconciliationRun.objects.order_by("pk").first()
    assert (run.status, run.differences_found, run.differences_fixed) == ("differences", 4, 0)


def test_boxes_summarise_each_kind(shop):
    session = shop.paid_session()
    PaymentSession.objects.filter(pk=session.pk).update(amount=9900)

    status, output = _reconcile("--since", "1h")

    assert status == 3
    assert "Reconciliation: 1 left" in output
    assert "Amount or currency differs" in output and "For a person to look at" in output
    assert str(session.pk) in output
    assert "+--" in output  # plain ASCII boxes when not a terminal


def test_one_session_only(shop):
    checked = shop.paid_session()
    other = shop.paid_session()
    PaymentSession.objects.filter(pk__in=[checked.pk, other.pk]).update(status="pending")

    status, report = _reconcile_json("--session", str(checked.pk), "--fix")

    assert (status, report["sessions_checked"]) == (0, 1)
    assert {f["session"] for f in report["findings"]} == {str(checked.pk)}
    other.refresh_from_db()
    assert other.status == "pending"


def test_the_window_leaves_out_older_sessions(shop):
    shop.paid_session()
    PaymentSession.objects.update(status="pending")

    status, report = _reconcile_json("--since", "3d", "--until", "1d")

    assert (status, report["sessions_checked"], report["findings"]) == (0, 0, [])


def test_stripe_pages_are_followed(shop):
    orphans = {
        stripe_api.payment_intent_create(session_id=uuid.uuid4(), amount=500, currency="gbp").id
        for _ in range(3)
    }
    report = reconciliation_run(since=timezone.now() - timedelta(hours=1), page_size=1)

    assert {d.stripe_object_id for d in report.remaining if d.kind == "orphan"} == orphans


@pytest.mark.parametrize(
    "args, message",
    [
        (["--since", "yesterday"], "neither a duration"),
        (["--session", "not-a-uuid"], "--session"),
        (["--since", "1d", "--until", "2d"], "--until must be later"),
    ],
)
def test_bad_arguments_are_refused(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("reconcile_payments", *args, stdout=StringIO())


def test_stripe_unreachable_fails_the_run_clearly(shop, stripe_emulator):
    shop.paid_session()
    stripe_emulator.fail_next("GET", "/v1/balance_transactions", status=500)

    with pytest.raises(CommandError, match="Stripe could not be read") as raised:
        call_command("reconcile_payments", "--since", "1h", stdout=StringIO())

    assert raised.value.returncode == 1
    run = ReconciliationRun.objects.get()
    assert run.status == "failed" and "ProviderUnavailable" in run.error


def test_the_admin_lists_runs_and_shows_findings(shop, staff_client):
    session = shop.paid_session()
    PaymentSession.objects.filter(pk=session.pk).update(amount=9900)
    _reconcile("--since", "1h")
    run = ReconciliationRun.objects.get()

    listing = staff_client.get("/admin/payments/reconciliationrun/")
    detail = staff_client.get(f"/admin/payments/reconciliationrun/{run.pk}/change/")

    assert listing.status_code == 200 and b"Differences remain" in listing.content
    assert detail.status_code == 200
    finding = ReconciliationFinding.objects.get(run=run)
    assert finding.message.encode() in detail.content
    assert staff_client.post("/admin/payments/reconciliationrun/add/").status_code == 403


def test_a_balance_transaction_of_an_older_session_without_its_ledger_row(shop):
    """The session is outside the window, its charge's balance transaction inside it."""
    session = shop.paid_session()
    three_days_ago = timezone.now() - timedelta(days=3)
    PaymentSession.objects.filter(pk=session.pk).update(created_at=three_days_ago)
    Transaction.objects.filter(session=session).delete()

    status, report = _reconcile_json("--since", "1h", "--fix")

    assert status == 0, report
    assert _kinds(report, fixed=True) == {"missing_ledger_row"}
    assert Transaction.objects.filter(session=session, kind="charge").count() == 1


def test_a_dispute_stripe_knows_and_we_do_not_is_reported(shop):
    session = shop.paid_session()
    emulator_control(shop.emulator, f"charges/{session.stripe_charge_id}/dispute")

    status, report = _reconcile_json("--session", str(session.pk), "--fix")

    assert status == 3
    dispute = next(f for f in report["findings"] if f["kind"] == "dispute")
    assert (dispute["ours"], dispute["stripe"], dispute["fixed"]) == ("", {"disputed": True}, False)
