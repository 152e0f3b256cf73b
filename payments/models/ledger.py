"""The append-only ledger: ``Transaction`` rows of money that moved, with their kinds."""

from django.db import models
from django.db.models import F, Q

from payments.models.base import AppendOnlyModel


class TransactionKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    REFUND = "refund", "Refund"
    # A refund that failed after it had succeeded: the money comes back to the platform.
    REFUND_FAILURE = "refund_failure", "Refund failure (refund reversed)"
    DISPUTE = "dispute", "Dispute (funds withdrawn)"
    DISPUTE_REVERSAL = "dispute_reversal", "Dispute reversal (funds reinstated)"
    APPLICATION_FEE = "application_fee", "Application fee"
    TRANSFER = "transfer", "Transfer to connected account"
    PAYOUT = "payout", "Payout"
    # A payout the bank refused: the amount comes back to the Stripe balance.
    PAYOUT_FAILURE = "payout_failure", "Payout failure (payout returned)"


# Rows about a payout, not a payment: they name the payout and no session.
PAYOUT_KINDS = ("payout", "payout_failure")


class TransactionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class Transaction(AppendOnlyModel):
    """An append-only ledger row: money that moved, signed from the platform's point of view.

    ``gross = fee + net`` always (a database constraint). Money in is positive, money out
    (refunds, disputes) negative. A correction is a new row, never an edit.
    """

    session = models.ForeignKey(
        "payments.PaymentSession",
        on_delete=models.PROTECT,
        related_name="transactions",
        null=True,
        blank=True,
    )
    payout = models.ForeignKey(
        "payments.Payout",
        on_delete=models.PROTECT,
        related_name="transactions",
        null=True,
        blank=True,
    )
    kind = models.CharField(max_length=20, choices=TransactionKind.choices)
    status = models.CharField(
        max_length=10,
        choices=TransactionStatus.choices,
        default=TransactionStatus.COMPLETED,
    )
    gross = models.BigIntegerField()
    fee = models.BigIntegerField(default=0)
    net = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    stripe_object_id = models.CharField(max_length=255)
    stripe_balance_transaction_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True
    )
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross=F("fee") + F("net")),
                name="payments_transaction_gross_is_fee_plus_net",
            ),
            models.CheckConstraint(
                condition=~Q(
                    kind__in=["charge", "refund_failure", "dispute_reversal", "payout_failure"]
                )
                | Q(gross__gte=0),
                name="payments_transaction_money_in_is_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["refund", "dispute", "payout"]) | Q(gross__lte=0),
                name="payments_transaction_money_out_is_negative",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=PAYOUT_KINDS, session__isnull=True, payout__isnull=False)
                    | (~Q(kind__in=PAYOUT_KINDS) & Q(session__isnull=False, payout__isnull=True))
                ),
                name="payments_transaction_session_or_payout",
            ),
            models.UniqueConstraint(
                fields=["kind", "stripe_object_id"],
                name="payments_transaction_once_per_object",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.gross} {self.currency}"
