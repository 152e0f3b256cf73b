"""Operations benchmark: the admin, reports and exports over a million payment sessions.

Seeds ``BENCH_OPS_SESSIONS`` (1,000,000) sessions with ``seed_demo_payments`` into their own
PostgreSQL database (``BENCH_OPS_DATABASE``, default ``payments_bench_ops``; dropped and made
again unless ``BENCH_OPS_REUSE=1`` finds it already seeded), then measures, each in a fresh
process configured for that database:

- the admin changelist through Django's test client, logged in as staff: first page, a
  filtered page, a search by e-mail (and the dashboard); median of 5 after a warm-up;
- ``payments_report --days 30`` and ``list_payments --limit 50`` (median of 3);
- ``export_payments`` of every row as a subprocess: wall time and peak RSS (``wait4``'s
  rusage of that one child), next to ``psql \\copy`` of the same SELECT (the ceiling).

Targets (2 cores): changelist and report under 300 ms, export within 2x of ``\\copy`` with
peak memory under 150 MB. Run: ``python -m benchmarks.run ops``.
"""

import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from benchmarks import support

DATABASE = os.environ.get("BENCH_OPS_DATABASE", "payments_bench_ops")
SESSIONS = int(os.environ.get("BENCH_OPS_SESSIONS", 1_000_000))
REUSE = os.environ.get("BENCH_OPS_REUSE") == "1"
TARGET_MS, EXPORT_RATIO, EXPORT_MB = 300, 2.0, 150
LIST = "/admin/payments/paymentsession/"
PAGES = {
    "changelist: first page": LIST,
    "changelist: succeeded, JPY": LIST + "?status__exact=succeeded&currency=jpy",
    "changelist: search by e-mail": LIST + "?q={email}",
    "dashboard (today and 30 days)": LIST + "dashboard/",
}


def run() -> dict:
    url = support.database_url(DATABASE)
    env = {**support.app_env(STRIPE_WEBHOOK_SECRET="whsec_bench_ops"), "DATABASE_URL": url}
    seed_seconds = _prepare(env, url)
    measured = json.loads(_manage(env, "-m", "benchmarks.ops", "measure", module=True))
    export = _export(env, url, measured.pop("export_sql"))
    results = {"sessions": measured.pop("sessions"), "seed_s": seed_seconds, **measured, **export}
    results["ok"] = _report(results)
    return results


def _manage(env: dict, *args: str, module: bool = False) -> str:
    command = [sys.executable, *args] if module else [sys.executable, "manage.py", *args]
    done = subprocess.run(  # noqa: S603 (our own command)
        command, cwd=support.ROOT, env=env, check=True, stdout=subprocess.PIPE
    )
    return done.stdout.decode()


def _prepare(env: dict, url: str) -> float | None:
    """A database holding ``SESSIONS`` seeded sessions, vacuumed and analysed. Returns the
    seeding time, or None when an existing one was reused."""
    if REUSE and _seeded_sessions(url) >= SESSIONS:
        print(f"Reusing {DATABASE} ({SESSIONS:,} sessions or more).", flush=True)
        return None
    with psycopg.connect(support.ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    _manage(env, "migrate", "--noinput", "-v", "0")
    print(f"Seeding {SESSIONS:,} sessions into {DATABASE}...", flush=True)
    started = time.perf_counter()
    print(_manage(env, "seed_demo_payments", "--count", str(SESSIONS), "--seed", "1"), end="")
    seconds = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load
    return round(seconds, 1)


def _seeded_sessions(url: str) -> int:
    try:
        with psycopg.connect(url) as connection:
            return connection.execute("SELECT count(*) FROM payments_paymentsession").fetchone()[0]
    except psycopg.Error:
        return 0


def _export(env: dict, url: str, select_sql: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        ours, ceiling = Path(folder, "export.csv"), Path(folder, "ceiling.csv")
        started = time.perf_counter()
        command = [sys.executable, "manage.py", "export_payments", "--output", str(ours)]
        child = subprocess.Popen(command, cwd=support.ROOT, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        export_s = time.perf_counter() - started
        if child.returncode:
            raise RuntimeError(f"export_payments exited with {child.returncode}")
        started = time.perf_counter()
        copy = f"\\copy ({select_sql}) TO '{ceiling}' WITH (FORMAT csv)"
        subprocess.run(["psql", "-X", "-q", url, "-c", copy], check=True)  # noqa: S603, S607
        copy_s = time.perf_counter() - started
        rows, ours_digest = _rows_and_digest(ours, skip_header=True)
        same = ours_digest == _rows_and_digest(ceiling)[1]
    return {
        "export_s": round(export_s, 2),
        "export_peak_mb": round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
        "psql_copy_s": round(copy_s, 2),
        "export_ratio": round(export_s / copy_s, 2),
        "export_rows": rows,
        "export_same_bytes_as_copy": same,
    }


def _rows_and_digest(path: Path, *, skip_header: bool = False) -> tuple[int, str]:
    digest, rows = hashlib.sha256(), 0
    with path.open("rb") as handle:
        if skip_header:
            handle.readline()
        for line in handle:
            digest.update(line)
            rows += 1
    return rows, digest.hexdigest()


def _report(results: dict) -> bool:
    checks = [
        *((name, ms, ms < TARGET_MS, "ms") for name, ms in results["timings_ms"].items()),
        ("export vs psql \\copy", results["export_ratio"], results["export_ratio"] <= 2, "x"),
        ("export peak memory", results["export_peak_mb"], results["export_peak_mb"] < 150, "MB"),
    ]
    print(f"{results['sessions']:,} sessions (seeded in {results['seed_s']} s)")
    for name, value, ok, unit in checks:
        print(f"  {name:<34} {value:>9} {unit:<3} {'ok' if ok else 'OVER TARGET'}")
    print(
        f"  export {results['export_rows']:,} rows in {results['export_s']} s, psql \\copy "
        f"{results['psql_copy_s']} s, identical bytes: {results['export_same_bytes_as_copy']}"
    )
    return all(ok for _, _, ok, _ in checks) and results["export_same_bytes_as_copy"]


# -- the measuring child process (Django configured for the benchmark database) ---------------


def _median_ms(action, repeats: int, warm_up: int = 1) -> float:
    for _ in range(warm_up):
        action()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1)


def measure() -> dict:
    import io

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from payments.models import PaymentSession
    from payments.selectors import payment_session_list
    from payments.selectors.exports import export_select_sql

    user = get_user_model().objects.filter(username="bench").first()
    user = user or get_user_model().objects.create_superuser("bench", "bench@example.com", "x")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    email = PaymentSession.objects.order_by("-created_at").values_list("customer__email")[0][0]

    def page(url: str):
        def get():
            response = client.get(url.format(email=email), secure=True)
            assert response.status_code == 200, (url, response.status_code)

        return get

    def command(*args: str):
        return lambda: call_command(*args, stdout=io.StringIO())

    timings = {name: _median_ms(page(url), repeats=5) for name, url in PAGES.items()}
    timings["payments_report --days 30"] = _median_ms(command("payments_report", "--days", "30"), 3)
    timings["list_payments --limit 50"] = _median_ms(command("list_payments", "--limit", "50"), 3)
    return {
        "sessions": PaymentSession.objects.count(),
        "timings_ms": timings,
        "export_sql": export_select_sql(payment_session_list()),
    }


if __name__ == "__main__" and sys.argv[1:] == ["measure"]:
    print(json.dumps(measure()))
