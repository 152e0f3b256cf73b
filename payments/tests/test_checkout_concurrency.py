"""Fifty identical requests with one Idempotency-Key, at once, on PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from payments.models import PaymentSession
from payments.tests.fixtures import ServiceClient, checkout_body

URL = "/api/payments/checkout/"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_identical_requests_make_one_session(service, stripe_emulator, stripe_sdk):
    credentials = type("Creds", (), {"client": service.api_client, "api_key": service.api_key})
    threads = 50
    barrier = threading.Barrier(threads)

    def send(_):
        client = ServiceClient(credentials)
        barrier.wait(timeout=30)
        try:
            response = client.post_json(URL, checkout_body(), key="one-key-for-all")
            return response.status_code, response.content
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(send, range(threads)))

    codes = [code for code, _ in results]
    assert set(codes) <= {201, 409}, codes
    assert 201 in codes
    created_bodies = {body for code, body in results if code == 201}
    assert len(created_bodies) == 1, "every 201 must be the same response"
    assert PaymentSession.objects.count() == 1
    assert len(stripe_sdk.v1.checkout.sessions.list().data) == 1
