"""Realistic demo rows (plain dicts) for ``seed_demo_payments``: sessions in every status and
several currencies, with the ledger rows, refunds and audit rows a real payment leaves.

The rows keep the invariants the database and the rest of the app rely on: ``gross = fee +
net`` on every ledger row, ``amount_refunded`` equals the succeeded refunds, a marketplace
split adds up, Stripe ids are unique (each run has its own ``tag``).
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from payments.models.ledger import TransactionKind
from payments.models.logs import LogEvent
from payments.money import exponent
from payments.states import DisputeStatus
from payments.states import PaymentStatus as S

Row = dict[str, Any]

STATUS_WEIGHTS = {
    S.SUCCEEDED: 60, S.PARTIALLY_REFUNDED: 3, S.REFUNDED: 4, S.FAILED: 6, S.EXPIRED: 14,
    S.CANCELED: 3, S.PENDING: 7, S.PROCESSING: 1, S.CREATED: 2,
}  # fmt: skip
CURRENCY_WEIGHTS = {"gbp": 50, "usd": 20, "eur": 18, "jpy": 8, "kwd": 4}
# (percentage, fixed minor units) of Stripe's processing fee, roughly as Stripe prices them.
FEES = {"gbp": ("0.015", 20), "eur": ("0.015", 25), "usd": ("0.029", 30), "jpy": ("0.036", 0)}
DEFAULT_FEE = ("0.029", 100)
CARDS = [("visa", "4242"), ("visa", "1881"), ("mastercard", "4444"), ("amex", "8431")]
DECLINES = [
    ("generic_decline", "Your card was declined."),
    ("insufficient_funds", "Your card has insufficient funds."),
    ("lost_card", "Your card was declined."),
]
PAYABLE_TYPES = ["booking", "order", "invoice", "ticket"]
DISPUTE_SHARE = 0.004
DISPUTE_FEES = {"jpy": 2000, "kwd": 5000}  # minor units; 1500 (15.00) elsewhere
MARKETPLACE_SHARE = 0.25
PAID = {S.SUCCEEDED, S.PARTIALLY_REFUNDED, S.REFUNDED}
OPEN = {S.CREATED, S.PENDING, S.PROCESSING}
OPEN_FOR = timedelta(hours=24)


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class SessionRows:
    """One session and everything it left behind."""

    session: Row
    transactions: list[Row] = field(default_factory=list)
    refunds: list[Row] = field(default_factory=list)
    logs: list[Row] = field(default_factory=list)


class DemoRows:
    """Makes session ``n`` of a run; deterministic for a given ``seed``."""

    def __init__(self, *, tag: str, now: datetime, days: int, count: int, seed: int | None = None):
        self.tag, self.now = tag, now
        # Session n is created at about start + n * step: rows are written in time order, as
        # a live system writes them (so recent rows sit together on disk, as they would).
        self.start = now - timedelta(days=days)
        self.step = timedelta(days=days) / max(count, 1)
        self.customer_id_prefix = f"cus_demo{tag}_"
        self.random = random.Random(seed)
        self.statuses, self.status_weights = zip(*STATUS_WEIGHTS.items(), strict=True)
        self.currencies, self.currency_weights = zip(*CURRENCY_WEIGHTS.items(), strict=True)

    def customer(self, n: int) -> Row:
        first = self.random.choice(["Ada", "Alan", "Grace", "Edsger", "Barbara", "Ken", "Frances"])
        last = self.random.choice(["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Allen"])
        return {
            "email": f"{first.lower()}.{last.lower()}.{n}.{self.tag}@example.com",
            "name": f"{first} {last}",
            "stripe_customer_id": f"{self.customer_id_prefix}{n}",
        }

    def session(self, n: int, *, customer_id: int, api_client_id: int) -> SessionRows:
        r = self.random
        status = r.choices(self.statuses, self.status_weights)[0]
        currency = r.choices(self.currencies, self.currency_weights)[0]
        amount = self._amount(currency)
        created = self.start + self.step * (n + r.random())
        if status in OPEN and created < self.now - OPEN_FOR:
            status = S.EXPIRED  # nobody paid within the day: Checkout expired it
        key = f"demo{self.tag}{n:08d}"
        row: Row = {
            "id": uuid.UUID(int=r.getrandbits(128), version=4),
            "api_client_id": api_client_id,
            "customer_id": customer_id,
            "payable_type": (payable_type := r.choice(PAYABLE_TYPES)),
            "payable_id": f"{payable_type[:2]}_{self.tag}_{n}",
            "amount": amount,
            "currency": currency,
            "description": f"Demo {payable_type}",
            "status": status,
            "stripe_checkout_session_id": f"cs_{key}",
            "checkout_url": f"https://checkout.stripe.com/c/pay/cs_{key}",
            "expires_at": created + timedelta(hours=24),
            "created_at": created,
            "updated_at": created,
        }
        rows = SessionRows(session=row)
        if status not in {S.CREATED, S.PENDING, S.EXPIRED, S.CANCELED}:
            self._attempted(rows, key)
        if status == S.CANCELED:
            row["canceled_at"] = row["updated_at"] = created + timedelta(minutes=r.randint(1, 60))
        if r.random() < MARKETPLACE_SHARE:
            fee = _half_up(Decimal(amount) / 10)
            row.update(platform_fee=fee, payee_amount=amount - fee)
            row["payee_reference"] = f"teacher:{r.randint(1, 500)}"
        if status in PAID:
            self._paid(rows, key)
        rows.logs.append(self._log(row, row["updated_at"]))
        return rows

    def _amount(self, currency: str) -> int:
        places = exponent(currency)
        if places == 0:
            return self.random.randint(5, 400) * 100
        major = self.random.randint(5, 400)
        cents = self.random.choice([0, 0, 50, 99])
        return major * 10**places + cents * 10 ** (places - 2)

    def _attempted(self, rows: SessionRows, key: str) -> None:
        """A card was tried: the payment intent and card details (and why it failed)."""
        row, r = rows.session, self.random
        brand, last4 = r.choice(CARDS)
        row.update(
            stripe_payment_intent_id=f"pi_{key}",
            card_brand=brand,
            card_last4=last4,
            card_exp_month=r.randint(1, 12),
            card_exp_year=self.now.year + r.randint(1, 5),
        )
        if row["status"] == S.FAILED:
            code, message = r.choice(DECLINES)
            row.update(failure_code="card_declined", failure_decline_code=code)
            row.update(failure_message=message)
            row["updated_at"] = row["created_at"] + timedelta(minutes=r.randint(1, 30))

    def _paid(self, rows: SessionRows, key: str) -> None:
        row, r = rows.session, self.random
        paid_at = min(row["created_at"] + timedelta(seconds=r.randint(30, 900)), self.now)
        charge = f"ch_{key}"
        row.update(paid_at=paid_at, updated_at=paid_at, stripe_charge_id=charge)
        row["receipt_url"] = f"https://pay.stripe.com/receipts/{charge}"
        amount, currency = row["amount"], row["currency"]
        rate, fixed = FEES.get(currency, DEFAULT_FEE)
        fee = min(_half_up(Decimal(amount) * Decimal(rate)) + fixed, amount)
        rows.transactions.append(
            self._ledger(row, TransactionKind.CHARGE, amount, fee, charge, f"txn_{key}", paid_at)
        )
        if row["status"] != S.SUCCEEDED:
            self._refund(rows, key)
        elif r.random() < DISPUTE_SHARE:
            self._dispute(rows, key)

    def _refund(self, rows: SessionRows, key: str) -> None:
        row, r = rows.session, self.random
        amount = row["amount"]
        if row["status"] == S.PARTIALLY_REFUNDED:
            amount = max(1, _half_up(Decimal(amount) * Decimal(r.randint(10, 90)) / 100))
        at = min(row["paid_at"] + timedelta(hours=r.randint(1, 24 * 20)), self.now)
        refund_id = f"re_{key}"
        rows.refunds.append(
            {
                "id": uuid.UUID(int=r.getrandbits(128), version=4),
                "session_id": row["id"],
                "amount": amount,
                "currency": row["currency"],
                "reason": "requested_by_customer",
                "status": "succeeded",
                "stripe_refund_id": refund_id,
                "requested_by": "demo",
                "created_at": at,
                "updated_at": at,
            }
        )
        rows.transactions.append(
            self._ledger(row, TransactionKind.REFUND, -amount, 0, refund_id, f"txn_r{key}", at)
        )
        row.update(amount_refunded=amount, updated_at=at)

    def _dispute(self, rows: SessionRows, key: str) -> None:
        row, r = rows.session, self.random
        outcome = r.choice([DisputeStatus.OPEN, DisputeStatus.WON, DisputeStatus.LOST])
        at = min(row["paid_at"] + timedelta(days=r.randint(2, 30)), self.now)
        amount, dispute = row["amount"], f"dp_{key}"
        fee = DISPUTE_FEES.get(row["currency"], 1500)
        rows.transactions.append(
            self._ledger(row, TransactionKind.DISPUTE, -amount, fee, dispute, f"txn_d{key}", at)
        )
        if outcome == DisputeStatus.WON:
            back = min(at + timedelta(days=r.randint(7, 60)), self.now)
            kind = TransactionKind.DISPUTE_REVERSAL
            rows.transactions.append(
                self._ledger(row, kind, amount, -fee, dispute, f"txn_w{key}", back)
            )
        row["dispute_status"] = outcome

    @staticmethod
    def _ledger(
        row: Row, kind: str, gross: int, fee: int, object_id: str, txn_id: str, at: datetime
    ) -> Row:
        return {
            "session_id": row["id"],
            "kind": kind,
            "status": "completed",
            "gross": gross,
            "fee": fee,
            "net": gross - fee,
            "currency": row["currency"],
            "stripe_object_id": object_id,
            "stripe_balance_transaction_id": txn_id,
            "created_at": at,
        }

    @staticmethod
    def _log(row: Row, at: datetime) -> Row:
        """The session's last audit row: how it reached its status."""
        new = row["status"]
        old = {S.CREATED: "", S.PENDING: S.CREATED}.get(new, S.PENDING)
        if new in {S.PARTIALLY_REFUNDED, S.REFUNDED}:
            old = S.SUCCEEDED
        return {
            "session_id": row["id"],
            "event_type": LogEvent.STATUS_CHANGED if old else LogEvent.SESSION_CREATED,
            "old_status": old,
            "new_status": new,
            "actor": "seed_demo_payments",
            "created_at": at,
        }
