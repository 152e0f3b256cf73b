"""The ledger: append-only ``Transaction`` rows for money that moved at Stripe.

Rows are written from Stripe's balance transactions (gross, fee, net as Stripe booked them)
and inserted with ``ON CONFLICT DO NOTHING`` on ``(kind, stripe_object_id)``, so a webhook,
a background task and a replay that all record the same charge write one row.
"""

from typing import Any

from payments.models import PaymentSession, Payout, Transaction
from payments.models.ledger import TransactionKind
from payments.selectors.ledger import ledger_entry_exists

_SIGN_OF = {
    TransactionKind.CHARGE: 1,
    TransactionKind.REFUND_FAILURE: 1,
    TransactionKind.DISPUTE_REVERSAL: 1,
    TransactionKind.REFUND: -1,
    TransactionKind.DISPUTE: -1,
    TransactionKind.PAYOUT: -1,
    TransactionKind.PAYOUT_FAILURE: 1,
}


def ledger_entry_add(
    *,
    session: PaymentSession | None,
    kind: str,
    gross: int,
    fee: int,
    currency: str,
    stripe_object_id: str,
    stripe_balance_transaction_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    payout: Payout | None = None,
) -> bool:
    """Append one row unless the ledger already holds ``(kind, stripe_object_id)``.

    A row names its session, or, for the payout kinds, its ``payout`` instead.

    Returns whether a row was written. The sign of ``gross`` must match the kind (money in is
    positive, money out negative); ``net`` is ``gross - fee`` by definition.
    """
    sign = _SIGN_OF.get(kind, 0)
    if sign * gross < 0:
        raise ValueError(f"A {kind} ledger row cannot have gross {gross}.")
    if ledger_entry_exists(kind=kind, stripe_object_id=stripe_object_id):
        return False
    # Callers hold the session's row lock, so the check above is exact; ignoring conflicts
    # still keeps a racing writer without the lock from failing the whole transaction.
    Transaction.objects.bulk_create(
        [
            Transaction(
                session=session,
                payout=payout,
                kind=kind,
                gross=gross,
                fee=fee,
                net=gross - fee,
                currency=currency.lower(),
                stripe_object_id=stripe_object_id,
                stripe_balance_transaction_id=stripe_balance_transaction_id or None,
                metadata=metadata or {},
            )
        ],
        ignore_conflicts=True,
    )
    return True


def balance_transaction_amounts(balance_transaction: dict[str, Any]) -> tuple[int, int, str]:
    """``(gross, fee, currency)`` of a Stripe balance transaction, checking that it adds up."""
    gross, fee, net = (int(balance_transaction[k]) for k in ("amount", "fee", "net"))
    if gross != fee + net:
        raise ValueError(
            f"Balance transaction {balance_transaction.get('id')} does not add up: "
            f"amount {gross} != fee {fee} + net {net}."
        )
    return gross, fee, balance_transaction["currency"]


def ledger_record_charge(
    *, session: PaymentSession, charge: dict[str, Any], balance_transaction: dict[str, Any]
) -> bool:
    """The ``charge`` row of a succeeded charge, with Stripe's fee and net (``charge_book``
    in ``payments.services.charge_sync`` adds Stripe Connect's rows)."""
    gross, fee, currency = balance_transaction_amounts(balance_transaction)
    written = ledger_entry_add(
        session=session,
        kind=TransactionKind.CHARGE,
        gross=gross,
        fee=fee,
        currency=currency,
        stripe_object_id=charge["id"],
        stripe_balance_transaction_id=balance_transaction["id"],
        metadata={
            "charge_amount": charge.get("amount"),
            "charge_currency": charge.get("currency"),
            "fee_details": balance_transaction.get("fee_details") or [],
        },
    )
    return written


def ledger_record_refund(
    *, session: PaymentSession, refund: dict[str, Any], kind: str = TransactionKind.REFUND
) -> bool:
    """The ``refund`` row of a succeeded refund (or ``refund_failure`` when it later failed).

    A refund's balance transaction is usually only an id in the event; the amount is then
    the refund's own and the fee 0, which is what Stripe books for card refunds.
    """
    sign = -1 if kind == TransactionKind.REFUND else 1
    txn = refund.get("balance_transaction")
    if kind == TransactionKind.REFUND and isinstance(txn, dict):
        gross, fee, currency = balance_transaction_amounts(txn)
        txn_id = txn["id"]
    else:
        gross, fee, currency = sign * int(refund["amount"]), 0, refund["currency"]
        txn_id = txn if isinstance(txn, str) and kind == TransactionKind.REFUND else None
        if kind == TransactionKind.REFUND_FAILURE:
            failure_txn = refund.get("failure_balance_transaction")
            txn_id = failure_txn if isinstance(failure_txn, str) else None
    return ledger_entry_add(
        session=session,
        kind=kind,
        gross=gross,
        fee=fee,
        currency=currency,
        stripe_object_id=refund["id"],
        stripe_balance_transaction_id=txn_id,
        metadata={"reason": refund.get("reason") or ""},
    )


def ledger_record_dispute(*, session: PaymentSession, dispute: dict[str, Any]) -> int:
    """One row per balance transaction of a dispute: funds withdrawn (with the dispute fee)
    as ``dispute``, funds reinstated as ``dispute_reversal``. Returns how many rows were new."""
    written = 0
    for txn in dispute.get("balance_transactions") or []:
        if not isinstance(txn, dict):
            continue
        gross, fee, currency = balance_transaction_amounts(txn)
        kind = TransactionKind.DISPUTE if gross < 0 else TransactionKind.DISPUTE_REVERSAL
        written += ledger_entry_add(
            session=session,
            kind=kind,
            gross=gross,
            fee=fee,
            currency=currency,
            stripe_object_id=dispute["id"],
            stripe_balance_transaction_id=txn["id"],
            metadata={"reason": dispute.get("reason") or "", "status": dispute.get("status")},
        )
    return written
