"""Subscription figures of the revenue report, per currency, for a period ``[start, end)``.

- ``mrr``: the monthly recurring revenue at the period's end, in minor units: the sum over
  the subscriptions *active at the end of the period* of their amount normalised to a month
  (``month``: amount / interval_count; ``year``: amount / 12 / interval_count; ``week``:
  amount * 52 / 12 / interval_count; ``day``: amount * 365 / 12 / interval_count). The sum is
  exact (fractions) and rounded half up once per currency, so many small subscriptions do
  not each lose a fraction of a penny.
- "Active at the end of the period": there is no status history, so a subscription counts
  when its status is ``active`` now, it was created before the period's end and it had not
  ended before it. For a period ending now that is exact; for a period in the past it counts
  today's active subscriptions that existed then (one canceled since is not counted).
  ``trialing`` and ``past_due`` subscriptions are not in the MRR.
- ``new_subscriptions``: created in the period and started (not ``incomplete`` nor
  ``incomplete_expired``: a checkout never paid is not a subscriber).
- ``churned_subscriptions``: ``canceled`` subscriptions that ended in the period.
- ``failed_renewals``: invoices of subscriptions (sessions of flow ``subscription_invoice``)
  with a failed payment attempt in the period, whether Stripe's retry paid them later or not.
"""

import math
from datetime import datetime
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q, Sum

from payments.models import PaymentLog, Subscription
from payments.models.logs import LogEvent
from payments.models.sessions import Flow
from payments.models.subscriptions import SubscriptionStatus
from payments.states import PaymentStatus

MONTHS_PER_INTERVAL = {
    "month": Fraction(1),
    "year": Fraction(1, 12),
    "week": Fraction(52, 12),
    "day": Fraction(365, 12),
}
NOT_STARTED = [SubscriptionStatus.INCOMPLETE, SubscriptionStatus.INCOMPLETE_EXPIRED]


def monthly_amount(*, amount: int, interval: str, interval_count: int) -> Fraction:
    """``amount`` charged every ``interval_count`` ``interval``s, per month (exact)."""
    return Fraction(amount) * MONTHS_PER_INTERVAL[interval] / interval_count


def round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def subscription_figures(
    *, start: datetime, end: datetime, currency: str | None = None
) -> dict[str, dict]:
    """``{currency: {"mrr", "new_subscriptions", "churned_subscriptions",
    "failed_renewals"}}``: four grouped queries, whatever the number of subscriptions."""
    subscriptions = Subscription.objects.all()
    logs = PaymentLog.objects.filter(session__flow=Flow.SUBSCRIPTION_INVOICE)
    if currency:
        subscriptions = subscriptions.filter(currency=currency.lower())
        logs = logs.filter(session__currency=currency.lower())
    figures: dict[str, dict[str, Any]] = {}

    def bucket(code: str) -> dict[str, Any]:
        return figures.setdefault(code, empty_subscription_figures())

    mrr: dict[str, Fraction] = {}
    for row in (
        _active_at(subscriptions, end)
        .values("currency", "interval", "interval_count")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        share = monthly_amount(
            amount=row["total"], interval=row["interval"], interval_count=row["interval_count"]
        )
        mrr[row["currency"]] = mrr.get(row["currency"], Fraction(0)) + share
    for code, total in mrr.items():
        bucket(code)["mrr"] = round_half_up(total)
    started = subscriptions.exclude(status__in=NOT_STARTED).filter(
        created_at__gte=start, created_at__lt=end
    )
    for row in started.values("currency").annotate(n=Count("*")).order_by():
        bucket(row["currency"])["new_subscriptions"] = row["n"]
    churned = subscriptions.filter(
        status=SubscriptionStatus.CANCELED, ended_at__gte=start, ended_at__lt=end
    )
    for row in churned.values("currency").annotate(n=Count("*")).order_by():
        bucket(row["currency"])["churned_subscriptions"] = row["n"]
    failures = logs.filter(
        Q(event_type=LogEvent.INTENT_FAILED) | Q(new_status=PaymentStatus.FAILED),
        created_at__gte=start,
        created_at__lt=end,
    )
    for row in (
        failures.values("session__currency").annotate(n=Count("session", distinct=True)).order_by()
    ):
        bucket(row["session__currency"])["failed_renewals"] = row["n"]
    return figures


def empty_subscription_figures() -> dict[str, int]:
    return {"mrr": 0, "new_subscriptions": 0, "churned_subscriptions": 0, "failed_renewals": 0}


def _active_at(subscriptions, end):
    return subscriptions.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=end),
        status=SubscriptionStatus.ACTIVE,
        created_at__lt=end,
    )
