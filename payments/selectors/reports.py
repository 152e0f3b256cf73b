"""Revenue reports and daily series, per currency, as SQL aggregates (never summed across
currencies).

What each figure means, for a period ``[start, end)``:

- ``count_by_status``, ``success_rate``, ``failure_rate``: sessions *created* in the period.
  The rates are over sessions that reached an outcome (paid, failed, canceled or expired);
  open ones are left out. Failure means ``failed`` (abandoned checkouts expire instead).
- ``gross``, ``average``, ``platform_fees``, ``payee_amounts``, ``top_customers``: sessions
  *paid* in the period (``paid_at`` in it), at their full amount whatever refunds came later.
- ``fees``, ``net``, ``refunded``: the ledger rows booked in the period (Stripe's fee on
  charges and disputes; net of every movement; refunds less refunds that failed later), by the
  currency Stripe booked them in.
- ``mrr``, ``new_subscriptions``, ``churned_subscriptions``, ``failed_renewals``: see
  ``payments.selectors.subscription_reports``.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from payments.models import Customer, PaymentSession, Transaction
from payments.models.ledger import TransactionKind
from payments.selectors.subscription_reports import (
    empty_subscription_figures,
    subscription_figures,
)
from payments.states import PAID_STATUSES, PaymentStatus

PAID = sorted(PAID_STATUSES)
FINISHED = [*PAID, PaymentStatus.FAILED, PaymentStatus.CANCELED, PaymentStatus.EXPIRED]
REFUND_KINDS = [TransactionKind.REFUND, TransactionKind.REFUND_FAILURE]
TOP_CUSTOMERS = 5


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def as_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def days(self) -> list[date]:
        first = timezone.localtime(self.start).date()
        last = timezone.localtime(self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def period_for(
    *, day: date | None = None, days: int | None = None, now: datetime | None = None
) -> Period:
    """One calendar ``day``, or the last ``days`` calendar days up to now (``days=1`` is
    today so far). Days are in the current time zone."""
    now = now or timezone.now()
    if day is not None:
        start = timezone.make_aware(datetime.combine(day, time.min))
        return Period(start=start, end=start + timedelta(days=1))
    if days is None or days < 1:
        raise ValueError("days must be a positive number of days.")
    today = timezone.localtime(now).date()
    start = timezone.make_aware(datetime.combine(today - timedelta(days=days - 1), time.min))
    return Period(start=start, end=now)


def _between(queryset: QuerySet, field: str, period: Period, currency: str | None) -> QuerySet:
    queryset = queryset.filter(**{f"{field}__gte": period.start, f"{field}__lt": period.end})
    return queryset.filter(currency=currency.lower()) if currency else queryset


def payments_report(*, period: Period, currency: str | None = None) -> dict[str, Any]:
    """The report of ``payments_report --json``: ``{"period": ..., "currencies": {...}}``,
    amounts in minor units. SQL aggregates: seven queries (four for subscriptions), one
    more per currency for its top customers and one for their names, whatever the number
    of sessions."""
    created = _between(PaymentSession.objects.all(), "created_at", period, currency)
    paid = _between(PaymentSession.objects.all(), "paid_at", period, currency)
    # Payments only: payout rows move money to the bank, they are not revenue.
    ledger = _between(
        Transaction.objects.filter(session__isnull=False), "created_at", period, currency
    )

    currencies: dict[str, dict[str, Any]] = {}

    def bucket(code: str) -> dict[str, Any]:
        return currencies.setdefault(code, _empty_currency())

    for row in created.values("currency", "status").annotate(n=Count("*")).order_by():
        bucket(row["currency"])["count_by_status"][row["status"]] = row["n"]
    for row in (
        paid.values("currency")
        .annotate(
            paid_count=Count("*"),
            gross=Sum("amount"),
            average=Avg("amount"),
            platform_fees=Sum("platform_fee"),
            payee_amounts=Coalesce(Sum("payee_amount"), 0),
        )
        .order_by()
    ):
        target = bucket(row.pop("currency"))
        row["average"] = _round(row["average"])
        target.update(row)
    for row in (
        ledger.values("currency")
        .annotate(
            fees=Sum("fee"), net=Sum("net"), refunds=Sum("gross", filter=Q(kind__in=REFUND_KINDS))
        )
        .order_by()
    ):
        target = bucket(row["currency"])
        target.update(fees=row["fees"], net=row["net"], refunded=-(row["refunds"] or 0))
    paying = [code for code, figures in currencies.items() if figures["paid_count"]]
    for code, top in _top_customers(paid, paying).items():
        currencies[code]["top_customers"] = top
    for code, figures in subscription_figures(
        start=period.start, end=period.end, currency=currency
    ).items():
        bucket(code).update(figures)
    for figures in currencies.values():
        _add_rates(figures)
    return {"period": period.as_json(), "currencies": dict(sorted(currencies.items()))}


def _empty_currency() -> dict[str, Any]:
    return {
        "count_by_status": dict.fromkeys(PaymentStatus.values, 0),
        "paid_count": 0,
        "gross": 0,
        "refunded": 0,
        "fees": 0,
        "net": 0,
        "platform_fees": 0,
        "payee_amounts": 0,
        "success_rate": None,
        "failure_rate": None,
        "average": None,
        "top_customers": [],
        **empty_subscription_figures(),
    }


def _top_customers(paid: QuerySet, currencies: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The biggest payers of each currency: one grouped query per currency, each a top-N
    sort of its own groups (ranking every currency's groups with one window function sorts
    them all, which is slower), then every name in one query by primary key."""
    ranked = {
        code: list(
            paid.filter(currency=code, customer__isnull=False)
            .values("customer_id")
            .annotate(count=Count("*"), amount=Sum("amount"))
            .order_by("-amount", "customer_id")[:TOP_CUSTOMERS]
        )
        for code in currencies
    }
    people = Customer.objects.in_bulk(
        [row["customer_id"] for rows in ranked.values() for row in rows]
    )
    return {
        code: [
            {
                "email": people[row["customer_id"]].email,
                "name": people[row["customer_id"]].name,
                "count": row["count"],
                "amount": row["amount"],
            }
            for row in rows
        ]
        for code, rows in ranked.items()
    }


