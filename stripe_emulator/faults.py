"""Injected faults, one per way a call to Stripe can go wrong:

- `fail`: Stripe refuses before executing anything (a 429, a 503 load shed): nothing runs and
  nothing is stored, so a retry with the same idempotency key executes.
- `error`: Stripe answers an error after execution began (a 500): nothing runs, but the
  answer is stored under the idempotency key and a retry with that key gets it again.
- `unreachable`: the request never reaches Stripe (the connection closes unanswered before
  anything runs): nothing runs and nothing is stored.
- `drop`: Stripe executes the request but the answer is lost (the connection drops): a retry
  with the same idempotency key replays the stored answer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

KINDS = ("fail", "error", "unreachable", "drop")


@dataclass
class Fault:
    kind: str  # one of KINDS
    method: str
    path: str
    remaining: int
    status: int = 500

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method.upper()) and path.startswith(self.path)


class FaultPlan:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        if fault.remaining > 0:
            with self._lock:
                self._faults.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """The first pending fault matching this request, counting it as used."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
