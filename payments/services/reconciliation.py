"""Reconciliation: do our records and Stripe's agree, to the cent? (``reconcile_payments``)

``reconciliation_run`` compares, for a window of time or one session:

- every session against its Checkout Session, PaymentIntent and charge (status, amount,
  amount refunded, dispute state), every ledger row against its balance transaction, every
  refund against Stripe's refund (``reconciliation_compare``);
- every balance transaction Stripe created in the window that belongs to one of our objects
  but has no ledger row;
- every Checkout Session and PaymentIntent created in the window that carries our
  ``payments_session_id`` but has no session, or another one than the session knows
  (an orphan: for instance the PaymentIntent of a request that died after Stripe answered).

With ``fix`` it repairs what is safe through the normal paths (``reconciliation_repair``),
checks the session again, and counts as fixed only what the second look no longer finds.
Stripe's lists are read page by page and our sessions in chunks, so memory stays bounded.
Every run is recorded as a ``ReconciliationRun`` with its findings.
"""

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from payments import exceptions as exc
from payments import stripe_api
from payments.models.reconciliation import (
    FindingKind,
    ReconciliationFinding,
    ReconciliationRun,
    RunStatus,
)
from payments.models.sessions import Flow
from payments.selectors.reconciliation import (
    ledger_has_balance_transaction,
    session_for_reconciliation,
    session_id_for_stripe_source,
    sessions_for_reconciliation,
)
from payments.services.reconciliation_compare import (
    Difference,
    session_differences,
    session_stripe_state,
)
from payments.services.reconciliation_repair import session_repair

logger = logging.getLogger(__name__)

# Balance transaction types whose ledger row the repair can write (charges and refunds).
_LEDGER_KIND_OF = {"charge": "charge", "payment": "charge", "refund": "refund"}


@dataclass
class ReconciliationReport:
    """A finished run and its differences (also stored as ``run.findings``)."""

    run: ReconciliationRun
    differences: list[Difference] = field(default_factory=list)

    @property
    def remaining(self) -> list[Difference]:
        return [d for d in self.differences if not d.fixed]

    def summary(self) -> dict[str, dict[str, int]]:
        """``{kind: {found, fixed, remaining}}`` for every kind, in the order of the enum."""
        summary = {kind: {"found": 0, "fixed": 0, "remaining": 0} for kind in FindingKind.values}
        for difference in self.differences:
            row = summary[difference.kind]
            row["found"] += 1
            row["fixed" if difference.fixed else "remaining"] += 1
        return summary


@dataclass
class _Progress:
    run: ReconciliationRun
    fix: bool
    differences: list[Difference] = field(default_factory=list)
    # Balance transactions already reported as missing by the session check (by id).
    reported: set[str] = field(default_factory=set)
    # Sessions the balance transaction scan checked again (few: only those with a gap).
    rechecked: set[uuid.UUID] = field(default_factory=set)

    def add(self, found: list[Difference]) -> None:
        self.differences += found
        self.reported.update(
            d.stripe_object_id for d in found if d.kind == FindingKind.MISSING_LEDGER_ROW
        )


def reconciliation_run(
    *,
    since: datetime | None,
    until: datetime | None = None,
    session_id: uuid.UUID | None = None,
    fix: bool = False,
    page_size: int = 100,
) -> ReconciliationReport:
    """Compare our records with Stripe's (and with ``fix``, repair), and record the run.

    Raises ``payments.exceptions.ProviderError`` if Stripe cannot be read; the run is then
    recorded as failed with the error."""
    run = ReconciliationRun.objects.create(
        window_start=since, window_end=until, session_filter=session_id, fix=fix
    )
    progress = _Progress(run=run, fix=fix)
    try:
        for session in sessions_for_reconciliation(since=since, until=until, session_id=session_id):
            _check_session(progress, session.pk)
        if session_id is None and since is not None:
            window = _stripe_window(since, until)
            _scan_balance_transactions(progress, window, page_size)
            _scan_orphans(progress, window, page_size)
    except exc.ProviderError as error:
        run.status, run.error = RunStatus.FAILED, f"{type(error).__name__}: {error}"[:2000]
        _finish(progress)
        raise
    _finish(progress)
    return ReconciliationReport(run=run, differences=progress.differences)


def _stripe_window(since: datetime, until: datetime | None) -> tuple[int, int | None]:
    return int(since.timestamp()), int(until.timestamp()) if until else None


def _check_session(progress: _Progress, session_id: uuid.UUID) -> None:
    session = session_for_reconciliation(session_id=session_id)
    if session is None:
        return
    state = session_stripe_state(session)
    progress.run.sessions_checked += 1
    progress.run.stripe_objects_checked += state.objects
    found = session_differences(session, state)
    if progress.fix and any(d.repairable for d in found):
        try:
            session_repair(session_id=session.pk, state=state, run_id=progress.run.pk)
        except Exception:  # One session's failure must not stop the run: report it instead.
            logger.exception("Reconciliation could not repair session %s", session.pk)
        else:
            session.refresh_from_db()
            left = {d.key for d in session_differences(session, state)}
            for difference in found:
                difference.fixed = difference.repairable and difference.key not in left
    progress.add(found)


