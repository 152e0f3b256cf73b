"""What ``reconcile_payments`` compares: one session against its Stripe objects.

``session_stripe_state`` fetches the session's Checkout Session, PaymentIntent, charge (with
its balance transaction) and the charge's refunds through the adapter;
``session_differences`` compares them with our session, ledger rows and refunds, and says of
each difference whether ``--fix`` may repair it through the normal paths. Nothing here
writes.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any

from payments import stripe_api
from payments.models import PaymentSession, Refund, Transaction
from payments.models.ledger import TransactionKind
from payments.models.reconciliation import FindingKind
from payments.models.sessions import Flow
from payments.selectors.reconciliation import session_ledger_rows, session_refunds
from payments.states import ALLOWED_TRANSITIONS, PAID_STATUSES, PaymentStatus, refund_status_for

_REFUND_STATUS = {"requires_action": "pending"}
_OPEN_REFUND = "pending"


@dataclass
class Difference:
    """One difference; ``key`` identifies it across a run and the check after a repair."""

    kind: str
    message: str
    session_id: uuid.UUID | None
    stripe_object_id: str = ""
    ours: Any = None
    stripe: Any = None
    repairable: bool = False
    fixed: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, str(self.session_id or ""), self.stripe_object_id)


@dataclass
class StripeState:
    """A session's objects as Stripe holds them now (``None`` where it has none)."""

    checkout: dict[str, Any] | None = None
    intent: dict[str, Any] | None = None
    charge: dict[str, Any] | None = None
    refunds: list[dict[str, Any]] = field(default_factory=list)

    @property
    def objects(self) -> int:
        found = (self.checkout, self.intent, self.charge)
        return sum(obj is not None for obj in found) + len(self.refunds)


