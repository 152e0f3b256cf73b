"""Payout settings and the clock that moves payouts on by themselves.

`PayoutSettings`: `payout_delay` seconds between a payout's steps (`pending` -> `in_transit`
-> `paid`/`failed`; 0: all steps at once, in the request that made it; `None`: only when told,
`POST /_emulator/payouts/{id}/advance`), `availability_delay` seconds before a charge's funds
are available (0 by default), and `bank_account`, the number of the bank account payouts go
to (one of Stripe's failing test accounts, e.g. 000111111116, makes them fail).
`PayoutClock` is a daemon thread that takes due steps a few times a second.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .resources import payouts

if TYPE_CHECKING:
    from .emulator import StripeEmulator

TICK_SECONDS = 0.25


@dataclass
class PayoutSettings:
    payout_delay: float | None = 2.0
    availability_delay: int = 0
    bank_account: str = payouts.SUCCEEDING_ACCOUNT


class PayoutClock:
    def __init__(self, emulator: StripeEmulator) -> None:
        self.emulator = emulator
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="stripe-emulator-payouts",
                                        daemon=True)  # fmt: skip
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            if self.emulator.payout_delay:
                self.tick()

    def tick(self) -> list[str]:
        """Take every due step now; their webhooks are queued in order."""
        emulator = self.emulator
        ctx = emulator.context()
        with emulator.store.lock:
            moved = payouts.advance_due(ctx)
            emulator.enqueue_webhooks(ctx.outbox)
        return moved
