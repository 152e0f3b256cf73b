"""``Subscription``: a payable paid every interval through Stripe Billing.

Stripe does the scheduling; this row mirrors what Stripe's events say (status, current period,
scheduled cancellation) and ties every invoice's ``PaymentSession`` to the payable.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class SubscriptionStatus(models.TextChoices):
    """Stripe's eight subscription statuses, mirrored as Stripe's events report them."""

    INCOMPLETE = "incomplete", "Incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired", "Incomplete (expired)"
    TRIALING = "trialing", "Trialing"
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    UNPAID = "unpaid", "Unpaid"
    CANCELED = "canceled", "Canceled"
    PAUSED = "paused", "Paused"


# Stripe never moves a subscription out of these.
FINAL_SUBSCRIPTION_STATUSES = frozenset(
    {SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED}
)


class Interval(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class Subscription(models.Model):
    """A recurring payment of one payable, owned by an API client or an end user."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    api_client = models.ForeignKey(
        "payments.APIClient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments_subscriptions",
    )
    payable_type = models.CharField(max_length=50)
    payable_id = models.CharField(max_length=255)
    customer = models.ForeignKey(
        "payments.Customer", on_delete=models.PROTECT, related_name="subscriptions"
    )
    stripe_subscription_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    stripe_price_id = models.CharField(max_length=255, blank=True)
    amount = models.BigIntegerField(help_text="Minor units per interval.")
    currency = models.CharField(max_length=3)
    interval = models.CharField(max_length=5, choices=Interval.choices)
    interval_count = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=20, choices=SubscriptionStatus.choices, default=SubscriptionStatus.INCOMPLETE
    )
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    canceled_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    trial_end = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # The ``created`` of the newest Stripe event applied: an older one changes nothing.
    stripe_event_created = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_subscription_id"],
                name="payments_subscription_stripe_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_subscription_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(interval_count__gte=1), name="payments_subscription_count_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SubscriptionStatus.values),
                name="payments_subscription_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(interval__in=Interval.values),
                name="payments_subscription_interval_valid",
            ),
            models.CheckConstraint(
                condition=Q(api_client__isnull=True) | Q(user__isnull=True),
                name="payments_subscription_one_owner",
            ),
        ]
        indexes = [
            models.Index(fields=["payable_type", "payable_id"], name="payments_subscr_payable_idx"),
            models.Index(fields=["status", "-created_at"], name="payments_subscr_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.payable_type}:{self.payable_id} every {self.interval} ({self.status})"
