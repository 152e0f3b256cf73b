"""Storage per payment: rows and bytes in each table, divided by the number of sessions."""

from __future__ import annotations

from psycopg import sql

from .verify import query


def storage_per_payment(database_url: str) -> dict[str, dict[str, float]]:
    """For each non-empty table: rows, row bytes (pg_column_size of the rows) and total bytes
    on disk (pg_total_relation_size: heap, indexes, TOAST) per payment session."""
    ((sessions,),) = query(database_url, "SELECT count(*) FROM payments_paymentsession")
    tables = [
        name
        for (name,) in query(
            database_url,
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        )
    ]
    figures: dict[str, dict[str, float]] = {}
    for table in tables:
        statement = sql.SQL(
            "SELECT count(*), coalesce(sum(pg_column_size(t.*)), 0), "
            "pg_total_relation_size({name}) FROM {table} t"
        ).format(name=sql.Literal(table), table=sql.Identifier(table))
        ((rows, row_bytes, total),) = query(database_url, statement.as_string(None))
        if rows and sessions:
            figures[table] = {
                "rows": round(rows / sessions, 2),
                "row_bytes": round(int(row_bytes) / sessions),
                "total_bytes": round(int(total) / sessions),
            }
    return {"sessions": sessions, "tables": figures}
