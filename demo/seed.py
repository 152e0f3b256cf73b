"""Bulk demo data for demos and benchmarks (``manage.py seed_demo_payments``).

Rows come from ``DemoRows`` as plain dicts and go to the database in batches, each batch in
one transaction: through ``COPY ... FROM STDIN`` on PostgreSQL (a million sessions with their
ledger, refunds and audit rows in a minute or two), through ``executemany`` elsewhere. Columns
the rows leave out get the model field's default, so new fields need no change here.
"""

import json
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from demo.rows import DemoRows, Row
from payments.models import APIClient, Customer, PaymentLog, PaymentSession, Refund, Transaction

DEMO_CLIENTS = ["demo-shop", "demo-bookings", "demo-events"]
SESSIONS_PER_CUSTOMER = 10


@dataclass
class SeedResult:
    sessions: int = 0
    customers: int = 0
    transactions: int = 0
    refunds: int = 0
    logs: int = 0


class TableWriter:
    """Inserts dict rows into one model's table, bypassing the ORM's per-object work."""

    def __init__(self, model: type[models.Model]):
        self.fields = [
            field
            for field in model._meta.concrete_fields
            if not isinstance(field, models.AutoField | models.BigAutoField)
        ]
        self.defaults = {field.attname: field.get_default() for field in self.fields}
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(field.column) for field in self.fields)

    def write(self, rows: list[Row]) -> int:
        if not rows:
            return 0
        if connection.vendor == "postgresql":
            self._copy(rows)
        else:
            self._insert(rows)
        return len(rows)

    def _values(self, row: Row) -> list[Any]:
        return [row.get(field.attname, self.defaults[field.attname]) for field in self.fields]

    def _copy(self, rows: list[Row]) -> None:
        json_at = [n for n, field in enumerate(self.fields) if isinstance(field, models.JSONField)]
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                values = self._values(row)
                for n in json_at:
                    if values[n] is not None:
                        values[n] = json.dumps(values[n])
                copy.write_row(values)

    def _insert(self, rows: list[Row]) -> None:
        placeholders = ", ".join(["%s"] * len(self.fields))
        prepared = [
            [
                field.get_db_prep_save(value, connection)
                for field, value in zip(self.fields, self._values(row), strict=True)
            ]
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                # Names come from the model's own metadata, quoted; values are parameters.
                f"INSERT INTO {self.table} ({self.columns}) VALUES ({placeholders})",  # noqa: S608
                prepared,
            )


def demo_payments_seed(
    *,
    count: int,
    days: int = 365,
    seed: int | None = None,
    batch_size: int = 10_000,
    jobs: int = 1,
    on_progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Create ``count`` demo sessions spread over the last ``days`` days, with customers (about
    one per ten sessions, a few of them frequent), ledger rows, refunds, disputes and audit
    rows. ``seed`` makes the values repeatable; every run gets its own Stripe ids.

    ``jobs`` threads write separate slices of time, each through its own connection, so that
    PostgreSQL works on one core while Python makes rows on the other. Those connections
    cannot see an open transaction's rows, so inside one (or on SQLite) there is one job.
    """
    now, tag = timezone.now(), secrets.token_hex(3)
    if connection.in_atomic_block or connection.vendor != "postgresql":
        jobs = 1
    first = DemoRows(tag=tag, now=now, days=days, count=count, seed=seed)
    client_ids = _demo_clients()
    customer_ids = _demo_customers(first, count=max(1, count // SESSIONS_PER_CUSTOMER))
    progress = _Progress(on_progress)
    bounds = [count * job // jobs for job in range(jobs + 1)]

    def job(number: int) -> SeedResult:
        rows = first
        if number:
            job_seed = None if seed is None else seed + number
            rows = DemoRows(tag=tag, now=now, days=days, count=count, seed=job_seed)
        try:
            ordinals = range(bounds[number], bounds[number + 1])
            return _seed_slice(rows, ordinals, customer_ids, client_ids, batch_size, progress)
        finally:
            if jobs > 1:
                connection.close()  # this thread's own connection

    if jobs == 1:
        results = [job(0)]
    else:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(job, range(jobs)))
    _analyze()
    total = SeedResult(customers=len(customer_ids))
    for part in results:
        for name in ("sessions", "transactions", "refunds", "logs"):
            setattr(total, name, getattr(total, name) + getattr(part, name))
    return total


class _Progress:
    """Adds up the sessions written by every job for ``on_progress``."""

    def __init__(self, callback: Callable[[int], None] | None):
        self.callback, self.done, self.lock = callback, 0, threading.Lock()

    def add(self, sessions: int) -> None:
        with self.lock:
            self.done += sessions
            if self.callback:
                self.callback(self.done)


def _seed_slice(rows, ordinals, customer_ids, client_ids, batch_size, progress) -> SeedResult:
    """Write the sessions numbered ``ordinals`` (and what they left behind) in batches."""
    writers = {
        "sessions": TableWriter(PaymentSession),
        "transactions": TableWriter(Transaction),
        "refunds": TableWriter(Refund),
        "logs": TableWriter(PaymentLog),
    }
    result, pick = SeedResult(), rows.random
    for start in range(ordinals.start, ordinals.stop, batch_size):
        made = [
            rows.session(
                n,
                # Squaring skews the choice: some customers pay often (a top-customers list).
                customer_id=customer_ids[int(len(customer_ids) * pick.random() ** 2)],
                api_client_id=pick.choice(client_ids),
            )
            for n in range(start, min(ordinals.stop, start + batch_size))
        ]
        with transaction.atomic():
            result.sessions += writers["sessions"].write([m.session for m in made])
            for name in ("transactions", "refunds", "logs"):
                written = writers[name].write([row for m in made for row in getattr(m, name)])
                setattr(result, name, getattr(result, name) + written)
        progress.add(len(made))
    return result


def demo_payments_exist() -> bool:
    """Whether a seed already ran here (its sessions belong to the demo API clients)."""
    return PaymentSession.objects.filter(api_client__name__in=DEMO_CLIENTS).exists()


def _demo_clients() -> list[int]:
    return [APIClient.objects.get_or_create(name=name)[0].pk for name in DEMO_CLIENTS]


def _demo_customers(rows: DemoRows, *, count: int) -> list[int]:
    since = rows.start - timedelta(days=1)
    writer = TableWriter(Customer)
    for start in range(0, count, 10_000):
        batch = [
            {**rows.customer(n), "created_at": since, "updated_at": since}
            for n in range(start, min(count, start + 10_000))
        ]
        with transaction.atomic():
            writer.write(batch)
    return list(
        Customer.objects.filter(stripe_customer_id__startswith=rows.customer_id_prefix)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _analyze() -> None:
    """Fresh planner statistics, so the first queries after a big seed plan well."""
    if connection.vendor != "postgresql":
        return
    tables = [m._meta.db_table for m in (PaymentSession, Transaction, Refund, PaymentLog, Customer)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
