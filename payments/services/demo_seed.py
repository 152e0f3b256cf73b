"""Bulk demo data for demos and benchmarks (``manage.py seed_demo_payments``).

Rows come from ``DemoRows`` as plain dicts and go to the database in batches, each batch in
one transaction: through ``COPY ... FROM STDIN`` on PostgreSQL (a million sessions with their
ledger, refunds and audit rows in a minute or two), through ``executemany`` elsewhere. Columns
the rows leave out get the model field's default, so new fields need no change here.
"""

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from payments.models import APIClient, Customer, PaymentLog, PaymentSession, Refund, Transaction
from payments.services.demo_rows import DemoRows, Row

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
    on_progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Create ``count`` demo sessions spread over the last ``days`` days, with customers (about
    one per ten sessions, a few of them frequent), ledger rows, refunds, disputes and audit
    rows. ``seed`` makes the values repeatable; every run gets its own Stripe ids."""
    now = timezone.now()
    rows = DemoRows(tag=secrets.token_hex(3), now=now, days=days, seed=seed)
    result = SeedResult()
    client_ids = _demo_clients()
    customer_ids = _demo_customers(rows, count=max(1, count // SESSIONS_PER_CUSTOMER), days=days)
    result.customers = len(customer_ids)
    writers = {
        "sessions": TableWriter(PaymentSession),
        "transactions": TableWriter(Transaction),
        "refunds": TableWriter(Refund),
        "logs": TableWriter(PaymentLog),
    }
    pick = rows.random
    for start in range(0, count, batch_size):
        made = [
            rows.session(
                n,
                # Squaring skews the choice: some customers pay often (a top-customers list).
                customer_id=customer_ids[int(len(customer_ids) * pick.random() ** 2)],
                api_client_id=pick.choice(client_ids),
            )
            for n in range(start, min(count, start + batch_size))
        ]
        with transaction.atomic():
            result.sessions += writers["sessions"].write([m.session for m in made])
            for name in ("transactions", "refunds", "logs"):
                written = writers[name].write([row for m in made for row in getattr(m, name)])
                setattr(result, name, getattr(result, name) + written)
        if on_progress:
            on_progress(result.sessions)
    _analyze()
    return result


def _demo_clients() -> list[int]:
    return [APIClient.objects.get_or_create(name=name)[0].pk for name in DEMO_CLIENTS]


def _demo_customers(rows: DemoRows, *, count: int, days: int) -> list[int]:
    since = rows.now - timedelta(days=days + 1)
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
