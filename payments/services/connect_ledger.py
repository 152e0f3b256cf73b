"""Ledger rows of destination charges: the transfer to the payee and the application fee.

Signed from the platform's point of view, like every ledger row. As at Stripe, the charge's
amount is transferred to the payee (``transfer``, negative) and the platform fee comes back
(``application_fee``, positive), so the platform keeps ``platform_fee - Stripe's fee``.
Refunds that reverse the transfer write a positive ``transfer`` row per transfer reversal and a
negative ``application_fee`` row per application fee refund. Rows are keyed by Stripe's object
ids (``tr_``, ``trr_``, ``fee_``, ``fr_``) and carry Stripe's own amounts, read by
``connect_ledger_sync`` (the body of the task of that name), so replays and duplicate tasks
write each row once.
"""

from typing import Any

from django.db import transaction

from payments import exceptions as exc
from payments import stripe_api
from payments.models import PaymentSession
from payments.models.ledger import TransactionKind
from payments.services.ledger import ledger_entry_add
from payments.services.retries import task_retry_later
from payments.services.sessions import session_lock
from payments.services.task_queue import task_named


def _stripe_id(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else value or None


def connect_ledger_after_charge(*, session: PaymentSession, charge: dict[str, Any]) -> None:
    """Part of booking a charge (``charge_book``; the caller holds the session's lock):
    remember the charge's transfer and application fee and queue the task that books them."""
    transfer_id = _stripe_id(charge.get("transfer"))
    fee_id = _stripe_id(charge.get("application_fee"))
    if not transfer_id and not fee_id:
        return
    changed = []
    if transfer_id and not session.stripe_transfer_id:
        session.stripe_transfer_id = transfer_id
        changed.append("stripe_transfer_id")
    if fee_id and not session.stripe_application_fee_id:
        session.stripe_application_fee_id = fee_id
        changed.append("stripe_application_fee_id")
    if changed:
        session.save(update_fields=[*changed, "updated_at"])
    _enqueue(session)


def connect_ledger_after_refund(*, session: PaymentSession) -> None:
    """Hook of a succeeded refund: book the transfer reversal and fee refund it caused."""
    if session.stripe_transfer_id or session.stripe_application_fee_id:
        _enqueue(session)


def _enqueue(session: PaymentSession) -> None:
    task_named("connect_ledger_sync").enqueue(session_id=str(session.pk))


def connect_ledger_sync(*, session_id: str, attempt: int = 0) -> str:
    """Book a destination charge's transfer and application fee, with their reversals and
    refunds, from Stripe's objects (idempotent: rows already booked are skipped)."""
    session = PaymentSession.objects.get(pk=session_id)
    try:
        transfer = (
            stripe_api.transfer_retrieve(session.stripe_transfer_id).data
            if session.stripe_transfer_id
            else None
        )
        fee = (
            stripe_api.application_fee_retrieve(session.stripe_application_fee_id).data
            if session.stripe_application_fee_id
            else None
        )
    except (exc.ProviderUnavailable, exc.ProviderRateLimited) as error:
        return task_retry_later(
            "connect_ledger_sync", error, attempt=attempt, session_id=session_id
        )
    with transaction.atomic():
        session = session_lock(session_id=session_id)
        written = connect_ledger_record(session=session, transfer=transfer, application_fee=fee)
    return f"{written} rows recorded"


def connect_ledger_record(
    *,
    session: PaymentSession,
    transfer: dict[str, Any] | None,
    application_fee: dict[str, Any] | None,
) -> int:
    """Write the rows for a transfer, an application fee and their reversals/refunds that the
    ledger does not hold yet. The caller holds the session's lock. Returns how many were new."""
    rows = []
    if transfer:
        rows.append((TransactionKind.TRANSFER, -transfer["amount"], transfer, transfer["id"]))
        for reversal in (transfer.get("reversals") or {}).get("data") or []:
            rows.append((TransactionKind.TRANSFER, reversal["amount"], reversal, transfer["id"]))
    if application_fee:
        fee = application_fee
        rows.append((TransactionKind.APPLICATION_FEE, fee["amount"], fee, fee.get("charge")))
        for refund in (fee.get("refunds") or {}).get("data") or []:
            rows.append((TransactionKind.APPLICATION_FEE, -refund["amount"], refund, fee["id"]))
    return sum(_row(session, kind, gross, obj, parent) for kind, gross, obj, parent in rows)


def _row(session: PaymentSession, kind: str, gross: int, obj: dict, parent: str | None) -> bool:
    return ledger_entry_add(
        session=session,
        kind=kind,
        gross=gross,
        fee=0,
        currency=obj["currency"],
        stripe_object_id=obj["id"],
        stripe_balance_transaction_id=_stripe_id(obj.get("balance_transaction")),
        metadata={"object": obj.get("object"), "of": parent, "destination": obj.get("destination")},
    )
