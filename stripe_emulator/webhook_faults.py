"""Injected webhook faults, one per way Stripe's deliveries surprise a receiver:

- `lose`: the event is never delivered (only `GET /v1/events` still shows it).
- `duplicate`: the event is delivered twice in a row.
- `delay`: the event is held back for `delay` seconds, so later events overtake it.
- `reorder`: the event is delivered after the next queued one.

Planned with `POST /_emulator/webhook_faults` (`kind`, `count`, optional `type` prefix such as
`charge.` and `delay` seconds); `GET /_emulator/webhook_faults` answers how many were applied.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

KINDS = ("lose", "duplicate", "delay", "reorder")


@dataclass
class WebhookFault:
    kind: str  # one of KINDS
    remaining: int
    type_prefix: str = ""
    delay: float = 2.0

    def matches(self, event: dict[str, Any]) -> bool:
        return str(event.get("type", "")).startswith(self.type_prefix)


class WebhookFaultPlan:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[WebhookFault] = []
        self.applied: Counter[str] = Counter()

    def add(self, fault: WebhookFault) -> None:
        if fault.remaining > 0:
            with self._lock:
                self._faults.append(fault)

    def take(self, event: dict[str, Any]) -> WebhookFault | None:
        """The first pending fault matching this event, counting it as applied."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(event):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    self.applied[fault.kind] += 1
                    return fault
        return None

    def pending(self) -> int:
        with self._lock:
            return sum(fault.remaining for fault in self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.applied.clear()