def _id(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else (value or None)


def session_stripe_state(session: PaymentSession) -> StripeState:
    """Fetch the session's Stripe objects, following ids Stripe knows and we may not."""
    state = StripeState()
    if session.stripe_checkout_session_id:
        state.checkout = stripe_api.checkout_session_retrieve(
            session.stripe_checkout_session_id
        ).data
    intent_id = session.stripe_payment_intent_id or _id(
        (state.checkout or {}).get("payment_intent")
    )
    if intent_id:
        state.intent = stripe_api.payment_intent_retrieve(intent_id).data
    charge_id = session.stripe_charge_id or _id((state.intent or {}).get("latest_charge"))
    if charge_id:
        state.charge = stripe_api.charge_retrieve(charge_id).data
        # One charge's refunds: few, so holding them is fine (the window scans stream).
        state.refunds = list(stripe_api.charge_refund_iter(charge=charge_id, page_size=100))
    return state


def session_differences(session: PaymentSession, state: StripeState) -> list[Difference]:
    """Every difference between ``session`` (with its ledger rows and refunds) and Stripe."""
    rows = session_ledger_rows(session_id=session.pk)
    refunds = session_refunds(session_id=session.pk)
    return [
        *_status_differences(session, state),
        *_amount_differences(session, state),
        *_dispute_differences(session, state),
        *_ledger_differences(session, state, rows),
        *_refund_differences(session, state, refunds),
    ]


# -- status and money --------------------------------------------------------------------------


def stripe_refunded(state: StripeState) -> int:
    return sum(int(r["amount"]) for r in state.refunds if r.get("status") == "succeeded")


def _paid_at_stripe(state: StripeState) -> bool:
    if state.intent is not None:
        return state.intent.get("status") == "succeeded"
    return bool(state.charge and state.charge.get("status") == "succeeded")


def expected_status(session: PaymentSession, state: StripeState) -> str | None:
    """The status Stripe's objects call for; ``None`` while the payment is open at Stripe
    (then created, pending and a failed backend attempt all agree with it)."""
    if _paid_at_stripe(state):
        return refund_status_for(amount=session.amount, amount_refunded=stripe_refunded(state))
    checkout_status = (state.checkout or {}).get("status")
    if checkout_status == "expired":
        return PaymentStatus.EXPIRED
    intent_status = (state.intent or {}).get("status")
    if checkout_status == "complete" or intent_status == "processing":
        return PaymentStatus.PROCESSING
    if intent_status == "canceled" and session.flow != Flow.CHECKOUT:
        return PaymentStatus.CANCELED
    return None


def reachable(old: str, new: str) -> bool:
    """Whether the state machine can move ``old`` to ``new`` in one or more steps."""
    seen, todo = {old}, [old]
    while todo:
        for nxt in ALLOWED_TRANSITIONS.get(todo.pop(), frozenset()):
            if nxt == new:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def _status_differences(session: PaymentSession, state: StripeState) -> list[Difference]:
    expected = expected_status(session, state)
    ahead = {*PAID_STATUSES, PaymentStatus.PROCESSING}
    if expected is None and session.status not in ahead:
        return []
    if expected == session.status:
        return []
    stripe_side = {
        "checkout": (state.checkout or {}).get("status"),
        "payment_intent": (state.intent or {}).get("status"),
        "expected": expected,
    }
    message = f"We say {session.status}; Stripe's objects say {expected or 'still open'}."
    return [
        Difference(FindingKind.STATUS, message, session.pk, _id(state.intent) or "",
                   ours=session.status, stripe=stripe_side,
                   repairable=expected is not None and reachable(session.status, expected))
    ]  # fmt: skip


def _amount_differences(session: PaymentSession, state: StripeState) -> list[Difference]:
    found: list[Difference] = []
    refunded = stripe_refunded(state)
    if session.amount_refunded != refunded:
        message = f"We count {session.amount_refunded} refunded; Stripe {refunded}."
        found.append(
            Difference(FindingKind.AMOUNT_REFUNDED, message, session.pk,
                       _id(state.charge) or "", ours=session.amount_refunded,
                       stripe=refunded, repairable=refunded <= session.amount)
        )  # fmt: skip
    obj = state.intent or state.checkout
    if obj is None:
        return found
    amount = obj.get("amount") if state.intent is not None else obj.get("amount_total")
    currency = str(obj.get("currency") or "").lower()
    if (amount, currency) == (session.amount, session.currency.lower()):
        return found
    message = f"We say {session.amount} {session.currency}; Stripe says {amount} {currency}."
    return [*found, Difference(FindingKind.AMOUNT, message, session.pk, obj["id"],
                       ours={"amount": session.amount, "currency": session.currency},
                       stripe={"amount": amount, "currency": currency})]  # fmt: skip


def _dispute_differences(session: PaymentSession, state: StripeState) -> list[Difference]:
    if state.charge is None:
        return []
    disputed = bool(state.charge.get("disputed"))
    if disputed == bool(session.dispute_status):
        return []
    message = (
        f"Stripe {'has' if disputed else 'has no'} dispute on the charge; "
        f"our dispute state is '{session.dispute_status or 'none'}'."
    )
    return [Difference(FindingKind.DISPUTE, message, session.pk, state.charge["id"],
                       ours=session.dispute_status, stripe={"disputed": disputed})]  # fmt: skip


# -- ledger ------------------------------------------------------------------------------------


def _ledger_check(
    session: PaymentSession,
    rows: dict[tuple[str, str], Transaction],
    kind: str,
    obj: dict[str, Any],
) -> list[Difference]:
    """The ledger row of ``obj`` (a charge or refund) against its balance transaction."""
    txn = obj.get("balance_transaction")
    if not isinstance(txn, dict):
        return []
    row = rows.get((kind, obj["id"]))
    theirs = {"gross": txn["amount"], "fee": txn["fee"], "net": txn["net"]}
    if row is None:
        message = f"{kind} {obj['id']}: balance transaction {txn['id']} has no ledger row."
        return [Difference(FindingKind.MISSING_LEDGER_ROW, message, session.pk, txn["id"],
                           stripe=theirs, repairable=True)]  # fmt: skip
    ours = {"gross": row.gross, "fee": row.fee, "net": row.net}
    if ours == theirs:
        return []
    message = (
        f"{kind} {obj['id']}: our ledger row books gross {row.gross}, fee {row.fee}, "
        f"net {row.net}; balance transaction {txn['id']} says {txn['amount']}, "
        f"{txn['fee']}, {txn['net']}. The ledger is append-only: post a correction."
    )
    return [Difference(FindingKind.FEE, message, session.pk, txn["id"], ours=ours,
                       stripe=theirs)]  # fmt: skip


def _ledger_differences(
    session: PaymentSession, state: StripeState, rows: dict[tuple[str, str], Transaction]
) -> list[Difference]:
    found: list[Difference] = []
    if state.charge is not None and state.charge.get("status") == "succeeded":
        found += _ledger_check(session, rows, TransactionKind.CHARGE, state.charge)
    for refund in state.refunds:
        if refund.get("status") == "succeeded":
            found += _ledger_check(session, rows, TransactionKind.REFUND, refund)
    return found


# -- refunds -----------------------------------------------------------------------------------


def _refund_differences(
    session: PaymentSession, state: StripeState, refunds: list[Refund]
) -> list[Difference]:
    ours = {refund.stripe_refund_id: refund for refund in refunds if refund.stripe_refund_id}
    found: list[Difference] = []
    for theirs in state.refunds:
        status = _REFUND_STATUS.get(theirs.get("status") or "", theirs.get("status"))
        refund = ours.pop(theirs["id"], None)
        stripe_side = {"amount": theirs["amount"], "status": status}
        if refund is None:
            message = (
                f"Stripe refund {theirs['id']} ({theirs['amount']}, {status}) is unknown to us."
            )
            found.append(Difference(FindingKind.REFUND, message, session.pk, theirs["id"],
                                    stripe=stripe_side, repairable=True))  # fmt: skip
            continue
        ours_side = {"amount": refund.amount, "status": refund.status}
        if ours_side == stripe_side:
            continue
        message = f"Refund {theirs['id']}: we say {ours_side}; Stripe says {stripe_side}."
        repairable = refund.amount == theirs["amount"] and refund.status == _OPEN_REFUND
        found.append(
            Difference(FindingKind.REFUND, message, session.pk, theirs["id"],
                       ours=ours_side, stripe=stripe_side, repairable=repairable)
        )  # fmt: skip
    for stripe_refund_id, refund in ours.items():
        message = f"Our refund {refund.pk} names {stripe_refund_id}, which the charge lacks."
        found.append(
            Difference(FindingKind.REFUND, message, session.pk, stripe_refund_id,
                       ours={"amount": refund.amount, "status": refund.status})
        )  # fmt: skip
    return found
