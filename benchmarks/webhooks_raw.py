"""The raw-SQL ceiling for the webhook benchmark: the same events, the same writes, psycopg only.

Per event, in one transaction, what the app writes: the event row (``ON CONFLICT DO
NOTHING``) and its row lock; for a handled event the session's row lock, the
``webhook_received`` log with the payload, the session's new fields; the ledger task row for a
charge; for a refund the refund row, its ledger row and ``amount_refunded``; for a status
change the status, its log, the callback outbox row and its task row; finally the event's
status. No HTTP, no Django, no signature check, no savepoints: a ceiling, not a twin.
"""

import threading
import time
import uuid
from datetime import UTC, datetime

import psycopg
from psycopg.types.json import Jsonb

from benchmarks import support

HANDLED = {
    "charge.succeeded",
    "payment_intent.succeeded",
    "checkout.session.completed",
    "refund.created",
    "charge.refunded",
}
PAID = ("succeeded", "partially_refunded", "refunded")


def run(dsn: str, events: list[dict], senders: int) -> dict:
    latencies: list[float] = []
    position = iter(range(len(events)))
    lock = threading.Lock()

    def sender() -> None:
        with psycopg.connect(dsn) as conn:
            while True:
                with lock:
                    index = next(position, None)
                if index is None:
                    return
                started = time.perf_counter()
                with conn.transaction(), conn.cursor() as cur:
                    _apply(cur, events[index])
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)

    wall = support.run_senders(sender, senders)
    return support.throughput(len(events), latencies, wall)


def _apply(cur, event: dict) -> None:
    obj = event["data"]["object"]
    cur.execute(
        "INSERT INTO payments_webhookevent (stripe_event_id, type, api_version, livemode, "
        "stripe_created, payload, status, error, attempts, received_at) "
        "VALUES (%s, %s, %s, false, %s, %s, 'received', '', 0, now()) "
        "ON CONFLICT (stripe_event_id) DO NOTHING",
        (
            event["id"],
            event["type"],
            event["api_version"],
            datetime.fromtimestamp(event["created"], tz=UTC),
            Jsonb(event),
        ),
    )
    cur.execute(
        "SELECT id, status FROM payments_webhookevent WHERE stripe_event_id = %s FOR UPDATE",
        (event["id"],),
    )
    event_pk, status = cur.fetchone()
    if status != "received":
        return
    session_id = obj["metadata"].get("payments_session_id") if event["type"] in HANDLED else None
    if session_id:
        cur.execute(
            "SELECT status, amount, amount_refunded FROM payments_paymentsession "
            "WHERE id = %s FOR UPDATE",
            (session_id,),
        )
        session = dict(zip(("status", "amount", "amount_refunded"), cur.fetchone(), strict=True))
    _log(cur, session_id, "webhook_received", event)
    if session_id:
        _handle(cur, event, obj, session_id, session)
    cur.execute(
        "UPDATE payments_webhookevent SET status = %s, attempts = attempts + 1, "
        "processed_at = now(), session_id = %s WHERE id = %s",
        ("processed" if session_id else "ignored", session_id, event_pk),
    )


def _handle(cur, event: dict, obj: dict, session_id: str, session: dict) -> None:
    kind = event["type"]
    if kind == "charge.succeeded":
        card = obj["payment_method_details"]["card"]
        cur.execute(
            "UPDATE payments_paymentsession SET card_brand = %s, card_last4 = %s, "
            "card_exp_month = %s, card_exp_year = %s, receipt_url = %s, "
            "stripe_charge_id = coalesce(stripe_charge_id, %s), updated_at = now() "
            "WHERE id = %s",
            (card["brand"], card["last4"], card["exp_month"], card["exp_year"],
             obj["receipt_url"], obj["id"], session_id),
        )  # fmt: skip
        _task(cur, "payments.tasks.charge_ledger_sync", session_id)
    elif kind in ("payment_intent.succeeded", "checkout.session.completed"):
        intent = obj["id"] if kind == "payment_intent.succeeded" else obj["payment_intent"]
        cur.execute(
            "UPDATE payments_paymentsession SET updated_at = now(), "
            "stripe_payment_intent_id = coalesce(stripe_payment_intent_id, %s) WHERE id = %s",
            (intent, session_id),
        )
        if session["status"] not in PAID:
            _transition(cur, event, session_id, session, "succeeded")
            _refunds_sync(cur, event, session_id, session)
    else:  # refund.created, charge.refunded
        refunds = [obj] if obj["object"] == "refund" else obj["refunds"]["data"]
        for refund in refunds:
            _refund(cur, event, session_id, refund)
        _refunds_sync(cur, event, session_id, session)


