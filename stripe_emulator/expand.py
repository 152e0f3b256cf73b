"""`expand[]`: replace ids with the objects they name, following dotted paths.

Includable fields (present only when expanded, such as a Checkout Session's `line_items`
or a Charge's `refunds`) are registered by their resource module with `includable`, by the
object's name and the field's dotted path inside it (`total_details.breakdown`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import invalid_request
from .ids import is_object_id
from .sdk_types import expandable_fields
from .store import Store, public

Includer = Callable[[Store, dict[str, Any]], Any]
_INCLUDABLE: dict[tuple[str, str], Includer] = {}
MAX_DEPTH = 4


def includable(object_name: str, field: str) -> Callable[[Includer], Includer]:
    def register(function: Includer) -> Includer:
        _INCLUDABLE[(object_name, field)] = function
        return function

    return register


def expand(store: Store, obj: dict[str, Any], paths: list[str] | None) -> dict[str, Any]:
    """Expand `paths` inside `obj` (a public copy, changed in place) and return it."""
    for path in paths or []:
        parts = path.split(".")
        if len(parts) > MAX_DEPTH + (1 if obj.get("object") == "list" else 0):
            raise invalid_request(
                f"You cannot expand more than {MAX_DEPTH} levels of a property. Property: {path}",
                param="expand",
            )
        _expand(store, obj, parts, path, "", ())
    return obj


def _expand(
    store: Store, node: dict[str, Any], parts: list[str], path: str, owner: str,
    inside: tuple[str, ...],
) -> None:  # fmt: skip
    """`owner`: the nearest enclosing object's name; `inside`: the path from it to `node`."""
    if isinstance(node.get("object"), str):
        owner, inside = node["object"], ()
    head, rest = parts[0], parts[1:]
    if owner == "list" and head == "data":
        for item in node.get("data", []):
            if rest and isinstance(item, dict):
                _expand(store, item, rest, path, owner, ())
        return
    if head not in node:
        include = _INCLUDABLE.get((owner, ".".join((*inside, head))))
        if include is not None:
            node[head] = public(include(store, node))
        elif not inside and head in expandable_fields(owner):
            node[head] = None  # declared expandable, not emulated: Stripe's null
        else:
            raise _not_expandable(head)
    value = node[head]
    if isinstance(value, str):
        if not is_object_id(value):
            raise _not_expandable(head)
        target = store.get(value)
        if target is not None:
            value = node[head] = public(target)
    if rest and isinstance(value, dict):
        _expand(store, value, rest, path, owner, (*inside, head))


def _not_expandable(field: str) -> Exception:
    return invalid_request(f"This property cannot be expanded ({field}).", param="expand")
