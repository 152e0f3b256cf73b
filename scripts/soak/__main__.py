"""`python -m scripts.soak [--short]`: run the chaos soak and print its figures.

Exit status 0 only when every check passes. SOAK_PG_RESTART=0 leaves PostgreSQL alone (for a
machine where other runs share the server); CI and `make soak` restart it once.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import signal
import sys
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests

from .chaos import Chaos, supervise
from .load import KINDS, Client, Tally, run_load
from .receiver import CountingReceiver
from .stack import (
    LOOPBACK,
    Stack,
    free_port,
    gunicorn_command,
    pgbouncer_binary,
    pgbouncer_config,
    wait_for_http,
    wait_for_port,
)
from .storage import storage_per_payment
from .verify import (
    callbacks_delivered,
    drain,
    ledger_matches_stripe,
    manage,
    once_everywhere,
    overdue_sessions,
    reconcile,
    refunds_stuck,
)

PROFILES = {  # payments, seconds of load, clients, faults
    "short": {"payments": 240, "seconds": 90, "clients": 6, "faults": 18, "outage": 15},
    "full": {"payments": 2000, "seconds": 420, "clients": 10, "faults": 70, "outage": 60},
}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.soak", description=__doc__)
    parser.add_argument("--short", action="store_true", help="a few hundred payments, ~3 min")
    parser.add_argument("--payments", type=int)
    parser.add_argument("--seconds", type=float, help="how long the load lasts")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--only", choices=sorted(KINDS), help="one scenario for every payment")
    parser.add_argument("--calm", action="store_true", help="no chaos (to measure storage)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    args = parser.parse_args()
    profile = PROFILES["short" if args.short else "full"]
    args.profile = "short" if args.short else "full"
    args.payments = args.payments or profile["payments"]
    args.seconds = args.seconds or profile["seconds"]
    args.clients, args.faults, args.outage = (
        profile["clients"],
        profile["faults"],
        profile["outage"],
    )
    args.restart_postgres = os.environ.get("SOAK_PG_RESTART", "1") != "0"
    return args


def database_urls() -> tuple[str, str]:
    """(the server's maintenance database, the soak's own database), both on 127.0.0.1."""
    base = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/payments")
    name = (base.path.lstrip("/") or "payments") + "_soak"
    return urlunsplit(base._replace(path="/postgres")), urlunsplit(base._replace(path=f"/{name}"))


def fresh_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def app_env(database_url: str, bouncer_port: int, emulator_port: int) -> dict[str, str]:
    """Production-like settings; the app reaches PostgreSQL only through PgBouncer."""
    name = urlsplit(database_url).path.lstrip("/")
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@{LOOPBACK}:{bouncer_port}/{name}",
        "DATABASE_TRANSACTION_POOLING": "true",
        "DEBUG": "false",
        "DJANGO_SECRET_KEY": "soak-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-0123",
        "ALLOWED_HOSTS": LOOPBACK,
        "SECURE_SSL_REDIRECT": "false",
        "STRIPE_SECRET_KEY": "sk_test_soak",
        "STRIPE_WEBHOOK_SECRET": "whsec_soak",
        "STRIPE_API_BASE": f"http://{LOOPBACK}:{emulator_port}",
        "PAYMENTS_ALLOW_PRIVATE_CALLBACKS": "true",
        "LOG_LEVEL": "WARNING",
        # Tasks held by a worker the chaos killed go back to the queue after a minute (no soak
        # task runs that long), so the drain sees them redone instead of orphaned for ever.
        "PAYMENTS_TASK_RUNNING_TIMEOUT_SECONDS": "60",
        "PYTHONUNBUFFERED": "1",
    }


def start_pgbouncer(stack: Stack, database_url: str) -> int:
    port = free_port()
    name = urlsplit(database_url).path.lstrip("/")
    upstream = urlsplit(database_url).port or 5432
    ini = pgbouncer_config(stack.workdir, port=port, database=name, upstream_port=upstream)
    if os.geteuid() == 0:  # PgBouncer refuses to run as root: it switches to postgres
        user = pwd.getpwnam("postgres")
        os.chown(stack.workdir, user.pw_uid, user.pw_gid)
        ini.write_text(ini.read_text() + "user = postgres\n")
    stack.add("pgbouncer", [pgbouncer_binary(), str(ini)], port)
    wait_for_port(port)
    return port


def start_stack(stack: Stack, receiver: CountingReceiver, database_url: str) -> dict:
    """Emulator, PgBouncer, migrations, the API client, two apps and two workers."""
    emulator_port, apps = free_port(), [free_port(), free_port()]
    bouncer = start_pgbouncer(stack, database_url)
    stack.env.update(app_env(database_url, bouncer, emulator_port))
    webhook = f"http://{LOOPBACK}:{apps[0]}/api/payments/webhook/stripe/"
    stack.add("emulator", [
        sys.executable, "-m", "stripe_emulator", "--host", LOOPBACK, "--port", str(emulator_port),
        "--forward-to", webhook, "--webhook-secret", "whsec_soak",
    ], emulator_port)  # fmt: skip
    migrated = manage(stack.env, "migrate", "--noinput", "-v", "0")
    if migrated.returncode:
        raise RuntimeError(migrated.stderr[-2000:])
    created = manage(
        stack.env, "create_api_client", "soak", "--callback-url", receiver.url, "--json"
    )
    api_key = json.loads(created.stdout)["api_key"]
    for number, port in enumerate(apps, 1):
        stack.add(f"app{number}", gunicorn_command(port), port)
    for number in (1, 2):
        stack.add(f"worker{number}", [sys.executable, "manage.py", "payments_worker"])
    for port in apps:
        wait_for_http(f"http://{LOOPBACK}:{port}/admin/login/")
    return {
        "apps": [f"http://{LOOPBACK}:{port}" for port in apps],
        "emulator": f"http://{LOOPBACK}:{emulator_port}",
        "api_key": api_key,
    }


def payouts(emulator: str) -> str:
    """Pay out the available balance when the emulator supports payouts (else say so)."""
    answer = requests.post(
        f"{emulator}/_emulator/payouts/run", data={"currency": "gbp"}, timeout=60
    )
    if answer.status_code == 404:
        return "skipped (the emulator has no payouts)"
    return f"{answer.status_code} {answer.json().get('id', '')}"


def soak(args: argparse.Namespace, stack: Stack, receiver: CountingReceiver) -> dict:
    """Load and chaos at once, then recovery and the checks; answers the figures."""
    admin_url, database_url = database_urls()
    fresh_database(admin_url, urlsplit(database_url).path.lstrip("/"))
    urls = start_stack(stack, receiver, database_url)
    tally, stop = Tally(), threading.Event()
    clients = [
        Client(urls["apps"], urls["api_key"], urls["emulator"], tally, args.seed * 100 + n)
        for n in range(args.clients)
    ]
    chaos = Chaos(
        stack, urls["emulator"], receiver, seed=args.seed, outage_seconds=args.outage,
        restart_postgres=args.restart_postgres,
    )  # fmt: skip
    threading.Thread(target=supervise, args=(stack, stop), daemon=True).start()
    chaos_thread = threading.Thread(
        target=chaos.run, kwargs={"count": args.faults, "seconds": args.seconds, "stop": stop}
    )
    if not args.calm:
        chaos_thread.start()
    began = time.monotonic()
    kinds = {args.only: 1} if args.only else KINDS
    run_load(clients, payments=args.payments, seconds=args.seconds, kinds=kinds)
    figures = {
        "profile": args.profile, "seed": args.seed, "calm": args.calm,
        "load_seconds": round(time.monotonic() - began), "scenarios": dict(tally.scenarios),
        "app_requests": tally.requests, "retries": tally.retries,
        "answers": dict(sorted(tally.answers.items())), "given_up": tally.given_up,
        "given_up_last_answer": dict(tally.given_up_last_answer),
        "accepted_payment_requests": len(tally.accepted),
        "concurrent_over_refund_answers": dict(tally.over_refunds),
    }  # fmt: skip
    if not args.calm:
        chaos_thread.join(timeout=args.seconds)  # the chaos plan ends with the load
    figures.update(faults_injected=dict(sorted(chaos.injected.items())))
    figures.update(faults_never_injected=chaos.missing(), postgres_restart=args.restart_postgres)
    figures.update(recover_and_check(stack, urls, database_url, receiver, tally))
    stop.set()
    return figures


def recover_and_check(
    stack: Stack, urls: dict, database_url: str, receiver: CountingReceiver, tally: Tally
) -> dict:
    """Payouts, late webhooks, `sync_stripe_events`, the drain, reconciliation, the checks."""
    emulator = urls["emulator"]
    payout = payouts(emulator)
    time.sleep(16)  # webhooks held back by `delay` faults arrive (at most 15 s late)
    synced = manage(stack.env, "sync_stripe_events", "--since", "2h")
    drained = drain(database_url, stack.env, timeout=600)
    before_status, before = reconcile(stack.env, fix=False)
    fix_status, fixed, after_status, after = 0, {}, before_status, before
    if before_status != 0:  # clean already: --fix would change nothing (it reads all again)
        fix_status, fixed = reconcile(stack.env, fix=True)
        after_status, after = reconcile(stack.env, fix=False)
    ours, theirs = ledger_matches_stripe(database_url, emulator)
    webhook_faults = requests.get(f"{emulator}/_emulator/webhook_faults", timeout=10)
    return {
        "webhook_faults_applied": webhook_faults.json().get("applied", {}),
        "process_restarts": stack.restarts(), "payouts": payout,
        "sync_stripe_events": synced.stdout.strip().splitlines()[-1:] or synced.stderr[-300:],
        "drain_seconds": drained["seconds"], "callback_sweeps": drained["sweeps"],
        "tasks_requeued_after_kill": drained["requeued_tasks"],
        "differences_before_fix": before.get("summary", before), "exit_before_fix": before_status,
        "fixed": sum(1 for f in fixed.get("findings", []) if f["fixed"]),
        "exit_fix": fix_status, "differences_after_fix": after.get("differences_remaining"),
        "exit_after_fix": after_status, "after_fix_findings": after.get("findings", [])[:10],
        "once_problems": once_everywhere(database_url, emulator, tally.accepted)[:20],
        "ledger_net_ours": ours, "ledger_net_stripe": theirs,
        "callbacks": callbacks_delivered(database_url, receiver),
        "sessions_overdue": overdue_sessions(database_url),
        "refunds_stuck_behind_a_stored_500": refunds_stuck(database_url),
        "storage_per_payment": storage_per_payment(database_url),
    }  # fmt: skip


def passed(figures: dict) -> list[str]:
    """The checks that failed (empty when the soak passes)."""
    failures = []
    if figures["exit_after_fix"] != 0 or figures["differences_after_fix"] != 0:
        failures.append("reconcile_payments still finds differences after --fix")
    if figures["once_problems"]:
        failures.append("an accepted payment request is missing or doubled")
    if figures["ledger_net_ours"] != figures["ledger_net_stripe"]:
        failures.append("the ledger's totals differ from Stripe's balance transactions")
    callbacks = figures["callbacks"]
    if callbacks["not_delivered"] or callbacks["missing_at_receiver"]:
        failures.append("a callback was not delivered")
    if figures["refunds_stuck_behind_a_stored_500"]:
        failures.append("a refund is left pending with nothing at Stripe")
    if figures["sessions_overdue"]:
        failures.append("a session is still created/pending past its expiry")
    if figures["faults_never_injected"] and not figures["calm"]:
        failures.append("a kind of fault was never injected")
    return failures


def main() -> int:
    args = arguments()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the stack on `timeout`
    stack, receiver = Stack(env=dict(os.environ)), CountingReceiver().start()
    started = time.monotonic()
    try:
        figures = soak(args, stack, receiver)
    finally:
        stack.stop()
        receiver.stop()
    figures["total_seconds"] = round(time.monotonic() - started)
    figures["failures"] = passed(figures)
    figures["logs"] = str(stack.workdir)
    print(json.dumps(figures, indent=2), flush=True)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)
    print(
        "SOAK " + ("FAILED: " + "; ".join(figures["failures"]) if figures["failures"] else "PASSED")
    )
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