def _add_rates(figures: dict[str, Any]) -> None:
    counts = figures["count_by_status"]
    finished = sum(counts[status] for status in FINISHED)
    if finished:
        paid = sum(counts[status] for status in PAID)
        figures["success_rate"] = round(paid / finished, 4)
        figures["failure_rate"] = round(counts[PaymentStatus.FAILED] / finished, 4)


def _round(value: Any) -> int | None:
    if value is None:
        return None
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class DayPoint:
    day: date
    revenue: int
    paid: int
    failed: int
    finished: int

    @property
    def failure_rate(self) -> float | None:
        return self.failed / self.finished if self.finished else None


def daily_series(*, period: Period, currency: str | None = None) -> dict[str, list[DayPoint]]:
    """Per currency, one point per day of ``period``: revenue (``gross`` of that day) and the
    failure rate of sessions created that day. Days without sessions are zeros."""
    revenue = (
        _between(PaymentSession.objects.all(), "paid_at", period, currency)
        .annotate(day=TruncDate("paid_at"))
        .values("currency", "day")
        .annotate(revenue=Sum("amount"), paid=Count("*"))
        .order_by()
    )
    outcomes = (
        _between(PaymentSession.objects.all(), "created_at", period, currency)
        .annotate(day=TruncDate("created_at"))
        .values("currency", "day")
        .annotate(
            finished=Count("status", filter=Q(status__in=FINISHED)),
            failed=Count("status", filter=Q(status=PaymentStatus.FAILED)),
        )
        .order_by()
    )
    cells: dict[str, dict[date, dict[str, int]]] = {}
    for row in [*revenue, *outcomes]:
        cell = cells.setdefault(row.pop("currency"), {}).setdefault(row.pop("day"), {})
        cell.update(row)
    return {
        code: [
            DayPoint(
                day=day,
                revenue=by_day.get(day, {}).get("revenue", 0),
                paid=by_day.get(day, {}).get("paid", 0),
                failed=by_day.get(day, {}).get("failed", 0),
                finished=by_day.get(day, {}).get("finished", 0),
            )
            for day in period.days()
        ]
        for code, by_day in sorted(cells.items())
    }
