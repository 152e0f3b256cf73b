"""Where a webhook's time goes, in one process: CPU and queries per delivery, by kind.

``python -m benchmarks.webhooks_profile [--profile FILE] [--sessions N]`` seeds its own
database (``payments_profile``), plans the same events as the HTTP benchmark
(``benchmarks.webhooks``) and feeds them one at a time, in the same order, through Django's
WSGI handler (the request path gunicorn runs: middleware, signature check, view, service),
with ``DEBUG=false``. Then, on a reset database, the same deliveries again counting the SQL
statements of each (Django's ``CaptureQueriesContext``, which slows the ORM down, so it is a
separate pass, as is the optional cProfile). Prints, per kind of delivery (event type and
what it did), the median CPU ms and the statements; and the mean CPU per delivery over the
whole mix, comparable with the HTTP benchmark's "app CPU per event". ``--profile FILE``
also writes a cProfile of a third pass (``python -m pstats FILE``) and prints the number of
Python function calls per delivery: on a shared machine CPU time varies by tens of percent
from run to run, the call count does not.

No concurrency and no HTTP here: it measures the app's own cost per event, not throughput.
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import time
from collections import defaultdict

from benchmarks import support, webhooks

DATABASE = os.environ.get("BENCH_PROFILE_DATABASE", "payments_profile")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--profile", help="write a cProfile of the timed pass to this file")
    args = parser.parse_args(argv)

    env = support.app_env(STRIPE_WEBHOOK_SECRET=webhooks.SECRET)
    env["DATABASE_URL"] = support.database_url(DATABASE)
    support.fresh_database(env, name=DATABASE)
    support.setup_django(env)

    sessions = webhooks._seed(args.sessions)
    events, expected = webhooks._plan(random.Random(webhooks.SEED), sessions)
    requests_ = [webhooks._signed(event) for event in events]
    app = _wsgi_app()
    _warm_up(app)

    timed = _deliver(app, events, requests_)
    wrong = webhooks._wrong_states(expected)
    webhooks._reset_tables()
    counted = _deliver(app, events, requests_, count_queries=True)
    _report(events, timed, counted, wrong)
    if args.profile:  # a pass of its own: cProfile roughly doubles the CPU time
        webhooks._reset_tables()
        profiler = cProfile.Profile(time.process_time)  # CPU, not waits for PostgreSQL
        _deliver(app, events, requests_, profiler=profiler)
        profiler.dump_stats(args.profile)
        calls = pstats.Stats(profiler).total_calls
        print(
            f"Python function calls per delivery (steady where CPU time is not): "
            f"{calls / len(events):.0f}; profile in {args.profile}"
        )
    return 1 if wrong else 0


def _wsgi_app():
    from django.core.handlers.wsgi import WSGIHandler

    return WSGIHandler()


def _call(app, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    import json

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": webhooks.URL_PATH,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": headers["Content-Type"],
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1",
        "HTTP_STRIPE_SIGNATURE": headers["Stripe-Signature"],
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    status: list[str] = []
    chunks = app(environ, lambda s, h, exc_info=None: status.append(s))
    content = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return int(status[0].split()[0]), json.loads(content)


def _warm_up(app) -> None:
    from payments.testing.stripe_events import event

    for i in range(20):
        body, headers = webhooks._signed(event("customer.created", {"id": f"cus_{i}"}))
        _call(app, body, headers)


def _deliver(app, events, requests_, *, profiler=None, count_queries=False) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = []
    for event, (body, headers) in zip(events, requests_, strict=True):
        if count_queries:
            connection.queries_log.clear()  # a bounded deque: a full one counts nothing
            with CaptureQueriesContext(connection) as queries:
                status, answer = _call(app, body, headers)
            results.append({"status": status, "queries": len(queries)})
            continue
        if profiler is not None:
            profiler.enable()
        started = time.process_time()
        status, answer = _call(app, body, headers)
        cpu = time.process_time() - started
        if profiler is not None:
            profiler.disable()
        results.append({"status": status, "cpu": cpu, "kind": _kind(event, answer)})
    return results


def _kind(event: dict, answer: dict) -> str:
    return f"{event['type']} ({answer.get('status', 'error')})"


def _report(events: list[dict], timed: list[dict], counted: list[dict], wrong: list) -> None:
    by_kind: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for time_row, count_row in zip(timed, counted, strict=True):
        by_kind[time_row["kind"]].append((time_row["cpu"], count_row["queries"]))
    print(f"{len(events)} deliveries, one at a time, through Django's WSGI handler")
    print(f"{'kind':52} {'n':>5} {'CPU ms (median)':>16} {'statements':>11}")
    for kind, rows in sorted(by_kind.items(), key=lambda item: -len(item[1])):
        cpu = statistics.median(r[0] for r in rows) * 1000
        queries = sorted({r[1] for r in rows})
        shown = str(queries[0]) if len(queries) == 1 else f"{queries[0]}-{queries[-1]}"
        print(f"{kind:52} {len(rows):5} {cpu:16.2f} {shown:>11}")
    total_cpu = sum(r["cpu"] for r in timed)
    total_queries = sum(r["queries"] for r in counted)
    print(
        f"mean per delivery: {total_cpu * 1000 / len(timed):.2f} ms CPU, "
        f"{total_queries / len(counted):.1f} statements; "
        f"non-200: {sum(r['status'] != 200 for r in timed)}; wrong final states: {len(wrong)}"
    )
    for line in wrong[:10]:
        print(f"  {line}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
