"""Payouts: Stripe's payout events applied to ``Payout`` rows and the ledger, and each
automatic payout's contents read back from Stripe.

``PAYOUT_EVENT_HANDLERS`` (used by ``payments.services.webhooks``) handles ``payout.*`` for the
platform and, with Stripe Connect, for connected accounts (the event's ``account``). Each runs
in the webhook's transaction with the payout's row locked: the status only moves forward
(``PAYOUT_STATUS_RANK``), so a duplicate or a late, older event changes nothing. The webhook
makes no outbound call: once an automatic payout is paid, the ``payout_contents_sync`` task
fetches its balance transactions (``payout_contents_sync`` below).
"""

from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from payments import exceptions as exc
from payments import stripe_api
from payments.models import Payout, PayoutItem
from payments.models.ledger import TransactionKind
from payments.models.payouts import PAYOUT_STATUS_RANK, PayoutStatus
from payments.models.webhooks import WebhookEventStatus
from payments.selectors.reconciliation import session_id_for_stripe_source
from payments.services.ledger import ledger_entry_add
from payments.services.retries import task_retry_later
from payments.services.task_queue import task_named

_TRANSIENT = (exc.ProviderUnavailable, exc.ProviderRateLimited)


def _when(timestamp: Any) -> datetime | None:
    return datetime.fromtimestamp(int(timestamp), tz=UTC) if timestamp else None


def _ref(value: Any) -> str:
    return (value.get("id") if isinstance(value, dict) else value) or ""


def _payout_lock(obj: dict[str, Any], account: str) -> Payout:
    """The payout's row, created from ``obj`` if new, locked until the transaction ends."""
    defaults = {
        "stripe_account": account,
        "amount": int(obj["amount"]),
        "currency": str(obj["currency"]).lower(),
        "arrival_date": _when(obj.get("arrival_date")),
        "status": obj.get("status") or PayoutStatus.PENDING,
        "automatic": bool(obj.get("automatic")),
        "stripe_balance_transaction_id": _ref(obj.get("balance_transaction")),
        "stripe_created": _when(obj.get("created")) or timezone.now(),
    }
    try:
        with transaction.atomic():  # a savepoint: a racing insert must not abort the event
            Payout.objects.get_or_create(stripe_payout_id=obj["id"], defaults=defaults)
    except IntegrityError:
        pass
    return Payout.objects.select_for_update().get(stripe_payout_id=obj["id"])


def payout_event_apply(event: dict[str, Any]) -> str:
    """Apply one ``payout.*`` event: record the payout, move its status forward, book it."""
    obj = event["data"]["object"]
    payout = _payout_lock(obj, str(event.get("account") or ""))
    new_status = obj.get("status") or payout.status
    if PAYOUT_STATUS_RANK.get(new_status, -1) > PAYOUT_STATUS_RANK.get(payout.status, -1):
        payout.status = new_status
        payout.arrival_date = _when(obj.get("arrival_date")) or payout.arrival_date
        if new_status == PayoutStatus.FAILED:
            payout.failure_code = (obj.get("failure_code") or "")[:100]
            payout.failure_message = obj.get("failure_message") or ""
        payout.save(update_fields=["status", "arrival_date", "failure_code",
                                   "failure_message", "updated_at"])  # fmt: skip
    _book(payout, obj)
    if payout.status == PayoutStatus.PAID and payout.automatic and not payout.contents_fetched_at:
        task_named("payout_contents_sync").enqueue(payout_id=payout.stripe_payout_id)
    return WebhookEventStatus.PROCESSED


def _book(payout: Payout, obj: dict[str, Any]) -> None:
    """The ``payout`` ledger row (money leaves the balance), and ``payout_failure`` when the
    bank refused it (the money returns). Written once each, whatever the events' order."""
    ledger_entry_add(
        session=None,
        payout=payout,
        kind=TransactionKind.PAYOUT,
        gross=-payout.amount,
        fee=0,
        currency=payout.currency,
        stripe_object_id=payout.stripe_payout_id,
        stripe_balance_transaction_id=payout.stripe_balance_transaction_id or None,
    )
    if payout.status == PayoutStatus.FAILED:
        ledger_entry_add(
            session=None, payout=payout, kind=TransactionKind.PAYOUT_FAILURE,
            gross=payout.amount, fee=0, currency=payout.currency,
            stripe_object_id=payout.stripe_payout_id,
            stripe_balance_transaction_id=_ref(obj.get("failure_balance_transaction")) or None,
        )  # fmt: skip


PAYOUT_EVENT_HANDLERS = {
    name: payout_event_apply
    for name in (
        "payout.created",
        "payout.updated",
        "payout.paid",
        "payout.failed",
        "payout.canceled",
    )
}


def payout_contents_sync(*, payout_id: str, attempt: int = 0) -> str:
    """Fetch the balance transactions an automatic payout paid out and store them as
    ``PayoutItem`` rows, each linked to our session when its source is ours. Idempotent."""
    payout = Payout.objects.filter(stripe_payout_id=payout_id).first()
    if payout is None:
        return "unknown payout"
    if not payout.automatic:
        return "manual payout: Stripe ties it to no transactions"
    try:
        rows = list(
            stripe_api.payout_balance_transaction_iter(
                payout=payout_id, stripe_account=payout.stripe_account
            )
        )
    except _TRANSIENT as error:
        return task_retry_later("payout_contents_sync", error, attempt=attempt,
                                payout_id=payout_id)  # fmt: skip
    items = [_item(payout, row) for row in rows]
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout.pk)
        PayoutItem.objects.bulk_create(items, ignore_conflicts=True)
        payout.contents_fetched_at = timezone.now()
        payout.save(update_fields=["contents_fetched_at", "updated_at"])
    return f"{len(items)} balance transactions"


def _item(payout: Payout, row: dict[str, Any]) -> PayoutItem:
    source = _ref(row.get("source"))
    return PayoutItem(
        payout=payout,
        stripe_balance_transaction_id=row["id"],
        type=str(row.get("type") or "")[:50],
        reporting_category=str(row.get("reporting_category") or "")[:50],
        amount=int(row["amount"]),
        fee=int(row.get("fee") or 0),
        net=int(row["net"]),
        currency=str(row["currency"]).lower(),
        source_id=source,
        session_id=session_id_for_stripe_source(source),
        stripe_created=_when(row.get("created")) or timezone.now(),
    )