def _refund(cur, event: dict, session_id: str, refund: dict) -> None:
    cur.execute(
        "INSERT INTO payments_refund (id, session_id, amount, currency, reason, status, "
        "stripe_refund_id, requested_by, failure_reason, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, '', %s, %s, 'stripe', '', now(), now()) "
        "ON CONFLICT (stripe_refund_id) DO NOTHING RETURNING id",
        (uuid.uuid4(), session_id, refund["amount"], refund["currency"], refund["status"],
         refund["id"]),
    )  # fmt: skip
    if cur.fetchone() is None:
        return
    _log(cur, session_id, "refund_created", event)
    cur.execute(
        "INSERT INTO payments_transaction (session_id, kind, status, gross, fee, net, currency, "
        "stripe_object_id, stripe_balance_transaction_id, metadata, created_at) "
        "VALUES (%s, 'refund', 'completed', %s, 0, %s, %s, %s, %s, '{}', now()) "
        "ON CONFLICT DO NOTHING",
        (session_id, -refund["amount"], -refund["amount"], refund["currency"], refund["id"],
         refund["balance_transaction"]),
    )  # fmt: skip


def _refunds_sync(cur, event: dict, session_id: str, session: dict) -> None:
    cur.execute(
        "SELECT coalesce(sum(amount), 0) FROM payments_refund "
        "WHERE session_id = %s AND status = 'succeeded'",
        (session_id,),
    )
    total = int(cur.fetchone()[0])
    if total != session["amount_refunded"]:
        cur.execute(
            "UPDATE payments_paymentsession SET amount_refunded = %s, updated_at = now() "
            "WHERE id = %s",
            (total, session_id),
        )
        session["amount_refunded"] = total
    if session["status"] in PAID and total:
        target = "refunded" if total >= session["amount"] else "partially_refunded"
        if target != session["status"]:
            _transition(cur, event, session_id, session, target)


def _transition(cur, event: dict, session_id: str, session: dict, new_status: str) -> None:
    cur.execute(
        "UPDATE payments_paymentsession SET status = %s, updated_at = now(), "
        "paid_at = coalesce(paid_at, now()) WHERE id = %s",
        (new_status, session_id),
    )
    _log(cur, session_id, "status_changed", event, session["status"], new_status)
    session["status"] = new_status
    task_id = _task(cur, "payments.tasks.deliver_callback", session_id)
    cur.execute(
        "INSERT INTO payments_callbackevent (id, session_id, type, sequence, payload, status, "
        "attempts, next_attempt_at, task_id, last_error, created_at, updated_at) "
        "SELECT %s, %s, %s, coalesce(max(sequence), 0) + 1, %s, 'pending', 0, now(), %s, '', "
        "now(), now() FROM payments_callbackevent WHERE session_id = %s",
        (f"evt_{uuid.uuid4().hex[:24]}", session_id, f"payment.{new_status}",
         Jsonb({"type": new_status, "data": session}), str(task_id), session_id),
    )  # fmt: skip


def _log(cur, session_id, event_type, event, old="", new="") -> None:
    cur.execute(
        "INSERT INTO payments_paymentlog (session_id, event_type, old_status, new_status, actor, "
        "stripe_request_id, payload, error_message, created_at) "
        "VALUES (%s, %s, %s, %s, %s, '', %s, '', now())",
        (session_id, event_type, old, new, f"stripe:{event['id']}", Jsonb(event)),
    )


def _task(cur, path: str, session_id: str) -> uuid.UUID:
    task_id = uuid.uuid4()
    cur.execute(
        "INSERT INTO django_tasks_database_dbtaskresult (id, status, args_kwargs, priority, "
        "task_path, queue_name, backend_name, run_after, enqueued_at, exception_class_path, "
        "traceback, worker_ids) VALUES (%s, 'READY', %s, 0, %s, 'default', 'default', "
        "'9999-01-01', now(), '', '', '[]')",
        (task_id, Jsonb({"args": [], "kwargs": {"session_id": session_id}}), path),
    )
    return task_id
