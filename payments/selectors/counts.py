"""Row counts that stay cheap on tables of millions of rows.

``COUNT(*)`` on PostgreSQL reads every row (or every index entry) it counts: about a second
for a million sessions on a small machine. Lists only need an idea of the size once it is
large, so above ``EXACT_BELOW`` rows we use the planner's estimate: ``pg_class.reltuples`` for
a whole table, the row estimate of ``EXPLAIN`` for a filtered query. Small results are counted
exactly, and other databases always count exactly.
"""

import json

from django.db import connections
from django.db.models import QuerySet

EXACT_BELOW = 20_000


def queryset_count_estimate(queryset: QuerySet, *, exact_below: int = EXACT_BELOW) -> int:
    """``queryset.count()``, or PostgreSQL's estimate of it when that is ``exact_below`` or
    more rows."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return queryset.count()
    filtered = bool(queryset.query.where)
    estimate = _explain_estimate(queryset) if filtered else _table_estimate(queryset)
    if estimate is None or estimate < exact_below:
        return queryset.count()
    return estimate


def _table_estimate(queryset: QuerySet) -> int | None:
    """Live rows as of the last VACUUM/ANALYZE (-1 on PostgreSQL 14+ if never analysed)."""
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
    return row[0] if row and row[0] >= 0 else None


def _explain_estimate(queryset: QuerySet) -> int | None:
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
