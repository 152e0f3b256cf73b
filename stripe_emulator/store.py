"""In-memory object store: every Stripe object by id, plus the events in creation order.

Objects are plain dicts holding only their public fields; emulator bookkeeping for an
object (creation sequence, card behaviour, ...) lives beside it in `meta(id)`.
All mutation happens while `lock` is held (the dispatcher holds it around each request).
"""

from __future__ import annotations

import copy
import itertools
import threading
from typing import Any

from .errors import resource_missing


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self._meta: dict[str, dict[str, Any]] = {}
        self._sequence = itertools.count()

    def clear(self) -> None:
        with self.lock:
            self.objects.clear()
            self.events.clear()
            self._meta.clear()

    def add(self, obj: dict[str, Any], **meta: Any) -> dict[str, Any]:
        self.objects[obj["id"]] = obj
        self._meta[obj["id"]] = {"seq": next(self._sequence), **meta}
        return obj

    def get(self, object_id: str) -> dict[str, Any] | None:
        return self.objects.get(object_id)

    def meta(self, object_id: str) -> dict[str, Any]:
        return self._meta.setdefault(object_id, {"seq": next(self._sequence)})

    def fetch(self, object_id: str, object_name: str, *, param: str = "id") -> dict[str, Any]:
        """The stored object of that type, or Stripe's resource_missing error."""
        obj = self.objects.get(object_id) if isinstance(object_id, str) else None
        if obj is None or obj.get("object") != object_name:
            raise resource_missing(object_name, str(object_id), param=param)
        return obj

    def all(self, object_name: str) -> list[dict[str, Any]]:
        """Objects of one type, oldest first."""
        return [obj for obj in self.objects.values() if obj.get("object") == object_name]

    def sort_key(self, obj: dict[str, Any]) -> tuple[int, int]:
        return (obj.get("created", 0), self.meta(obj["id"])["seq"])


def stripe_order(obj: dict[str, Any]) -> dict[str, Any]:
    """Stripe's key order: `id`, `object`, then the rest alphabetically."""
    head = {key: obj[key] for key in ("id", "object") if key in obj}
    return {**head, **{key: obj[key] for key in sorted(obj) if key not in head}}


def public(obj: Any) -> Any:
    """A detached copy to hand out (responses, event snapshots, `emu.get`)."""
    return copy.deepcopy(obj)
