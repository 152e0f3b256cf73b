"""Subscriptions in ``payments_report`` and the dashboard: MRR per currency at the period's
end, new and churned subscriptions, failed renewals."""

import json
from datetime import datetime, timedelta
from fractions import Fraction

import pytest
import time_machine

from payments.models import Subscription
from payments.models.logs import LogEvent
from payments.models.sessions import Flow
from payments.services.audit import payment_log_create
from payments.testing.factories import CustomerFactory, PaymentSessionFactory
from payments.tests.ops_support import NOW, frozen_time, run, staff_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]
__all__ = ["frozen_time", "staff_client"]
DAY = timedelta(days=1)
# Months per interval, as the report normalises them (written out again on purpose).
PER_MONTH = {"month": Fraction(1), "year": Fraction(1, 12), "week": Fraction(52, 12),
             "day": Fraction(365, 12)}  # fmt: skip


def subscription(*, at: datetime = NOW - 40 * DAY, **fields) -> Subscription:
    fields = {"amount": 1500, "currency": "gbp", "interval": "month", "status": "active", **fields}
    with time_machine.travel(at, tick=False):
        return Subscription.objects.create(
            customer=CustomerFactory(), payable_type="membership", payable_id="m", **fields
        )


def _report(*args: str) -> dict:
    return json.loads(run("payments_report", "--json", *args))


def _expected_mrr(subscriptions: list[Subscription]) -> int:
    total = sum(
        Fraction(s.amount) * PER_MONTH[s.interval] / s.interval_count for s in subscriptions
    )
    return int(total + Fraction(1, 2))  # half up (all positive)


def test_mrr_is_the_monthly_normalised_sum_of_the_subscriptions_active_at_the_end():
    counted = [
        subscription(amount=1500),
        subscription(amount=12000, interval="year"),
        subscription(amount=999, interval="week", interval_count=2),
        subscription(amount=333, interval="day"),
        subscription(amount=4500, interval="month", interval_count=3),
        subscription(amount=2001, interval="year", interval_count=2),
        subscription(amount=1, interval="week"),
    ]
    usd = [subscription(amount=1000, currency="usd"), subscription(amount=9900, currency="usd",
                                                                  interval="year")]  # fmt: skip
    subscription(amount=5000, status="canceled", ended_at=NOW - 2 * DAY)
    subscription(amount=5000, status="past_due")
    subscription(amount=5000, status="trialing")
    subscription(amount=5000, status="incomplete")
    subscription(amount=5000, at=NOW + DAY)  # made after the period's end

    report = _report("--days", "30")

    gbp, usd_figures = report["currencies"]["gbp"], report["currencies"]["usd"]
    assert gbp["mrr"] == _expected_mrr(counted)
    assert usd_figures["mrr"] == _expected_mrr(usd) == 1000 + 825
    # 1500 + 1000 + 2164.5 + 10128.75 + 1500 + 83.375 + 4.333... = 16380.958..., rounded once
    assert gbp["mrr"] == 16381


def test_a_past_period_counts_what_is_active_now_and_existed_at_its_end():
    subscription(amount=2000, status="canceled", ended_at=NOW - 5 * DAY)
    still_active = subscription(amount=1500)
    subscription(amount=7000, at=NOW - 3 * DAY)  # made after that day

    day = (NOW - 10 * DAY).date().isoformat()
    gbp = _report("--date", day)["currencies"]["gbp"]

    # No status history: a subscription canceled since is not counted (documented).
    assert gbp["mrr"] == still_active.amount


def test_new_churned_and_failed_renewals_in_the_period():
    subscription(at=NOW - 3 * DAY)
    subscription(at=NOW - 2 * DAY, status="past_due")
    subscription(at=NOW - 2 * DAY, status="incomplete_expired")  # never started
    subscription(at=NOW - 50 * DAY)  # before the period
    subscription(status="canceled", ended_at=NOW - DAY)
    subscription(status="canceled", ended_at=NOW - 45 * DAY)  # churned before the period
    member = subscription()
    with time_machine.travel(NOW - DAY, tick=False):
        renewal = PaymentSessionFactory(flow=Flow.SUBSCRIPTION_INVOICE, subscription=member)
        for attempt in (1, 2):  # two failed attempts of one renewal: one failed renewal
            payment_log_create(session=renewal, event_type=LogEvent.INTENT_FAILED,
                               error_message=f"attempt {attempt}")  # fmt: skip
        one_off = PaymentSessionFactory(flow=Flow.CHECKOUT)
        payment_log_create(session=one_off, event_type=LogEvent.INTENT_FAILED)  # not a renewal
    with time_machine.travel(NOW - 40 * DAY, tick=False):
        old = PaymentSessionFactory(flow=Flow.SUBSCRIPTION_INVOICE, subscription=member)
        payment_log_create(session=old, event_type=LogEvent.INTENT_FAILED)

    gbp = _report("--days", "30")["currencies"]["gbp"]

    assert (gbp["new_subscriptions"], gbp["churned_subscriptions"]) == (2, 1)
    assert gbp["failed_renewals"] == 1
    text = run("payments_report", "--days", "30")
    assert "MRR at the end" in text and "Failed renewals" in text


def test_the_dashboard_shows_the_subscription_figures(staff_client):
    subscription(amount=12000, interval="year", at=NOW - 2 * DAY)
    subscription(amount=1500, status="canceled", ended_at=NOW - 3 * DAY)

    page = staff_client.get("/admin/payments/paymentsession/dashboard/").content.decode()

    assert "<tr><th>MRR at the end</th><td>£10.00</td><td>£10.00</td></tr>" in page
    assert "<tr><th>New subscriptions</th><td>0</td><td>1</td></tr>" in page
    assert "<tr><th>Churned subscriptions</th><td>0</td><td>1</td></tr>" in page
    assert "<tr><th>Failed renewals</th><td>0</td><td>0</td></tr>" in page
