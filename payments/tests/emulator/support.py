"""Shared helpers for the Stripe emulator tests (no tests here; pytest collects none)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import requests
import stripe

from stripe_emulator import StripeEmulator
from stripe_emulator.server import PromptShutdownHTTPServer

API_KEY = "sk_test_emulator"
WEBHOOK_SECRET = "whsec_test_secret"


@contextlib.contextmanager
def running_emulator(**kwargs: Any) -> Iterator[StripeEmulator]:
    kwargs.setdefault("strict", True)
    emulator = StripeEmulator(webhook_secret=WEBHOOK_SECRET, **kwargs)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


def sdk(emulator: StripeEmulator, api_key: str = API_KEY) -> stripe.StripeClient:
    return stripe.StripeClient(api_key, base_addresses={"api": emulator.url}, max_network_retries=0)


def fresh(emulator: StripeEmulator) -> StripeEmulator:
    emulator.reset()
    emulator.take_bugs()
    emulator.webhook_url = None
    emulator.webhook_secret = WEBHOOK_SECRET
    return emulator


def control(emulator: StripeEmulator, path: str, **data: Any) -> requests.Response:
    return requests.post(f"{emulator.url}/_emulator/{path}", data=data, timeout=30)


def pay(emulator: StripeEmulator, session_id: str, payment_method: str = "pm_card_visa", **extra):
    response = control(
        emulator, f"checkout/sessions/{session_id}/pay", payment_method=payment_method, **extra
    )
    assert response.status_code == 200, response.text
    return response.json()


def session_params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": 2500,
                    "product_data": {"name": "Room 12, one night"},
                },
                "quantity": 1,
            }
        ],
        "success_url": "https://shop.example/success?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://shop.example/cancel",
        "client_reference_id": "booking-42",
        "metadata": {"booking": "42"},
        "payment_intent_data": {"metadata": {"booking": "42"}, "description": "Room 12"},
    }
    params.update(overrides)
    return params


def paid_intent(client: stripe.StripeClient, card: str = "pm_card_visa", **params: Any):
    return client.v1.payment_intents.create(
        params={
            "amount": params.pop("amount", 2000),
            "currency": params.pop("currency", "gbp"),
            "payment_method": card,
            "allowed_payment_method_types": ["card"],
            "confirm": True,
            **params,
        }
    )


def event_types(emulator: StripeEmulator, since: int = 0) -> list[str]:
    return [event["type"] for event in emulator.events[since:]]


class WebhookReceiver:
    """A local webhook endpoint that verifies signatures with the real SDK."""

    def __init__(self, secret: str = WEBHOOK_SECRET, status: int = 200) -> None:
        self.secret = secret
        self.status = status
        self.events: list[stripe.Event] = []
        self.bodies: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.errors: list[str] = []
        self._condition = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver._record(body, dict(self.headers))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = PromptShutdownHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhook/"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _record(self, body: str, headers: dict[str, str]) -> None:
        with self._condition:
            self.bodies.append(body)
            self.headers.append(headers)
            try:
                signature = headers.get("Stripe-Signature")
                self.events.append(stripe.Webhook.construct_event(body, signature, self.secret))
            except (stripe.SignatureVerificationError, ValueError) as exc:
                self.errors.append(str(exc))
            self._condition.notify_all()

    def wait_for(self, count: int, timeout: float = 10) -> bool:
        with self._condition:
            return self._condition.wait_for(lambda: len(self.bodies) >= count, timeout)

    @property
    def types(self) -> list[str]:
        return [json.loads(body)["type"] for body in self.bodies]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
