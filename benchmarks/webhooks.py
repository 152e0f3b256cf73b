"""Webhook benchmark: signed Stripe events over HTTP into the app under gunicorn on PostgreSQL.

A realistic mix per payment (``payment_intent.created``, ``charge.succeeded``,
``payment_intent.succeeded``, ``checkout.session.completed``; a third also refunded, half of
those in full: ``refund.created`` and ``charge.refunded``), a third of the payments' events
shuffled, about one event in ten delivered twice, and payments interleaved so that the
senders often hold events of the same session at the same time. Four concurrent senders post
them; then every session's final state is checked, and the same events are applied again by
psycopg alone (the raw-SQL ceiling) at the same concurrency.

Before the clock starts, BENCH_WEBHOOK_WARM_UP more payments (40, their own sessions, checked
like the rest) go through the same senders, so that every gunicorn worker has run every code
path once: a long-running server pays those first-call costs once, not in the measurement.

Settings (environment): BENCH_WEBHOOK_SESSIONS (600), BENCH_WEBHOOK_SENDERS (4),
BENCH_WEBHOOK_WARM_UP (40), BENCH_GUNICORN_WORKERS (4), BENCH_GUNICORN_THREADS (1: sync
workers; more: gthread, as the Procfile), BENCH_GUNICORN_ARGS (more gunicorn options),
BENCH_POSTGRES_URL, BENCH_DATABASE (payments_bench).
"""

import os
import random
import sys
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from http.client import HTTPConnection
from urllib.parse import urlsplit

from benchmarks import support, webhooks_raw

SECRET = "whsec_benchmark_secret"
URL_PATH = "/api/payments/webhook/stripe/"
SEED = 20261122
WINDOW = 8  # payments whose events are in flight at once


