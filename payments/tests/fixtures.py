"""Fixtures shared by the payments tests."""

import uuid

import pytest
import stripe
from rest_framework.test import APIClient as HTTPClient

from payments.services.clients import api_client_create


class ServiceClient(HTTPClient):
    """An HTTP test client authenticated as one API client, with its credentials at hand."""

    def __init__(self, credentials, **kwargs):
        super().__init__(**kwargs)
        self.api_client = credentials.client
        self.api_key = credentials.api_key
        self.credentials(HTTP_AUTHORIZATION=f"Api-Key {credentials.api_key}")

    def post_json(self, path, data, *, key: str | None = "auto", **extra):
        if key == "auto":
            key = str(uuid.uuid4())
        if key is not None:
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        return self.post(path, data, format="json", **extra)


@pytest.fixture
def service(db):
    """The API client 'shop', calling the API with its key."""
    return ServiceClient(api_client_create(name="shop", callback_url="http://127.0.0.1:9/cb/"))


@pytest.fixture
def other_service(db):
    return ServiceClient(api_client_create(name="other-shop"))


@pytest.fixture
def stripe_sdk(stripe_emulator):
    """The real SDK pointed at the emulator, for checking what Stripe holds."""
    from payments.testing.pytest_plugin import EMULATOR_API_KEY

    return stripe.StripeClient(
        EMULATOR_API_KEY, base_addresses={"api": stripe_emulator.url}, max_network_retries=0
    )


def checkout_body(**overrides):
    body = {
        "payable_type": "booking",
        "payable_id": "bk_42",
        "amount": 2500,
        "currency": "gbp",
        "description": "Deposit for a haircut",
        "customer": {"email": "ada@example.com", "name": "Ada Lovelace", "phone": "+441234567"},
        "success_url": "https://shop.example.com/paid?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://shop.example.com/cancelled",
        "metadata": {"order_ref": "A-1"},
    }
    body.update(overrides)
    return body
