"""Helpers and fixtures for the webhook, ledger, refund and dispute tests.

Test modules import the fixtures they use by name (pytest finds fixtures in a module's
namespace).
"""

import time

import pytest
import requests
from django.test import Client

from payments import stripe_api
from payments.models import PaymentSession
from payments.services.sessions import session_transition
from payments.states import PaymentStatus
from payments.testing import stripe_events
from payments.testing.factories import PaymentSessionFactory
from payments.testing.pytest_plugin import EMULATOR_WEBHOOK_SECRET
from payments.testing.stripe_events import signed
from payments.testing.tasks import run_queued_tasks

URL = "/api/payments/webhook/stripe/"


class Webhooks:
    """Posts signed events to the webhook endpoint like Stripe does."""

    def __init__(self, client: Client):
        self.client = client

    def post(self, event, *, secret=EMULATOR_WEBHOOK_SECRET, timestamp=None, **extra):
        body, header = signed(event, secret=secret, timestamp=timestamp)
        return self.client.post(
            URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header, **extra
        )

    def deliver(self, *events):
        """Post each event; every one must be accepted."""
        responses = [self.post(event) for event in events]
        for event, response in zip(events, responses, strict=True):
            assert response.status_code == 200, (event["type"], response.content)
        return responses


@pytest.fixture
def session():
    """A pending payment session (built by the factory: no Stripe objects behind it)."""
    return PaymentSessionFactory(status=PaymentStatus.PENDING)


@pytest.fixture
def succeeded(session):
    """A ``payment_intent.succeeded`` event for ``session``, not yet delivered."""
    payment = stripe_events.StripePayment.for_session(session)
    return stripe_events.event("payment_intent.succeeded", payment.payment_intent())


@pytest.fixture
def webhooks(settings):
    """The endpoint accepting the emulator's signing secret (with or without the emulator)."""
    settings.PAYMENTS = {**settings.PAYMENTS, "STRIPE_WEBHOOK_SECRETS": [EMULATOR_WEBHOOK_SECRET]}
    return Webhooks(Client(enforce_csrf_checks=True))


def emulator_control(emulator, path: str, **params) -> dict:
    """Call one of the emulator's ``/_emulator/...`` endpoints (what a customer or bank does)."""
    response = requests.post(f"{emulator.url}/_emulator/{path}", data=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


class Shop:
    """Starts Checkout payments through the API and pays them on the emulator."""

    def __init__(self, service, emulator, webhooks: Webhooks):
        self.service = service
        self.emulator = emulator
        self.webhooks = webhooks
        self._delivered = 0

    def checkout(self, amount: int = 2500, currency: str = "gbp") -> PaymentSession:
        """A pending session with its Checkout Session at the emulator, made through the
        Stripe adapter (the checkout API has its own tests)."""
        session = PaymentSessionFactory(
            api_client=self.service.api_client, amount=amount, currency=currency
        )
        result = stripe_api.checkout_session_create(
            session_id=session.pk,
            amount=amount,
            currency=currency,
            description=session.description,
            success_url="https://shop.example.com/paid",
            cancel_url="https://shop.example.com/cancelled",
            expires_at=int(time.time()) + 3600,
        )
        session.stripe_checkout_session_id = result.id
        session.save(update_fields=["stripe_checkout_session_id"])
        session_transition(session=session, new_status=PaymentStatus.PENDING, actor="test")
        return session

    def pay(self, session: PaymentSession, payment_method="pm_card_visa", **params) -> dict:
        return emulator_control(
            self.emulator,
            f"checkout/sessions/{session.stripe_checkout_session_id}/pay",
            payment_method=payment_method,
            **params,
        )

    def new_events(self) -> list[dict]:
        """Events the emulator created since the last call (as Stripe would send them)."""
        events = self.emulator.events[self._delivered :]
        self._delivered += len(events)
        return events

    def deliver_new_events(self) -> list[dict]:
        events = self.new_events()
        self.webhooks.deliver(*events)
        return events

    def paid_session(self, **body) -> PaymentSession:
        """A Checkout Session paid by card, its events delivered and its tasks run."""
        session = self.checkout(**body)
        self.pay(session)
        self.deliver_new_events()
        run_queued_tasks()
        session.refresh_from_db()
        assert session.status == "succeeded"
        return session


@pytest.fixture
def shop(service, stripe_emulator, webhooks):
    return Shop(service, stripe_emulator, webhooks)
