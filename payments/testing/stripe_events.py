"""Stripe-shaped objects and events for tests and benchmarks, and Stripe's webhook signature.

Integrators can use these to post signed events to their own webhook endpoint without the
emulator::

    payment = StripePayment.for_session(session)
    body, header = signed(payment.event("payment_intent.succeeded"), secret="whsec_...")
    client.post(url, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
"""

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

API_VERSION = "2026-10-28.endive"


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def stripe_fee(amount: int) -> int:
    """A UK card fee (1.5% + 20 minor units), in integer arithmetic."""
    return (amount * 15 + 500) // 1000 + 20


def signature_header(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """``Stripe-Signature`` for ``payload``: ``t=<unix time>,v1=<HMAC-SHA256 of "t.body">``."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256)
    return f"t={stamp},v1={digest.hexdigest()}"


def signed(event: dict[str, Any], *, secret: str, timestamp: int | None = None) -> tuple:
    """``(body, Stripe-Signature header)`` for posting ``event``."""
    body = json.dumps(event, separators=(",", ":")).encode()
    return body, signature_header(body, secret, timestamp=timestamp)


def event(
    type: str,
    obj: dict[str, Any],
    *,
    event_id: str | None = None,
    created: int | None = None,
    previous_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"object": obj}
    if previous_attributes:
        data["previous_attributes"] = previous_attributes
    return {
        "id": event_id or new_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()) if created is None else created,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type,
    }


def balance_transaction(
    *, amount: int, fee: int, currency: str, source: str, type: str = "charge"
) -> dict[str, Any]:
    return {
        "id": new_id("txn"),
        "object": "balance_transaction",
        "amount": amount,
        "currency": currency,
        "fee": fee,
        "fee_details": [
            {"amount": fee, "currency": currency, "description": "Stripe fee", "type": "stripe_fee"}
        ]
        if fee
        else [],
        "net": amount - fee,
        "reporting_category": type,
        "source": source,
        "status": "available",
        "type": type,
        "created": int(time.time()),
    }


@dataclass
class StripePayment:
    """The Stripe objects behind one of our payment sessions, and events about them.

    ``tagged=False`` leaves out our ``metadata.payments_session_id`` / ``client_reference_id``
    (as on objects made in the Dashboard), so only stored Stripe ids can match the session.
    """

    session_id: str
    amount: int
    currency: str = "gbp"
    tagged: bool = True
    checkout_session_id: str = field(default_factory=lambda: new_id("cs_test"))
    payment_intent_id: str = field(default_factory=lambda: new_id("pi"))
    charge_id: str = field(default_factory=lambda: new_id("ch"))
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fee = stripe_fee(self.amount)
        self.charge_balance_transaction = balance_transaction(
            amount=self.amount, fee=self.fee, currency=self.currency, source=self.charge_id
        )

    @classmethod
    def for_session(cls, session: Any, **kwargs: Any) -> "StripePayment":
        ids = {}
        if session.stripe_checkout_session_id:
            ids["checkout_session_id"] = session.stripe_checkout_session_id
        if session.stripe_payment_intent_id:
            ids["payment_intent_id"] = session.stripe_payment_intent_id
        return cls(
            session_id=str(session.pk),
            amount=session.amount,
            currency=session.currency,
            **ids,
            **kwargs,
        )

    @property
    def metadata(self) -> dict[str, str]:
        return {"payments_session_id": self.session_id} if self.tagged else {}

    def checkout_session(self, *, payment_status: str = "paid", status: str = "complete") -> dict:
        return {
            "id": self.checkout_session_id,
            "object": "checkout.session",
            "amount_total": self.amount,
            "currency": self.currency,
            "client_reference_id": self.session_id if self.tagged else None,
            "metadata": self.metadata,
            "mode": "payment",
            "payment_intent": self.payment_intent_id,
            "payment_status": payment_status,
            "status": status,
        }

    def payment_intent(
        self, *, status: str = "succeeded", last_payment_error: dict | None = None
    ) -> dict:
        return {
            "id": self.payment_intent_id,
            "object": "payment_intent",
            "amount": self.amount,
            "amount_received": self.amount if status == "succeeded" else 0,
            "currency": self.currency,
            "latest_charge": self.charge_id if status == "succeeded" else None,
            "last_payment_error": last_payment_error,
            "metadata": self.metadata,
            "status": status,
        }

    def charge(self, *, expand_balance_transaction: bool = False, refunds: bool = False) -> dict:
        listed = list(self.refunds.values())[::-1]
        counted = [r for r in listed if r["status"] in ("succeeded", "pending")]
        txn = self.charge_balance_transaction
        return {
            "id": self.charge_id,
            "object": "charge",
            "amount": self.amount,
            "amount_captured": self.amount,
            "amount_refunded": sum(r["amount"] for r in counted),
            "balance_transaction": txn if expand_balance_transaction else txn["id"],
            "captured": True,
            "currency": self.currency,
            "metadata": self.metadata,
            "paid": True,
            "payment_intent": self.payment_intent_id,
            "payment_method_details": {
                "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2034},
                "type": "card",
            },
            "receipt_url": f"https://pay.stripe.com/receipts/payment/{self.charge_id}",
            "refunded": sum(r["amount"] for r in counted) >= self.amount,
            "refunds": {"object": "list", "data": listed, "has_more": False} if refunds else None,
            "status": "succeeded",
        }

    def refund(
        self,
        amount: int,
        *,
        status: str = "succeeded",
        ours: Any = None,
        refund_id: str | None = None,
    ) -> dict:
        """A refund of this charge (remembered, so ``charge(refunds=True)`` lists it).
        ``ours`` is our Refund id, as ``stripe_api.refund_create`` puts it in metadata."""
        refund_id = refund_id or new_id("re")
        metadata = {}
        if ours is not None:
            metadata = {"payments_session_id": self.session_id, "payments_refund_id": str(ours)}
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "balance_transaction": new_id("txn"),
            "charge": self.charge_id,
            "currency": self.currency,
            "failure_reason": "expired_or_canceled_card" if status == "failed" else None,
            "metadata": metadata,
            "payment_intent": self.payment_intent_id,
            "reason": "requested_by_customer",
            "status": status,
        }
        self.refunds[refund_id] = refund
        return dict(refund)

    def dispute(self, *, status: str = "needs_response", dispute_fee: int = 1500) -> dict:
        """A chargeback of the whole charge; funds withdrawn, and reinstated if ``won``."""
        withdrawn = balance_transaction(
            amount=-self.amount,
            fee=dispute_fee,
            currency=self.currency,
            source=f"dp_{self.charge_id}",
            type="adjustment",
        )
        transactions = [withdrawn]
        if status == "won":
            transactions.append(
                balance_transaction(
                    amount=self.amount,
                    fee=-dispute_fee,
                    currency=self.currency,
                    source=f"dp_{self.charge_id}",
                    type="adjustment",
                )
            )
        for i, txn in enumerate(transactions):
            txn["id"] = f"txn_dp_{self.charge_id}_{i}"  # Stable across the dispute's events.
        return {
            "id": f"dp_{self.charge_id}",
            "object": "dispute",
            "amount": self.amount,
            "balance_transactions": transactions,
            "charge": self.charge_id,
            "currency": self.currency,
            "metadata": {},
            "payment_intent": self.payment_intent_id,
            "reason": "fraudulent",
            "status": status,
        }

    def payment_events(self) -> list[dict[str, Any]]:
        """What Stripe sends when a Checkout payment succeeds, in its usual order."""
        return [
            event("charge.succeeded", self.charge()),
            event("payment_intent.succeeded", self.payment_intent()),
            event("checkout.session.completed", self.checkout_session()),
        ]
