"""What a payout contains and whether it adds up, read from our own database.

``payout_summary`` answers "what is in payout po_...?" from the stored ``PayoutItem`` rows:
totals (gross, fees, refunds, net) and a check that the net equals the payout amount. A
manual payout is reported as not tied to transactions (Stripe does not tie it), never guessed.
"""

from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import QuerySet

from payments.models import Payout, PayoutItem

REFUND_TYPES = ("refund", "payment_refund")
PAYOUT_TYPES = ("payout", "payout_cancel", "payout_failure")

ADDS_UP = "adds_up"
DIFFERS = "differs"
NOT_FETCHED = "not_fetched"
MANUAL = "manual"
CHECK_TEXT = {
    ADDS_UP: "Contents add up to the payout amount.",
    DIFFERS: "Contents do NOT add up to the payout amount.",
    NOT_FETCHED: "Contents not fetched yet (fetched once the payout is paid).",
    MANUAL: "Manual payout: Stripe ties it to no transactions, so it has no contents.",
}


@dataclass
class PayoutSummary:
    payout_id: str
    account: str
    status: str
    currency: str
    amount: int
    automatic: bool
    items: int = 0
    gross: int = 0
    fees: int = 0
    refunds: int = 0
    net: int = 0
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)
    check: str = NOT_FETCHED

    @property
    def check_text(self) -> str:
        return CHECK_TEXT[self.check]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "check_text": self.check_text}


def payout_get(*, stripe_payout_id: str) -> Payout | None:
    return Payout.objects.filter(stripe_payout_id=stripe_payout_id).first()


def payout_contents(*, payout: Payout) -> QuerySet[PayoutItem]:
    """The balance transactions the payout paid out (its own ``payout`` row excluded)."""
    return payout.items.exclude(type__in=PAYOUT_TYPES).select_related("session")


def payout_summary(*, payout: Payout) -> PayoutSummary:
    """Totals of the payout's contents: gross - fees - refunds = net, checked against the
    payout amount. Refunds count as a positive amount taken out."""
    summary = PayoutSummary(
        payout_id=payout.stripe_payout_id, account=payout.stripe_account or "platform",
        status=payout.status, currency=payout.currency, amount=payout.amount,
        automatic=payout.automatic,
    )  # fmt: skip
    if not payout.automatic:
        summary.check = MANUAL
        return summary
    if payout.contents_fetched_at is None:
        return summary
    for item in payout_contents(payout=payout):
        summary.items += 1
        figures = summary.by_type.setdefault(item.type, {"count": 0, "amount": 0, "fee": 0})
        figures["count"] += 1
        figures["amount"] += item.amount
        figures["fee"] += item.fee
        if item.type in REFUND_TYPES:
            summary.refunds -= item.amount
        else:
            summary.gross += item.amount
        summary.fees += item.fee
        summary.net += item.net
    adds_up = summary.gross - summary.fees - summary.refunds == summary.net == payout.amount
    summary.check = ADDS_UP if adds_up else DIFFERS
    return summary
