"""What a handler sees: parameters, path arguments, the store, and a way to emit events."""

from __future__ import annotations

import time
from typing import Any

from . import ids
from .contract import API_VERSION
from .params import merge_metadata
from .store import Store, public

__all__ = ["API_VERSION", "Context"]


class Context:
    def __init__(
        self,
        store: Store,
        *,
        base_url: str,
        params: dict[str, Any] | None = None,
        args: dict[str, str] | None = None,
        request_id: str | None = None,
        idempotency_key: str | None = None,
        emulator: Any = None,
    ) -> None:
        self.store = store
        self.base_url = base_url
        self.params = params or {}
        self.args = args or {}
        self.request_id = request_id
        self.idempotency_key = idempotency_key
        self.emulator = emulator
        # Events to deliver once the handler has finished and the store lock is released.
        self.outbox: list[dict[str, Any]] = []
        # Objects of a test clock's customers live on the clock's time (see `test_clocks`).
        self.clock_time: int | None = None

    def now(self) -> int:
        return self.clock_time if self.clock_time is not None else int(time.time())

    def use_clock_of(self, customer: dict[str, Any] | None) -> None:
        """From now on this request runs at the frozen time of `customer`'s test clock."""
        clock = self.store.get((customer or {}).get("test_clock") or "")
        if clock is not None:
            self.clock_time = clock["frozen_time"]

    def emit(
        self,
        event_type: str,
        obj: dict[str, Any],
        previous_attributes: dict[str, Any] | None = None,
        *,
        account: str | None = None,
    ) -> dict[str, Any]:
        """Record an event carrying a snapshot of `obj` as it is now, and queue it for delivery.

        `account`: the connected account the event happened on (Connect events carry it).
        """
        data: dict[str, Any] = {"object": public(obj)}
        if previous_attributes:
            data["previous_attributes"] = public(previous_attributes)
        event = {
            "id": ids.new_id("evt"),
            "object": "event",
            **({"account": account} if account else {}),
            "api_version": API_VERSION,
            "created": self.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": {"id": self.request_id, "idempotency_key": self.idempotency_key},
            "type": event_type,
        }
        if self.emulator is not None:
            event["pending_webhooks"] = len(self.emulator.webhook_targets(event))
        self.store.add(event)
        self.store.events.append(event)
        self.outbox.append(event)
        return event

    def updated(
        self, obj: dict[str, Any], updatable: tuple[str, ...], **extra: Any
    ) -> dict[str, Any]:
        """An update request: apply the `updatable` params given, `extra`, and the metadata
        (Stripe's merge rules) to `obj`; return the previous values of what changed."""
        changes = {key: self.params[key] for key in updatable if key in self.params}
        changes.update(extra)
        changes["metadata"] = merge_metadata(obj["metadata"], self.params.get("metadata"))
        return self.changed(obj, **changes)

    def changed(self, obj: dict[str, Any], **changes: Any) -> dict[str, Any]:
        """Apply `changes` to `obj` and return the previous values of the fields that changed."""
        previous = {key: obj.get(key) for key, value in changes.items() if obj.get(key) != value}
        obj.update(changes)
        return public(previous)
