"""A host project's own test of its payments integration, against the Stripe emulator.

The README shows this file as its example ("Test your integration"); a test keeps the two equal.
"""

import pytest
import requests

from payments.services.clients import api_client_create
from payments.testing.tasks import run_queued_tasks


@pytest.mark.django_db(transaction=True)
def test_a_checkout_payment_succeeds(client, live_server, stripe_emulator):
    # The emulator delivers its signed webhooks to this test's server, as Stripe would.
    stripe_emulator.webhook_url = f"{live_server.url}/api/payments/webhook/stripe/"
    key = api_client_create(name="shop").api_key
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {key}", "HTTP_IDEMPOTENCY_KEY": "order-1"}

    created = client.post(
        "/api/payments/checkout/",
        {
            "payable_type": "order",
            "payable_id": "1",
            "amount": 2500,
            "currency": "gbp",
            "customer": {"email": "ada@example.com"},
            "success_url": "https://shop.example/paid",
            "cancel_url": "https://shop.example/",
        },
        content_type="application/json",
        **auth,
    ).json()
    stripe_id = created["stripe_checkout_session_id"]
    # What the customer does on the hosted page (a test card that succeeds):
    requests.post(
        f"{stripe_emulator.url}/_emulator/checkout/sessions/{stripe_id}/pay",
        data={"payment_method": "pm_card_visa"},
        timeout=10,
    ).raise_for_status()
    assert stripe_emulator.wait_for_webhooks()
    run_queued_tasks()  # what `manage.py db_worker` does

    status = client.get(f"/api/payments/sessions/{created['id']}/", **auth).json()
    assert status["status"] == "succeeded"
