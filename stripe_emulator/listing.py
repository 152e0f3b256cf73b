"""Stripe list objects: newest first, `limit`, `starting_after`, `ending_before`, `created`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .errors import resource_missing
from .store import Store


def matches_range(value: int | None, condition: Any) -> bool:
    """`created=123` or `created[gte]=..&created[lt]=..` as Stripe filters timestamps."""
    if condition is None:
        return True
    if value is None:
        return False
    if isinstance(condition, int):
        return value == condition
    checks: dict[str, Callable[[int, int], bool]] = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    return all(checks[op](value, bound) for op, bound in condition.items() if bound is not None)


def paginate(
    store: Store,
    items: Iterable[dict[str, Any]],
    params: dict[str, Any],
    url: str,
    object_name: str,
) -> dict[str, Any]:
    """One page of `items` (any order in), newest first, as a Stripe list object."""
    limit = params.get("limit") or 10
    rows = [obj for obj in items if matches_range(obj.get("created"), params.get("created"))]
    rows.sort(key=store.sort_key, reverse=True)
    after, before = params.get("starting_after"), params.get("ending_before")
    if after:
        cursor = store.sort_key(_cursor(store, after, object_name, "starting_after"))
        rows = [obj for obj in rows if store.sort_key(obj) < cursor]
        page, has_more = rows[:limit], len(rows) > limit
    elif before:
        cursor = store.sort_key(_cursor(store, before, object_name, "ending_before"))
        rows = [obj for obj in rows if store.sort_key(obj) > cursor]
        page, has_more = rows[-limit:], len(rows) > limit
    else:
        page, has_more = rows[:limit], len(rows) > limit
    return {"object": "list", "data": page, "has_more": has_more, "url": url}


def _cursor(store: Store, object_id: str, object_name: str, param: str) -> dict[str, Any]:
    obj = store.get(object_id)
    if obj is None or obj.get("object") != object_name:
        raise resource_missing(object_name, object_id, param=param)
    return obj


def list_of(items: list[dict[str, Any]], url: str) -> dict[str, Any]:
    """A complete embedded list (e.g. a charge's refunds when expanded)."""
    return {
        "object": "list",
        "data": items,
        "has_more": False,
        "total_count": len(items),
        "url": url,
    }
