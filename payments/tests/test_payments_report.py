"""``manage.py payments_report``: per-currency figures, checked against independent SQL."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError

from payments.testing.factories import PaymentSessionFactory
from payments.tests.ops_support import NOW, customer, frozen_time, paid, refunded, run, sql_rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]
__all__ = ["frozen_time"]
PAID = ("succeeded", "partially_refunded", "refunded")


def _report(*args: str) -> dict:
    return json.loads(run("payments_report", "--json", *args))


def test_period_figures_per_currency():
    ada, bob = customer("ada@example.com", "Ada"), customer("bob@example.com", "Bob")
    day = timedelta(days=1)
    early = paid(amount=10000, at=NOW - 40 * day, customer=ada)  # paid before the period
    late_refund = paid(amount=5000, at=NOW - 3 * day, fee=95, customer=ada)
    refunded(late_refund, amount=2000, at=NOW - day)
    refunded(early, amount=10000, at=NOW - 2 * day)  # refund in the period, payment not
    paid(amount=1999, at=NOW - 2 * day, fee=50, customer=bob, platform_fee=200, payee_amount=1799)
    paid(amount=3000, currency="jpy", at=NOW - day, fee=108, customer=bob)
    with time_machine.travel(NOW - 5 * day, tick=False):
        PaymentSessionFactory(status="failed")
        PaymentSessionFactory(status="expired")
        PaymentSessionFactory(status="pending")

    report = _report("--days", "30")

    assert report["period"] == {
        "start": "2026-02-14T00:00:00+00:00",
        "end": "2026-03-15T12:00:00+00:00",
    }
    assert list(report["currencies"]) == ["gbp", "jpy"]
    gbp = report["currencies"]["gbp"]
    assert gbp["gross"] == 5000 + 1999  # paid in the period, whatever was refunded since
    assert gbp["paid_count"] == 2
    assert gbp["refunded"] == 2000 + 10000  # booked in the period
    assert gbp["fees"] == 95 + 50
    assert gbp["net"] == (5000 - 95) + (1999 - 50) - 2000 - 10000
    assert (gbp["platform_fees"], gbp["payee_amounts"]) == (200, 1799)
    assert gbp["average"] == 3500  # (5000 + 1999) / 2 = 3499.5, rounded half up
    assert gbp["count_by_status"]["failed"] == 1
    assert gbp["count_by_status"]["partially_refunded"] == 1
    assert gbp["count_by_status"]["pending"] == 1
    # Finished: 2 paid, 1 failed, 1 expired (pending left out).
    assert (gbp["success_rate"], gbp["failure_rate"]) == (0.5, 0.25)
    assert [(c["email"], c["amount"], c["count"]) for c in gbp["top_customers"]] == [
        ("ada@example.com", 5000, 1),
        ("bob@example.com", 1999, 1),
    ]
    jpy = report["currencies"]["jpy"]
    assert (jpy["gross"], jpy["fees"], jpy["net"], jpy["average"]) == (3000, 108, 2892, 3000)


def test_one_currency_and_one_date():
    paid(amount=2500, at=datetime(2026, 3, 10, 23, 59, tzinfo=UTC))
    paid(amount=4000, at=datetime(2026, 3, 11, 0, 0, tzinfo=UTC))
    paid(amount=700, currency="usd", at=datetime(2026, 3, 10, 8, 0, tzinfo=UTC))

    report = _report("--date", "2026-03-10", "--currency", "gbp")

    assert report["period"]["start"] == "2026-03-10T00:00:00+00:00"
    assert report["period"]["end"] == "2026-03-11T00:00:00+00:00"
    assert list(report["currencies"]) == ["gbp"]
    assert report["currencies"]["gbp"]["gross"] == 2500


def test_top_customers_are_the_five_biggest():
    for n, amount in enumerate([100, 700, 300, 900, 500, 200, 800]):
        paid(amount=amount + 1000, at=NOW - timedelta(hours=n + 1), customer=customer(f"c{n}@x.io"))

    top = _report("--days", "1")["currencies"]["gbp"]["top_customers"]

    assert [c["email"] for c in top] == ["c3@x.io", "c6@x.io", "c1@x.io", "c4@x.io", "c2@x.io"]


def test_totals_match_independent_sql():
    """Seeded data of every kind; each figure recomputed with hand-written SQL."""
    with time_machine.travel(NOW, tick=False):
        run("seed_demo_payments", "--count", "1500", "--days", "60", "--seed", "11")

    report = _report("--days", "30")
    start = datetime(2026, 2, 14, tzinfo=UTC)

    sales = sql_rows(
        "SELECT currency, COUNT(*), SUM(amount), SUM(platform_fee), COALESCE(SUM(payee_amount), 0),"
        " ROUND(AVG(amount)) FROM payments_paymentsession"
        " WHERE paid_at >= %s AND paid_at < %s GROUP BY currency",
        [start, NOW],
    )
    ledger = sql_rows(
        "SELECT currency, SUM(fee), SUM(net),"
        " -SUM(CASE WHEN kind IN ('refund', 'refund_failure') THEN gross ELSE 0 END)"
        " FROM payments_transaction WHERE created_at >= %s AND created_at < %s GROUP BY currency",
        [start, NOW],
    )
    created = sql_rows(
        "SELECT currency, status, COUNT(*) FROM payments_paymentsession"
        " WHERE created_at >= %s AND created_at < %s GROUP BY currency, status",
        [start, NOW],
    )
    assert len(sales) >= 4  # gbp, usd, eur, jpy (and usually kwd): a real mix
    for code, count, gross, platform, payee, average in sales:
        figures = report["currencies"][code]
        assert (figures["paid_count"], figures["gross"]) == (count, gross)
        assert (figures["platform_fees"], figures["payee_amounts"]) == (platform, payee)
        assert figures["average"] == int(average)
    for code, fees, net, refunds in ledger:
        figures = report["currencies"][code]
        assert (figures["fees"], figures["net"], figures["refunded"]) == (fees, net, refunds)
    for code, status, count in created:
        assert report["currencies"][code]["count_by_status"][status] == count
    for code, figures in report["currencies"].items():
        counts = figures["count_by_status"]
        finished = sum(counts[s] for s in (*PAID, "failed", "canceled", "expired"))
        assert figures["success_rate"] == round(sum(counts[s] for s in PAID) / finished, 4)
        top = sql_rows(
            "SELECT c.email, SUM(s.amount) FROM payments_paymentsession s"
            " JOIN payments_customer c ON c.id = s.customer_id"
            " WHERE s.currency = %s AND s.paid_at >= %s AND s.paid_at < %s"
            " GROUP BY c.id, c.email ORDER BY SUM(s.amount) DESC, c.id LIMIT 5",
            [code, start, NOW],
        )
        assert [(c["email"], c["amount"]) for c in figures["top_customers"]] == top


def test_boxes_per_currency():
    paid(amount=2500, at=NOW - timedelta(hours=1), customer=customer("ada@example.com"))
    paid(amount=2500, currency="jpy", at=NOW - timedelta(hours=1))

    out = run("payments_report", "--days", "7")

    assert out.count("+- GBP  2026-03-09T00:00 → 2026-03-15T12:00") == 1
    assert out.count("+- JPY") == 1
    for expected in ["| Gross", "£25.00", "¥2,500", "| Success rate", "100.0%", "ada@example.com"]:
        assert expected in out
    assert "\x1b[" not in out
    assert "╭" in run("payments_report", tty=True)


def test_empty_period_and_bad_arguments():
    assert run("payments_report", "--date", "2020-01-01").startswith("No payments from 2020-01-01")
    assert _report("--date", "2020-01-01")["currencies"] == {}
    with pytest.raises(CommandError, match="not allowed with argument"):
        run("payments_report", "--date", "2026-03-01", "--days", "3")
