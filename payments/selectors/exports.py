"""Payment sessions as CSV rows, streamed: memory stays flat however many rows there are.

On PostgreSQL the database writes the CSV itself (``COPY (SELECT ...) TO STDOUT`` through
psycopg), formatting amounts and times in SQL exactly as ``format_row`` does in Python on
other databases, so both paths produce the same values.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC
from typing import IO, Any

from django.db import connections
from django.db.models import CharField, F, Func, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf

from payments.models import PaymentSession
from payments.money import THREE_DECIMAL, ZERO_DECIMAL, major_string

# (CSV header, model field path): the seed's columns, then refunds, currency, the payable and
# the API client. ``payee`` is who receives ``payee_amount`` on a marketplace payment: the
# client's payee reference, else the Stripe connected account.
COLUMNS: list[tuple[str, str]] = [
    ("id", "id"),
    ("created", "created_at"),
    ("customer_email", "customer__email"),
    ("payee", "payee"),
    ("amount", "amount"),
    ("platform_fee", "platform_fee"),
    ("payee_amount", "payee_amount"),
    ("status", "status"),
    ("stripe_checkout_session_id", "stripe_checkout_session_id"),
    ("stripe_payment_intent_id", "stripe_payment_intent_id"),
    ("stripe_charge_id", "stripe_charge_id"),
    ("card_brand", "card_brand"),
    ("card_last4", "card_last4"),
    ("amount_refunded", "amount_refunded"),
    ("currency", "currency"),
    ("payable_type", "payable_type"),
    ("payable_id", "payable_id"),
    ("paid", "paid_at"),
    ("client", "api_client__name"),
]
HEADER = [name for name, _ in COLUMNS]
PATHS = [path for _, path in COLUMNS]
MONEY = {"amount", "platform_fee", "payee_amount", "amount_refunded"}
TIMES = {"created_at", "paid_at"}
# Text that a client or a payer supplied (or that we do not control): a spreadsheet must not
# run it as a formula. Amounts are never neutralised: "-12.50" is a number, not a formula.
TEXT = {"customer__email", "payee", "card_brand", "payable_type", "payable_id", "api_client__name"}
# OWASP "CSV injection": a cell starting with one of these is prefixed with a single quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # UTC, to the second; the SQL below matches it
CHUNK_ROWS = 2000


def neutralise(text: str) -> str:
    """``text`` safe to open in a spreadsheet: a leading ``'`` makes a would-be formula
    (``=HYPERLINK(...)``, ``+1``, ``@SUM``, ...) plain text. The SQL twin is ``Neutralised``."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def format_row(row: Iterable[Any]) -> list[str]:
    """One row of ``PATHS`` values as CSV strings: amounts in major units, times in UTC,
    client-supplied text neutralised against formula injection."""
    values = dict(zip(PATHS, row, strict=True))
    currency = values["currency"]
    out = []
    for path in PATHS:
        value = values[path]
        if value is None:
            out.append("")
        elif path in MONEY:
            out.append(major_string(value, currency))
        elif path in TIMES:
            out.append(value.astimezone(UTC).strftime(TIME_FORMAT))
        elif path in TEXT:
            out.append(neutralise(str(value)))
        else:
            out.append(str(value))
    return out


def _payee() -> Coalesce:
    return Coalesce(
        NullIf(F("payee_reference"), Value("")),
        F("connected_account__stripe_account_id"),
        Value(""),
        output_field=CharField(),
    )


def csv_rows(sessions: QuerySet[PaymentSession]) -> Iterator[list[str]]:
    """The header, then one formatted row per session, fetched in chunks."""
    yield HEADER
    rows = sessions.annotate(payee=_payee()).values_list(*PATHS)
    for row in rows.iterator(chunk_size=CHUNK_ROWS):
        yield format_row(row)


