"""``PaymentSession``: one payment of one payable, from start to paid, refunded or failed."""

import uuid

from django.db import models
from django.db.models import F, Q

from payments.states import (
    PAID_STATUSES,
    REFUNDABLE_STATUSES,
    DisputeStatus,
    PaymentStatus,
)

STRIPE_ID_FIELDS = (
    "stripe_checkout_session_id",
    "stripe_payment_intent_id",
    "stripe_charge_id",
    "stripe_transfer_id",
    "stripe_application_fee_id",
    "stripe_invoice_id",
)


class Flow(models.TextChoices):
    CHECKOUT = "checkout", "Stripe Checkout"
    PAYMENT_INTENT = "payment_intent", "PaymentIntent (Elements)"
    BACKEND = "backend", "Backend charge"
    # One invoice of a subscription (the first or a renewal), charged by Stripe Billing.
    SUBSCRIPTION_INVOICE = "subscription_invoice", "Subscription invoice"


class PaymentSession(models.Model):
    """One attempt to take money for one payable object of another service.

    The payable is referenced by plain strings (``payable_type`` + ``payable_id``): payments
    knows nothing about bookings, orders or invoices.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    api_client = models.ForeignKey(
        "payments.APIClient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    flow = models.CharField(max_length=20, choices=Flow.choices, default=Flow.CHECKOUT)
    payable_type = models.CharField(max_length=50)
    payable_id = models.CharField(max_length=255)
    amount = models.BigIntegerField(help_text="Minor units (pence, cents, yen).")
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.CREATED
    )
    dispute_status = models.CharField(
        max_length=10,
        choices=DisputeStatus.choices,
        default=DisputeStatus.NONE,
        blank=True,
    )
    customer = models.ForeignKey(
        "payments.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    metadata = models.JSONField(default=dict, blank=True)

    # Stripe ids are NULL until known: unique among the sessions that have one.
    stripe_checkout_session_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    stripe_payment_intent_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    stripe_charge_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    # Invoices of a subscription: each is one session of the subscription's payable.
    subscription = models.ForeignKey(
        "payments.Subscription",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    stripe_invoice_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    checkout_url = models.URLField(max_length=2000, blank=True)
    client_secret = models.CharField(max_length=255, blank=True)
    success_url = models.URLField(max_length=2000, blank=True)
    cancel_url = models.URLField(max_length=2000, blank=True)

    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    card_exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    receipt_url = models.URLField(max_length=2000, blank=True)

    amount_refunded = models.BigIntegerField(default=0)
    platform_fee = models.BigIntegerField(default=0)
    payee_amount = models.BigIntegerField(null=True, blank=True)
    # Marketplace payments (Stripe Connect destination charges): who gets payee_amount.
    connected_account = models.ForeignKey(
        "payments.ConnectedAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    payee_reference = models.CharField(max_length=255, blank=True)
    stripe_transfer_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    stripe_application_fee_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001

    failure_code = models.CharField(max_length=100, blank=True)
    failure_decline_code = models.CharField(max_length=100, blank=True)
    failure_message = models.TextField(blank=True)

    # Set in the transaction that queues the e-mail, by a conditional UPDATE: at most one
    # failure alert and one receipt per session, whatever duplicates or races happen.
    failure_alert_queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    receipt_queued_at = models.DateTimeField(null=True, blank=True, editable=False)

    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # Stripe ids are unique through constraints, not ``unique=True``: on PostgreSQL that
        # would add a second, LIKE-pattern index per id that no query uses and every write pays.
        constraints = [
            *(
                models.UniqueConstraint(fields=[name], name=f"payments_session_{name}_unique")
                for name in STRIPE_ID_FIELDS
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_session_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount")),
                name="payments_session_refunded_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(platform_fee__gte=0),
                name="payments_session_platform_fee_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(payee_amount__isnull=True)
                | Q(payee_amount__gte=0, amount=F("platform_fee") + F("payee_amount")),
                name="payments_session_split_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PaymentStatus.values),
                name="payments_session_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="payments_session_status_idx"),
            models.Index(
                fields=["payable_type", "payable_id"],
                name="payments_session_payable_idx",
            ),
            models.Index(fields=["api_client", "-created_at"], name="payments_session_client_idx"),
            # Reports and the dashboard read only these columns of a paid_at range: PostgreSQL
            # answers from the index alone (an index-only scan), without visiting the table.
            models.Index(
                fields=[
                    "paid_at",
                    "currency",
                    "customer",
                    "amount",
                    "platform_fee",
                    "payee_amount",
                ],
                name="payments_session_paid_idx",
            ),
            # The admin's and list_payments' order (newest first, id as tie-breaker), and any
            # created_at range; reports count by currency and status from the index alone.
            models.Index(
                fields=["-created_at", "-id", "currency", "status"],
                name="payments_session_newest_idx",
            ),
            # Search by payable id alone (the payable index leads with the type).
            models.Index(fields=["payable_id"], name="payments_session_payid_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.payable_type}:{self.payable_id} {self.amount} {self.currency} ({self.status})"
        )

    def is_paid(self) -> bool:
        return self.status in PAID_STATUSES

    def can_refund(self) -> bool:
        return self.status in REFUNDABLE_STATUSES and self.refundable_amount > 0

    @property
    def refundable_amount(self) -> int:
        return self.amount - self.amount_refunded

    @property
    def amount_display(self) -> str:
        from payments.money import format_money

        return format_money(self.amount, self.currency)