def _scan_balance_transactions(
    progress: _Progress, window: tuple[int, int | None], page_size: int
) -> None:
    """Balance transactions of ours (their source is one of our charges, refunds or disputes)
    with no ledger row. Not ours: ignored."""
    for txn in stripe_api.balance_transaction_iter(
        created_gte=window[0], created_lt=window[1], page_size=page_size
    ):
        progress.run.stripe_objects_checked += 1
        source = txn.get("source") or ""
        source = source.get("id", "") if isinstance(source, dict) else source
        if txn["id"] in progress.reported:
            continue  # the session check reported it
        kind = _LEDGER_KIND_OF.get(txn.get("type") or "", "")
        if ledger_has_balance_transaction(
            balance_transaction_id=txn["id"], kind=kind, source=source
        ):
            continue
        session_id = session_id_for_stripe_source(source)
        if session_id is None:
            continue
        if kind and session_id not in progress.rechecked:
            # A session outside the window (or one the check missed): check it whole, which
            # reports this row (and, with fix, repairs it).
            progress.rechecked.add(session_id)
            _check_session(progress, session_id)
            if txn["id"] in progress.reported:
                continue
        found = [Difference(
            FindingKind.MISSING_LEDGER_ROW,
            f"Balance transaction {txn['id']} ({txn.get('type')} {source}) has no ledger row.",
            session_id, txn["id"], stripe={"gross": txn["amount"], "fee": txn["fee"],
                                           "net": txn["net"], "type": txn.get("type")},
            repairable=bool(kind),
        )]  # fmt: skip
        progress.add(found)


def _objects_with_our_metadata(
    window: tuple[int, int | None], page_size: int
) -> Iterator[tuple[str, dict]]:
    params = {"created_gte": window[0], "created_lt": window[1], "page_size": page_size}
    for obj in stripe_api.checkout_session_iter(**params):
        yield "stripe_checkout_session_id", obj
    for obj in stripe_api.payment_intent_iter(**params):
        yield "stripe_payment_intent_id", obj


def _scan_orphans(progress: _Progress, window: tuple[int, int | None], page_size: int) -> None:
    """Stripe objects naming one of our sessions that has no such session, or that knows
    another object of that kind. Not repairable here: a person decides (cancel, refund)."""
    for field_name, obj in _objects_with_our_metadata(window, page_size):
        progress.run.stripe_objects_checked += 1
        raw = (obj.get("metadata") or {}).get("payments_session_id")
        if not raw:
            continue
        try:
            session_id = uuid.UUID(str(raw))
        except ValueError:
            session_id = None
        session = session_for_reconciliation(session_id=session_id) if session_id else None
        known = getattr(session, field_name, None) if session else None
        if session is not None and (known == obj["id"] or _awaiting_link(session, known)):
            continue
        what = "no such session" if session is None else f"the session knows {known or 'none'}"
        message = (
            f"{obj['object']} {obj['id']} ({obj.get('status')}, {_amount(obj)}) names session "
            f"{raw}: {what}."
        )
        progress.add([Difference(FindingKind.ORPHAN, message, session_id, obj["id"],
                                 ours=known, stripe={"status": obj.get("status"),
                                                     "amount": _amount(obj)})])  # fmt: skip


def _awaiting_link(session, known: str | None) -> bool:
    """A Checkout payment's intent is linked by the session's own events; until then the
    session check (which follows the Checkout Session to it) covers it."""
    return known is None and session.flow == Flow.CHECKOUT


def _amount(obj: dict) -> str:
    amount = obj.get("amount", obj.get("amount_total"))
    return f"{amount} {obj.get('currency') or ''}".strip()


@transaction.atomic
def _finish(progress: _Progress) -> None:
    run = progress.run
    ReconciliationFinding.objects.bulk_create(
        ReconciliationFinding(
            run=run, kind=d.kind, session_id=d.session_id, stripe_object_id=d.stripe_object_id,
            message=d.message, ours=d.ours, stripe=d.stripe, repairable=d.repairable,
            fixed=d.fixed,
        )
        for d in progress.differences
    )  # fmt: skip
    run.differences_found = len(progress.differences)
    run.differences_fixed = sum(d.fixed for d in progress.differences)
    if run.status != RunStatus.FAILED:
        clean = run.differences_found == run.differences_fixed
        run.status = RunStatus.CLEAN if clean else RunStatus.DIFFERENCES
    run.finished_at = timezone.now()
    run.save()
