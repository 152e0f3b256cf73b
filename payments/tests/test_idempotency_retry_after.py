"""A 409 for an Idempotency-Key still held says when to retry: ``Retry-After``, the seconds
left on the holder's lock (rounded up, at least 1), in the answer and in the schema."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from payments.api.idempotency import request_fingerprint
from payments.models import PaymentSession
from payments.services.idempotency import idempotency_key_acquire
from payments.tests.fixtures import checkout_body

pytestmark = pytest.mark.django_db
URL = "/api/payments/checkout/"


def _hold(service, key: str, body: dict) -> None:
    """A request that claimed ``key`` and died without releasing it."""
    idempotency_key_acquire(
        scope=f"client:{service.api_client.pk}",
        key=key,
        method="POST",
        path=URL,
        fingerprint=request_fingerprint(method="POST", path=URL, data=body),
    )


@pytest.mark.parametrize(("elapsed", "expected"), [(0, 60), (20.5, 40), (59.7, 1)])
def test_the_409_says_how_long_the_key_stays_locked(
    service, stripe_emulator, settings, elapsed, expected
):
    settings.PAYMENTS = {**settings.PAYMENTS, "IDEMPOTENCY_LOCK_SECONDS": 60}
    body = checkout_body()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _hold(service, "died-mid-flight", body)
    with time_machine.travel(start + timedelta(seconds=elapsed), tick=False):
        response = service.post_json(URL, body, key="died-mid-flight")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_use"
    assert response["Retry-After"] == str(expected)
    assert not PaymentSession.objects.exists()


def test_retrying_after_the_advertised_seconds_goes_through(service, stripe_emulator, settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "IDEMPOTENCY_LOCK_SECONDS": 60}
    body = checkout_body()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _hold(service, "orphan", body)
    with time_machine.travel(start + timedelta(seconds=30), tick=False) as clock:
        refused = service.post_json(URL, body, key="orphan")
        clock.shift(int(refused["Retry-After"]) + 0.001)
        retried = service.post_json(URL, body, key="orphan")

    assert refused.status_code == 409
    assert retried.status_code == 201, retried.content
    assert PaymentSession.objects.count() == 1


def test_an_error_without_a_wait_carries_no_retry_after(service, stripe_emulator):
    """Only the held key says when to retry: a key reused with another body (422) does not."""
    service.post_json(URL, checkout_body(), key="order-1")
    response = service.post_json(URL, checkout_body(amount=9999), key="order-1")
    assert response.status_code == 422
    assert not response.has_header("Retry-After")


def test_the_schema_documents_retry_after_on_the_idempotent_409s():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    checked = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            parameters = [p.get("name") for p in operation.get("parameters", [])]
            if "Idempotency-Key" not in parameters or not path.startswith("/api/payments/"):
                continue  # (the bookings sample has its own API)
            conflict = operation["responses"]["409"]
            assert "Retry-After" in conflict.get("headers", {}), (method, path)
            assert "Retry-After" in conflict["description"], (method, path)
            checked += 1
    assert checked >= 5
