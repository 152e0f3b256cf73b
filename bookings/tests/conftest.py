"""Fixtures of the bookings tests. Only tests may import payments: the app itself talks to it
over HTTP, as any other service would."""

from dataclasses import dataclass

import pytest

from bookings.models import Service
from payments.services.clients import api_client_create

CALLBACK_PATH = "/api/bookings/webhook/payment/"


@pytest.fixture
def haircut(db):
    return Service.objects.create(
        name="Haircut", slug="haircut", price_amount=4000, deposit_amount=1000, currency="gbp"
    )


@pytest.fixture
def consultation(db):
    return Service.objects.create(
        name="Free consultation", slug="consultation", price_amount=0, deposit_amount=0
    )


@dataclass
class Deployment:
    url: str
    client: object
    api_key: str


@pytest.fixture
def deployment(live_server, stripe_emulator, settings):
    """payments and bookings served over real HTTP, wired like `make run`: bookings calls the
    payments API with its own key; payments' callbacks and the emulator's webhooks come back."""
    credentials = api_client_create(name="bookings", callback_url=live_server.url + CALLBACK_PATH)
    settings.PAYMENTS_ENABLED = True
    settings.PAYMENTS_API_URL = live_server.url + "/api/payments/"
    settings.PAYMENTS_API_KEY = credentials.api_key
    settings.PAYMENTS_CALLBACK_SECRET = credentials.client.callback_secret
    stripe_emulator.webhook_url = live_server.url + "/api/payments/webhook/stripe/"
    return Deployment(url=live_server.url, client=credentials.client, api_key=credentials.api_key)