def _setting(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class Expected:
    """What one session must look like after all its events."""

    status: str
    amount_refunded: int
    refunds: int
    transitions: int
    handled_events: set[str] = field(default_factory=set)


def run() -> dict:
    sessions_n = _setting("BENCH_WEBHOOK_SESSIONS", 600)
    senders = _setting("BENCH_WEBHOOK_SENDERS", 4)
    workers = _setting("BENCH_GUNICORN_WORKERS", 4)
    threads = _setting("BENCH_GUNICORN_THREADS", 1)
    extra = tuple(os.environ.get("BENCH_GUNICORN_ARGS", "").split())
    env = support.app_env(STRIPE_WEBHOOK_SECRET=SECRET)
    support.fresh_database(env)
    support.setup_django(env)

    warm_up_n = _setting("BENCH_WEBHOOK_WARM_UP", 40)
    sessions = _seed(sessions_n + warm_up_n)
    events, expected = _plan(random.Random(SEED), sessions[:sessions_n])
    warm_up_events, warm_up_expected = _plan(random.Random(SEED + 1), sessions[sessions_n:])
    expected.update(warm_up_expected)  # checked like the others
    with support.gunicorn(env, workers=workers, threads=threads, extra=extra) as base_url:
        _warm_up(base_url + URL_PATH, workers * 4)
        _send(base_url + URL_PATH, warm_up_events, senders)  # every code path, every worker
        cpu_before = _cpu()
        app = _send(base_url + URL_PATH, events, senders)
        app["cpu_ms_per_event"] = {
            name: (after - cpu_before[name]) * 1000 / len(events) for name, after in _cpu().items()
        }
    wrong = _wrong_states(expected)
    _reset_tables()
    raw = webhooks_raw.run(support.database_url(), events, senders)

    ratio = app["events_per_second"] / raw["events_per_second"]
    server = " ".join((f"{workers} workers x {threads} threads", *extra))
    met = ratio >= 0.30 and app["p99_ms"] < 25
    ok = not wrong and app["errors"] == 0  # speed is reported, correctness is required
    print(
        f"events: {len(events)} ({sessions_n} payments, {len(set(e['id'] for e in events))} "
        f"distinct), senders: {senders}, gunicorn: {server}, CPUs: {os.cpu_count()}\n"
        f"app over HTTP:  {app['events_per_second']:8.1f} events/s  "
        f"p50 {app['p50_ms']:.1f} ms  p99 {app['p99_ms']:.1f} ms  non-200: {app['errors']}\n"
        f"  CPU per event: "
        + ", ".join(f"{k} {v:.1f} ms" for k, v in app["cpu_ms_per_event"].items())
        + "\n"
        f"raw SQL:        {raw['events_per_second']:8.1f} events/s  "
        f"p50 {raw['p50_ms']:.1f} ms  p99 {raw['p99_ms']:.1f} ms\n"
        f"app / ceiling:  {ratio:.0%}; targets (>= 30%, p99 < 25 ms): "
        f"{'met' if met else 'missed'}\n"
        f"wrong final states: {len(wrong)}" + "".join(f"\n  {line}" for line in wrong[:10]),
        flush=True,
    )
    return {
        "ok": ok,
        "targets_met": met,
        "app": app,
        "raw": raw,
        "ratio": ratio,
        "wrong_states": len(wrong),
    }


# -- the events --------------------------------------------------------------------------------


def _seed(count: int) -> list:
    from payments.models import APIClient, PaymentSession
    from payments.states import PaymentStatus

    client = APIClient.objects.create(name="bench-shop", callback_url="http://127.0.0.1:9/cb/")
    rng = random.Random(SEED)
    return PaymentSession.objects.bulk_create(
        PaymentSession(
            api_client=client,
            payable_type="booking",
            payable_id=f"bk_{i}",
            amount=rng.randint(500, 20_000),
            currency="gbp",
            status=PaymentStatus.PENDING,
            stripe_checkout_session_id=f"cs_test_bench_{i}",
        )
        for i in range(count)
    )


def _plan(rng: random.Random, sessions: list) -> tuple[list[dict], dict[str, Expected]]:
    per_session, expected = [], {}
    for session in sessions:
        events, expected[str(session.pk)] = _payment_events(rng, session)
        per_session.append(events)
    return _interleave(rng, per_session), expected


def _payment_events(rng: random.Random, session) -> tuple[list[dict], Expected]:
    from payments.testing.stripe_events import StripePayment, event

    payment = StripePayment(
        session_id=str(session.pk),
        amount=session.amount,
        checkout_session_id=session.stripe_checkout_session_id,
    )
    created = event(
        "payment_intent.created", payment.payment_intent(status="requires_payment_method")
    )
    events = [
        event("charge.succeeded", payment.charge()),
        event("payment_intent.succeeded", payment.payment_intent()),
        event("checkout.session.completed", payment.checkout_session()),
    ]
    refunded = 0
    if rng.random() < 1 / 3:
        refunded = session.amount if rng.random() < 0.5 else rng.randint(1, session.amount - 1)
        refund = payment.refund(refunded, ours=uuid.uuid4())
        events += [
            event("refund.created", refund),
            event("charge.refunded", payment.charge(refunds=True)),
        ]
    status = "succeeded"
    if refunded:
        status = "refunded" if refunded == session.amount else "partially_refunded"
    expected = Expected(
        status=status,
        amount_refunded=refunded,
        refunds=1 if refunded else 0,
        transitions=2 if refunded else 1,
        handled_events={e["id"] for e in events},
    )
    events.insert(0, created)
    if rng.random() < 1 / 3:
        rng.shuffle(events)  # out of order
    events += [e for e in events if rng.random() < 0.1]  # redelivered
    return events, expected


def _interleave(rng: random.Random, per_session: list[list[dict]]) -> list[dict]:
    """Mix the payments' events, a few payments at a time, keeping each payment's order."""
    waiting, active, mixed = list(reversed(per_session)), [], []
    while waiting or active:
        while waiting and len(active) < WINDOW:
            active.append(waiting.pop())
        events = rng.choice(active)
        mixed.append(events.pop(0))
        if not events:
            active.remove(events)
    return mixed


def _cpu() -> dict[str, float]:
    return {
        "app (gunicorn)": support.cpu_seconds(f"{sys.executable} -m gunicorn"),
        "PostgreSQL": support.cpu_seconds("postgres: "),
        "senders": time.process_time(),
    }


# -- sending -----------------------------------------------------------------------------------


def _signed(event: dict) -> tuple[bytes, dict[str, str]]:
    from payments.testing.stripe_events import signed

    body, header = signed(event, secret=SECRET)
    return body, {"Content-Type": "application/json", "Stripe-Signature": header}


def _warm_up(url: str, count: int) -> None:
    """Open every worker's database connection before timing (unhandled events, ignored)."""
    from payments.testing.stripe_events import event

    target = urlsplit(url)
    for i in range(count):
        body, headers = _signed(event("customer.created", {"id": f"cus_{i}", "object": "x"}))
        http = HTTPConnection(target.hostname, target.port, timeout=10)
        http.request("POST", target.path, body=body, headers=headers)
        http.getresponse().read()
        http.close()


def _send(url: str, events: list[dict], senders: int) -> dict:
    requests_ = [_signed(event) for event in events]  # signed before the clock starts
    latencies: list[float] = []
    errors: list[int] = []
    position = iter(range(len(events)))
    lock = threading.Lock()

    target = urlsplit(url)

    def sender() -> None:
        # http.client, not requests: the client shares the CPUs with the app, so keep it light.
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                return
            body, headers = requests_[index]
            started = time.perf_counter()
            http = HTTPConnection(target.hostname, target.port, timeout=30)
            http.request("POST", target.path, body=body, headers=headers)
            response = http.getresponse()
            response.read()
            http.close()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status != 200:
                    errors.append(response.status)

    wall = support.run_senders(sender, senders)
    return {**support.throughput(len(events), latencies, wall), "errors": len(errors)}


# -- checking ----------------------------------------------------------------------------------


def _wrong_states(expected: dict[str, Expected]) -> list[str]:
    """Every way a session's final state differs from what its events imply."""
    from django_tasks_db.models import DBTaskResult

    from payments.models import PaymentLog, PaymentSession, Transaction, WebhookEvent

    transitions: dict[str, int] = defaultdict(int)
    for session_id in PaymentLog.objects.filter(
        event_type="status_changed", actor__startswith="stripe:"
    ).values_list("session_id", flat=True):
        transitions[str(session_id)] += 1
    refunded_in_ledger: dict[str, int] = defaultdict(int)
    for session_id, gross in Transaction.objects.filter(kind="refund").values_list(
        "session_id", "gross"
    ):
        refunded_in_ledger[str(session_id)] -= gross
    events = {e.stripe_event_id: e for e in WebhookEvent.objects.all()}
    ledger_tasks = {
        row["kwargs"]["session_id"]
        for row in DBTaskResult.objects.filter(
            task_path="payments.tasks.charge_ledger_sync"
        ).values_list("args_kwargs", flat=True)
    }
    wrong = []
    for session in PaymentSession.objects.prefetch_related("refunds"):
        want, key = expected[str(session.pk)], str(session.pk)
        got = (
            session.status,
            session.amount_refunded,
            len(session.refunds.all()),
            transitions[key],
            refunded_in_ledger[key],
            all(events[i].status == "processed" for i in want.handled_events),
            key in ledger_tasks,
        )
        should = (want.status, want.amount_refunded, want.refunds, want.transitions)
        should += (want.amount_refunded, True, True)
        if got != should:
            wrong.append(f"{key}: got {got}, expected {should}")
    wrong += [f"{e.stripe_event_id}: {e.error}" for e in events.values() if e.status == "failed"]
    return wrong


def _reset_tables() -> None:
    """Back to the state before the HTTP run, for the raw-SQL run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE payments_webhookevent, payments_paymentlog, payments_refund, "
            "payments_transaction, payments_callbackattempt, payments_callbackevent, "
            "django_tasks_database_dbtaskresult"
        )
        cursor.execute(
            "UPDATE payments_paymentsession SET status = 'pending', amount_refunded = 0, "
            "paid_at = NULL, stripe_charge_id = NULL, stripe_payment_intent_id = NULL, "
            "card_brand = '', card_last4 = '', card_exp_month = NULL, card_exp_year = NULL, "
            "receipt_url = ''"
        )
