"""Plumbing shared by benchmark sections: a fresh PostgreSQL database, Django, gunicorn.

Everything stays on the loopback interface. ``BENCH_POSTGRES_URL`` (default
``postgres://postgres@127.0.0.1:5432/postgres``) is the server's maintenance database; the
benchmark database is created next to it, dropped first if it exists.
"""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

import psycopg

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "payments_bench")
SECRET_KEY = "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"


def database_url(name: str = BENCH_DATABASE) -> str:
    parts = urlsplit(ADMIN_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def app_env(**settings: str) -> dict[str, str]:
    """The environment the app runs with in a benchmark: production-like, on PostgreSQL."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(),
        DATABASE_CONN_MAX_AGE="600",
        DEBUG="false",
        DJANGO_SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        STRIPE_SECRET_KEY="sk_test_benchmark",
        LOG_LEVEL="WARNING",
        **settings,
    )
    return env


def fresh_database(env: dict[str, str], *, name: str = BENCH_DATABASE) -> None:
    """Drop and create the benchmark database ``name``, then migrate it (``env`` must point
    ``DATABASE_URL`` at it)."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def setup_django(env: dict[str, str]) -> None:
    """Configure Django in this process against the benchmark database (once)."""
    import django
    from django.conf import settings

    if settings.configured:
        return
    names = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DEBUG", "DJANGO_SECRET_KEY")
    names += ("DATABASE_CONN_MAX_AGE", "LOG_LEVEL")
    for name in names:
        os.environ[name] = env[name]
    os.environ.update({k: v for k, v in env.items() if k.startswith(("STRIPE_", "SECURE_"))})
    sys.path.insert(0, str(ROOT))
    django.setup()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(
    env: dict[str, str], *, workers: int, threads: int = 1, extra: tuple[str, ...] = ()
) -> Iterator[str]:
    """Serve the app with gunicorn on a free loopback port; yields its base URL. More than
    one thread per worker makes gunicorn use its ``gthread`` worker, as the Procfile does."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--workers={workers}",
        f"--threads={threads}",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        *extra,
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 (our own command)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, server)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_up(base_url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            urlopen(f"{base_url}/admin/login/", timeout=2).close()  # noqa: S310 (loopback)
            return
        except HTTPError:
            return  # an error page is an answer too
        except (URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on {base_url} within {timeout}s")


def cpu_seconds(command_prefix: str) -> float:
    """CPU time used so far by every process whose command line starts with
    ``command_prefix`` (Linux ``/proc``; 0 elsewhere). Used to say where time goes."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if not command.startswith(command_prefix):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def run_senders(sender: Callable[[], None], senders: int) -> float:
    """Run ``sender`` in ``senders`` threads at once; the wall-clock seconds until all end."""
    threads = [threading.Thread(target=sender) for _ in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def throughput(count: int, latencies: list[float], wall: float) -> dict:
    """Events per second, p50 and p99 latency (ms) of ``count`` events sent in ``wall`` s."""
    return {
        "events_per_second": count / wall,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "seconds": wall,
    }
