"""Payouts: money Stripe sent from the balance to a bank account, and what each one contains.

A ``Payout`` mirrors Stripe's payout (its status moves forward only, like Stripe's). A
``PayoutItem`` is one balance transaction that an automatic payout paid out (a charge, a
refund, a dispute, a transfer, ...), read from Stripe's ``GET /v1/balance_transactions?payout=``
and kept, so that "what is in payout po_...?" is answered from our own database. A manual
payout is tied to no transaction at Stripe, so it has no items.
"""

from django.db import models
from django.db.models import F, Q


class PayoutStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_TRANSIT = "in_transit", "In transit"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


# Stripe's order: a paid payout may still fail later; failed and canceled are final.
PAYOUT_STATUS_RANK = {"pending": 0, "in_transit": 1, "paid": 2, "failed": 3, "canceled": 3}


class Payout(models.Model):
    """One Stripe payout of the platform (``stripe_account`` empty) or of a connected account."""

    stripe_payout_id = models.CharField(max_length=255, unique=True)
    stripe_account = models.CharField(max_length=255, blank=True, default="")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    arrival_date = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=PayoutStatus.choices, db_index=True)
    failure_code = models.CharField(max_length=100, blank=True, default="")
    failure_message = models.TextField(blank=True, default="")
    automatic = models.BooleanField(default=True)
    stripe_balance_transaction_id = models.CharField(max_length=255, blank=True, default="")
    stripe_created = models.DateTimeField()
    contents_fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-stripe_created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payments_payout_amount_gte_0")
        ]

    def __str__(self) -> str:
        return self.stripe_payout_id


class PayoutItem(models.Model):
    """One balance transaction paid out in a payout (Stripe's amount, fee and net)."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="items")
    stripe_balance_transaction_id = models.CharField(max_length=255)
    type = models.CharField(max_length=50)
    reporting_category = models.CharField(max_length=50, blank=True, default="")
    amount = models.BigIntegerField()
    fee = models.BigIntegerField(default=0)
    net = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    source_id = models.CharField(max_length=255, blank=True, default="")
    session = models.ForeignKey(
        "payments.PaymentSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payout_items",
    )
    stripe_created = models.DateTimeField()

    class Meta:
        ordering = ["stripe_created", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payout", "stripe_balance_transaction_id"],
                name="payments_payoutitem_once_per_payout",
            ),
            models.CheckConstraint(
                condition=Q(amount=F("fee") + F("net")),
                name="payments_payoutitem_amount_is_fee_plus_net",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.amount} {self.currency}"
