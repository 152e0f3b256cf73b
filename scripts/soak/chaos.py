"""The chaos loop: at seeded random moments, one fault of one kind, each kind at least once.

Kinds: kill -9 an app process or a task worker (the supervisor starts it again), restart
PostgreSQL (once, when allowed), the emulator refusing / failing / not reached / losing its
answer for a call to Stripe, a webhook lost, repeated, late or out of order, and the callback
receiver down for a while.
"""

from __future__ import annotations

import os
import random
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import requests

from .receiver import CountingReceiver
from .stack import Stack

STRIPE_PATHS = ("/v1/checkout/sessions", "/v1/payment_intents", "/v1/refunds")
API_FAULTS = ("fail", "error", "unreachable", "drop")
WEBHOOK_FAULTS = ("lose", "duplicate", "delay", "reorder")
KINDS = (
    "kill_app", "kill_worker", *(f"stripe_{k}" for k in API_FAULTS),
    *(f"webhook_{k}" for k in WEBHOOK_FAULTS), "callback_outage",
)  # fmt: skip


def restart_postgresql() -> None:
    """Restart the PostgreSQL cluster (Debian's pg_ctlcluster): SOAK_PG_CLUSTER, as
    `VERSION/NAME`, or the machine's `main` cluster of its one installed version."""
    cluster = os.environ.get("SOAK_PG_CLUSTER") or ""
    version, _, name = cluster.partition("/")
    if not name:
        version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
        name = "main"
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],  # noqa: S607
        check=True, timeout=120, stdout=subprocess.DEVNULL,
    )  # fmt: skip


class Chaos:
    def __init__(
        self, stack: Stack, emulator: str, receiver: CountingReceiver, *, seed: int,
        outage_seconds: float, restart_postgres: bool,
    ) -> None:  # fmt: skip
        self.stack = stack
        self.emulator = emulator
        self.receiver = receiver
        self.rng = random.Random(seed)
        self.outage_seconds = outage_seconds
        self.restart_postgres = restart_postgres
        self.injected: Counter[str] = Counter()

    def schedule(self, count: int) -> list[str]:
        """Every kind once, then random kinds up to `count`, shuffled; PostgreSQL once."""
        kinds = list(KINDS) + [self.rng.choice(KINDS) for _ in range(max(0, count - len(KINDS)))]
        kinds = [k for k in kinds if k != "callback_outage"] + ["callback_outage"]
        self.rng.shuffle(kinds)
        if self.restart_postgres:
            kinds.insert(len(kinds) // 2, "postgres_restart")
        return kinds

    def missing(self) -> list[str]:
        """Kinds of fault never injected (each must be, at least once)."""
        wanted = [*KINDS, *(["postgres_restart"] if self.restart_postgres else [])]
        return [kind for kind in wanted if not self.injected[kind]]

    def run(self, *, count: int, seconds: float, stop: threading.Event) -> None:
        """Inject `count` faults spread over `seconds`, at jittered moments."""
        plan = self.schedule(count)
        gap = seconds / (len(plan) + 1)
        for kind in plan:
            if stop.wait(gap * self.rng.uniform(0.5, 1.5)):
                return
            try:
                self.inject(kind)
                self.injected[kind] += 1
            except Exception as error:  # a fault that could not be injected is reported
                print(f"chaos: {kind} could not be injected: {error}", flush=True)

    def inject(self, kind: str) -> None:
        if kind == "kill_app":
            self.rng.choice(self.stack.named("app")).kill9()
        elif kind == "kill_worker":
            self.rng.choice(self.stack.named("worker")).kill9()
        elif kind == "postgres_restart":
            restart_postgresql()
        elif kind == "callback_outage":
            self.receiver.fail_for(self.outage_seconds)
        elif kind.startswith("stripe_"):
            self.post(
                "/_emulator/faults", kind=kind.removeprefix("stripe_"),
                path=self.rng.choice(STRIPE_PATHS),
                count=1 if kind == "stripe_error" else self.rng.randint(1, 3),
            )  # fmt: skip
        else:
            self.post(
                "/_emulator/webhook_faults", kind=kind.removeprefix("webhook_"),
                count=self.rng.randint(1, 3), delay=self.rng.uniform(3, 15),
            )  # fmt: skip

    def post(self, endpoint: str, **data: object) -> None:
        answer = requests.post(f"{self.emulator}{endpoint}", data=data, timeout=10)
        answer.raise_for_status()


def supervise(stack: Stack, stop: threading.Event, period: float = 1.0) -> None:
    """Start again whatever died, every `period` seconds, until `stop`."""
    while not stop.wait(period):
        for name in stack.revive():
            print(f"supervisor: restarted {name}", flush=True)
        time.sleep(0)