def payment_sessions_export_csv(
    *,
    sessions: QuerySet[PaymentSession],
    out: IO[bytes],
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``sessions`` (in their order) to ``out`` as UTF-8 CSV with a header row.
    ``on_progress`` hears the number of rows written so far. Returns the row count."""
    if connections[sessions.db].vendor == "postgresql":
        out.write((",".join(HEADER) + "\n").encode())
        return _copy_out(sessions, out, on_progress)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
    count = -1  # the header
    try:
        for row in csv_rows(sessions):
            writer.writerow(row)
            count += 1
            if on_progress and count % CHUNK_ROWS == 0:
                on_progress(count)
    finally:
        text.detach()  # leave ``out`` open for the caller
    if on_progress:
        on_progress(count)
    return count


# -- PostgreSQL: COPY ---------------------------------------------------------------------------


class MajorUnits(Func):
    """SQL for ``major_string(amount, currency)``: ``2500, 'gbp'`` → ``'25.00'``."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra):
        amount, amount_params = compiler.compile(self.source_expressions[0])
        currency, currency_params = compiler.compile(self.source_expressions[1])
        zero = ", ".join(["%s"] * len(ZERO_DECIMAL))
        three = ", ".join(["%s"] * len(THREE_DECIMAL))
        sql = (
            f"CASE WHEN ({amount}) IS NULL THEN NULL"
            f" WHEN {currency} IN ({zero}) THEN ({amount})::text"
            f" WHEN {currency} IN ({three}) THEN round(({amount})::numeric / 1000, 3)::text"
            f" ELSE round(({amount})::numeric / 100, 2)::text END"
        )
        params = [
            *amount_params,
            *currency_params,
            *sorted(ZERO_DECIMAL),
            *currency_params,
            *sorted(THREE_DECIMAL),
            *amount_params,
            *amount_params,
        ]
        return sql, params


class Neutralised(Func):
    """SQL for ``neutralise(text)``: a leading quote on a cell that starts like a formula."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra):
        text, params = compiler.compile(self.source_expressions[0])
        starts = ", ".join(["%s"] * len(FORMULA_STARTS))
        sql = f"CASE WHEN left({text}, 1) IN ({starts}) THEN %s || ({text}) ELSE {text} END"
        return sql, [*params, *FORMULA_STARTS, "'", *params, *params]


class UtcTimestamp(Func):
    """SQL for ``value.astimezone(UTC).strftime(TIME_FORMAT)``."""

    template = """to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""
    output_field = CharField()


def _sql_column(path: str):
    if path in MONEY:
        return MajorUnits(F(path), F("currency"))
    if path in TIMES:
        return UtcTimestamp(F(path))
    if path == "payee":
        return Neutralised(_payee())
    if path in {"customer__email", "api_client__name"}:
        return Neutralised(Coalesce(F(path), Value("")))
    if path in TEXT:
        return Neutralised(F(path))
    return F(path)


def export_select_sql(sessions: QuerySet[PaymentSession]) -> str:
    """The PostgreSQL ``SELECT`` behind the export, parameters inlined (for ``COPY``, which
    takes none, and for comparing with ``psql \\copy``)."""
    aliases = {f"export_{n}": _sql_column(path) for n, path in enumerate(PATHS)}
    formatted = sessions.annotate(**aliases).values_list(*aliases)
    sql, params = formatted.query.sql_with_params()
    return connections[sessions.db].ops.compose_sql(sql, params)


def _copy_out(sessions: QuerySet, out: IO[bytes], on_progress) -> int:
    connection = connections[sessions.db]
    statement = f"COPY ({export_select_sql(sessions)}) TO STDOUT WITH (FORMAT csv)"
    written = 0
    with connection.cursor() as cursor:
        with cursor.copy(statement) as copy:
            for chunk in copy:
                out.write(chunk)
                if on_progress:
                    written += bytes(chunk).count(b"\n")  # about one line per row
                    on_progress(written)
        return cursor.rowcount  # exact, from COPY's command tag
