"""Fifty identical requests with one Idempotency-Key, at once, on PostgreSQL."""

import pytest

from payments.models import PaymentSession
from payments.tests.concurrency import run_together
from payments.tests.fixtures import ServiceClient, checkout_body

URL = "/api/payments/checkout/"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_identical_requests_make_one_session(service, stripe_emulator, stripe_sdk):
    credentials = type("Creds", (), {"client": service.api_client, "api_key": service.api_key})
    clients = [ServiceClient(credentials) for _ in range(50)]

    def send(client):
        response = client.post_json(URL, checkout_body(), key="one-key-for-all")
        return response.status_code, response.content

    results = run_together(send, clients)

    codes = [code for code, _ in results]
    assert set(codes) <= {201, 409}, codes
    assert 201 in codes
    created_bodies = {body for code, body in results if code == 201}
    assert len(created_bodies) == 1, "every 201 must be the same response"
    assert PaymentSession.objects.count() == 1
    assert len(stripe_sdk.v1.checkout.sessions.list().data) == 1
