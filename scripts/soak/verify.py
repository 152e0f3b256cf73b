"""After the load: recover, drain, reconcile, and check that nothing was lost or doubled."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import psycopg
import requests

from .load import Accepted
from .receiver import CountingReceiver
from .stack import ROOT


def manage(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=timeout,
    )  # fmt: skip


def query(database_url: str, sql: str, *params: Any) -> list[tuple]:
    for attempt in range(30):  # PostgreSQL may still be coming back from its restart
        try:
            with psycopg.connect(database_url, autocommit=True) as connection:
                return connection.execute(sql, params).fetchall()
        except psycopg.OperationalError:
            time.sleep(1 + attempt)
    raise RuntimeError("PostgreSQL did not answer")


def drain(database_url: str, env: dict[str, str], *, timeout: float) -> dict[str, float]:
    """Wait until no task is due or running and no callback is pending. A task left RUNNING by a
    worker killed with -9 is waited for too: payments_worker requeues it once it has been
    RUNNING longer than PAYMENTS_TASK_RUNNING_TIMEOUT_SECONDS (60 s in the soak) and it runs
    again; such tasks (claimed by more than one worker) are counted. Every 30 s the
    `redeliver_callbacks` sweep runs, as cron would in production."""
    started = time.monotonic()
    sweeps = 0
    while time.monotonic() - started < timeout:
        ((due, running, requeued, pending),) = query(
            database_url,
            "SELECT count(*) FILTER (WHERE status = 'READY' AND run_after <= now()), "
            "count(*) FILTER (WHERE status = 'RUNNING'), "
            "count(*) FILTER (WHERE jsonb_array_length(worker_ids) > 1), "
            "(SELECT count(*) FROM payments_callbackevent WHERE status = 'pending') "
            "FROM django_tasks_database_dbtaskresult",
        )  # fmt: skip
        if due + running + pending == 0:
            seconds = round(time.monotonic() - started, 1)
            return {"seconds": seconds, "sweeps": sweeps, "requeued_tasks": requeued}
        if int(time.monotonic() - started) // 30 > sweeps:
            sweeps += 1
            manage(env, "redeliver_callbacks")
        time.sleep(2)
    raise RuntimeError(f"not drained after {timeout:.0f}s")


def reconcile(env: dict[str, str], *, fix: bool) -> tuple[int, dict]:
    """(exit status, JSON report) of `reconcile_payments` over the soak's window."""
    args = ["reconcile_payments", "--since", "1d", "--json", *(["--fix"] if fix else [])]
    done = manage(env, *args)
    try:
        return done.returncode, json.loads(done.stdout)
    except ValueError:
        return done.returncode, {"error": (done.stdout + done.stderr)[-2000:]}


def stripe_list(emulator: str, path: str) -> list[dict]:
    """Every object of a Stripe list endpoint, page by page."""
    objects: list[dict] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        page = requests.get(
            f"{emulator}{path}", params=params, timeout=60,
            headers={"Authorization": "Bearer sk_test_soak"},
        ).json()  # fmt: skip
        objects += page["data"]
        if not page.get("has_more"):
            return objects
        params["starting_after"] = page["data"][-1]["id"]


def once_everywhere(database_url: str, emulator: str, accepted: list[Accepted]) -> list[str]:
    """Problems: an accepted payment request missing or doubled, here or at Stripe."""
    at_stripe: Counter[tuple[str, str]] = Counter()
    for flow, path in (
        ("checkout", "/v1/checkout/sessions"),
        ("payment_intent", "/v1/payment_intents"),
    ):
        for obj in stripe_list(emulator, path):
            session = (obj.get("metadata") or {}).get("payments_session_id")
            if session:
                at_stripe[(flow, session)] += 1
    ours = Counter(
        dict(query(database_url, "SELECT payable_id, count(*) FROM payments_paymentsession "
                   "WHERE payable_id LIKE 'soak-%%' GROUP BY payable_id"))
    )  # fmt: skip
    problems = []
    for request in accepted:
        if ours[request.payable_id] != 1:
            problems.append(f"{request.payable_id}: {ours[request.payable_id]} sessions here")
        if at_stripe[(request.flow, request.session_id)] != 1:
            count = at_stripe[(request.flow, request.session_id)]
            problems.append(f"{request.session_id}: {count} {request.flow} objects at Stripe")
    return problems


def ledger_matches_stripe(database_url: str, emulator: str) -> tuple[dict, dict]:
    """(ours, Stripe's) net totals per currency, payouts left out on both sides."""
    theirs: Counter[str] = Counter()
    for txn in stripe_list(emulator, "/v1/balance_transactions"):
        if txn["type"] != "payout":
            theirs[txn["currency"]] += txn["net"]
    rows = query(
        database_url,
        "SELECT currency, sum(net) FROM payments_transaction WHERE kind <> 'payout' "
        "GROUP BY currency",
    )
    return {currency: int(total) for currency, total in rows}, dict(theirs)


def callbacks_delivered(database_url: str, receiver: CountingReceiver) -> dict[str, int]:
    rows = query(database_url, "SELECT id, status FROM payments_callbackevent")
    received = receiver.distinct()
    return {
        "callbacks": len(rows),
        "delivered": sum(1 for _, status in rows if status == "delivered"),
        "not_delivered": sum(1 for _, status in rows if status != "delivered"),
        "missing_at_receiver": sum(1 for pk, _ in rows if str(pk) not in received),
        "duplicates_received": receiver.duplicates(),
        "refused_during_outage": receiver.refused,
    }


def overdue_sessions(database_url: str) -> int:
    ((count,),) = query(
        database_url,
        "SELECT count(*) FROM payments_paymentsession WHERE status IN ('created', 'pending') "
        "AND expires_at < now()",
    )
    return count


def refunds_stuck(database_url: str) -> int:
    """Refunds still pending with no Stripe refund (a 500 that Stripe keeps under the refund's
    key used to leave them so for a day; the refund service now sends again under the next
    key). The soak fails when there is one."""
    ((count,),) = query(
        database_url,
        "SELECT count(*) FROM payments_refund WHERE status = 'pending' "
        "AND coalesce(stripe_refund_id, '') = ''",
    )
    return count
