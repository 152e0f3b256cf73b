"""`StripeEmulator`: the public face of the emulator (start, stop, reset, faults, webhooks)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from . import (  # noqa: F401
    checkout_page,
    contract,
    control,
    control_webhooks,
    payout_control,
    portal_page,
    resources,
    routing,
)
from .context import Context
from .faults import Fault, FaultPlan
from .idempotency import IdempotencyCache
from .payout_clock import PayoutClock, PayoutSettings
from .resources import checkout_sessions, webhook_endpoints
from .server import EmulatorHTTPServer
from .store import Store, public
from .webhooks import DELIVERY_TIMEOUT, WebhookDispatcher


@dataclass(frozen=True)
class EmulatorBug:
    """An exception raised inside a handler: the request it answered and the traceback."""

    endpoint: str
    traceback: str


class EmulatorBugError(AssertionError):
    """Strict mode: the emulator raised while answering a request (a bug in the emulator)."""

    def __init__(self, bugs: list[EmulatorBug]) -> None:
        detail = "\n".join(f"--- {bug.endpoint}\n{bug.traceback}" for bug in bugs)
        super().__init__(
            f"The Stripe emulator raised {len(bugs)} unexpected exception(s) while answering "
            f"this test's requests (answered as Stripe 500s):\n{detail}"
        )
        self.bugs = bugs


class StripeEmulator:
    """A stateful, offline Stripe API for the `stripe` SDK, with signed webhooks.

    >>> emu = StripeEmulator(webhook_url="http://127.0.0.1:8000/api/payments/webhook/stripe/")
    >>> emu.start()
    >>> client = stripe.StripeClient("sk_test_x", base_addresses={"api": emu.url})
    """

    def __init__(
        self,
        webhook_url: str | None = None,
        webhook_secret: str = "whsec_test_secret",
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        verbose: bool = False,
        strict: bool = False,
        failed_renewals: str = "cancel",
        upcoming_renewal_days: int = 7,
        payouts: PayoutSettings | None = None,
    ) -> None:
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.host = host
        self.port = port
        self.verbose = verbose
        # Strict: an exception inside a handler is an emulator bug that the caller (a test)
        # must see, not a Stripe 500 it could mistake for an outage. See `take_bugs`.
        self.strict = strict
        self._bugs: list[EmulatorBug] = []
        # After the last retry of a renewal fails: "cancel" the subscription (Stripe's
        # default) or leave it "unpaid" (see `billing.py`).
        self.failed_renewals = failed_renewals
        # invoice.upcoming this many days before a renewal (0: never), as Stripe's setting.
        self.upcoming_renewal_days = upcoming_renewal_days
        self.store = Store()
        self.idempotency = IdempotencyCache()
        self.faults = FaultPlan()
        self.webhooks = WebhookDispatcher(self.webhook_targets)
        # Payout timing and bank account (see `payout_clock.py`); `reset()` restores them.
        self.payout_defaults = payouts or PayoutSettings()
        self._apply_payout_settings()
        self.payout_clock = PayoutClock(self)
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle

    def start(self) -> StripeEmulator:
        """Serve in a daemon thread; with port=0 a free port is picked (see `url`)."""
        if self._server is not None:
            return self
        contract.load_all(routing.ROUTES)  # the request contract, read from the SDK once
        self._server = EmulatorHTTPServer((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self.webhooks.start()
        self.payout_clock.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="stripe-emulator-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None
        self.payout_clock.stop()
        self.webhooks.stop()

    def __enter__(self) -> StripeEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    def reset(self) -> None:
        """Forget all objects, events, deliveries, idempotency keys and faults."""
        with self.store.lock:
            self.store.clear()
            self.idempotency.clear()
            self.faults.clear()
            self.webhooks.clear()
            self._apply_payout_settings()

    def _apply_payout_settings(self) -> None:
        defaults = self.payout_defaults
        self.payout_delay: float | None = defaults.payout_delay
        self.availability_delay: int = defaults.availability_delay
        self.bank_account: str = defaults.bank_account

    # Inspection

    @property
    def events(self) -> list[dict[str, Any]]:
        with self.store.lock:
            return list(self.store.events)

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        return list(self.webhooks.deliveries)

    def get(self, object_id: str) -> dict[str, Any] | None:
        """A copy of the stored object with that id (any type), or None."""
        with self.store.lock:
            obj = self.store.get(object_id)
            return public(obj) if obj is not None else None

    # Strict mode

    def record_bug(self, endpoint: str, trace: str) -> None:
        """Called by the dispatcher for an unexpected exception in a handler."""
        if self.strict:
            with self.store.lock:
                self._bugs.append(EmulatorBug(endpoint, trace))

    def take_bugs(self) -> list[EmulatorBug]:
        """The emulator bugs recorded since the last call (and forget them)."""
        with self.store.lock:
            bugs, self._bugs = self._bugs, []
        return bugs

    def check_no_bugs(self) -> None:
        """Raise `EmulatorBugError` with every recorded traceback (strict mode's teardown)."""
        bugs = self.take_bugs()
        if bugs:
            raise EmulatorBugError(bugs)

    # Faults and time

    def fail_next(
        self, method: str = "POST", path: str = "/v1/checkout/sessions", status: int = 500,
        count: int = 1,
    ) -> None:  # fmt: skip
        """The next `count` matching requests answer an api_error with `status`, unexecuted and
        not stored (Stripe refusing before it executes, e.g. a 429 or a 503)."""
        self.faults.add(Fault("fail", method.upper(), path, count, status))

    def error_next(
        self, method: str = "POST", path: str = "/v1/checkout/sessions", status: int = 500,
        count: int = 1,
    ) -> None:  # fmt: skip
        """The next `count` matching requests answer an api_error with `status`, unexecuted,
        and that answer is stored under their idempotency key (replayed on retry)."""
        self.faults.add(Fault("error", method.upper(), path, count, status))

    def unreachable_next(
        self, method: str = "POST", path: str = "/v1/checkout/sessions", count: int = 1
    ) -> None:
        """The next `count` matching requests never reach the API: the connection closes
        unanswered, nothing runs, nothing is stored."""
        self.faults.add(Fault("unreachable", method.upper(), path, count))

    def drop_next(
        self, method: str = "POST", path: str = "/v1/checkout/sessions", count: int = 1
    ) -> None:
        """The next `count` matching requests execute, then lose their response."""
        self.faults.add(Fault("drop", method.upper(), path, count))

    def expire_due_sessions(self) -> list[str]:
        """Expire open Checkout Sessions whose `expires_at` has passed; deliver the events."""
        ctx = self.context()
        with self.store.lock:
            expired = checkout_sessions.expire_due(ctx)
            ticket = self.enqueue_webhooks(ctx.outbox)
        self.await_webhooks(ticket, len(ctx.outbox))
        return expired

    # Webhooks

    def wait_for_webhooks(self, timeout: float = 10) -> bool:
        """Block until every queued webhook has been posted; False on timeout."""
        return self.webhooks.wait(timeout=timeout)

    def webhook_targets(self, event: dict[str, Any]) -> list[tuple[str, str]]:
        """Where `event` goes: `webhook_url` (`--forward-to`), then each matching endpoint."""
        targets = [(self.webhook_url, self.webhook_secret)] if self.webhook_url else []
        with self.store.lock:
            return targets + webhook_endpoints.targets(self.store, event)

    def enqueue_webhooks(self, events: list[dict[str, Any]]) -> int | None:
        return self.webhooks.enqueue(events) if events else None

    def await_webhooks(self, ticket: int | None, count: int) -> None:
        if ticket is not None:
            self.webhooks.wait(ticket, timeout=DELIVERY_TIMEOUT * count + 5)

    def context(self, **kwargs: Any) -> Context:
        kwargs.setdefault("base_url", self.url)
        return Context(self.store, emulator=self, **kwargs)
