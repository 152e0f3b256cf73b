"""``POST checkout/``: starting a Stripe Checkout payment through the API."""

import pytest
import time_machine

from payments.api.idempotency import request_fingerprint
from payments.models import Customer, PaymentLog, PaymentSession
from payments.models.logs import LogEvent
from payments.services.idempotency import idempotency_key_acquire
from payments.tests.fixtures import checkout_body

pytestmark = pytest.mark.django_db
URL = "/api/payments/checkout/"


def test_checkout_creates_session_and_stripe_checkout(service, stripe_emulator, stripe_sdk):
    response = service.post_json(URL, checkout_body())

    assert response.status_code == 201, response.content
    data = response.json()
    session = PaymentSession.objects.get(pk=data["id"])
    assert data["status"] == "pending" == session.status
    assert data["amount"] == 2500 and data["currency"] == "gbp"
    assert data["amount_display"] == "£25.00"
    assert data["payable_type"] == "booking" and data["payable_id"] == "bk_42"
    assert data["customer"] == {
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "phone": "+441234567",
    }
    assert data["checkout_url"].startswith(stripe_emulator.url)
    assert data["expires_at"] and data["created_at"]
    assert session.api_client == service.api_client

    stripe_session = stripe_sdk.v1.checkout.sessions.retrieve(data["stripe_checkout_session_id"])
    assert stripe_session.amount_total == 2500
    assert stripe_session.client_reference_id == data["id"]
    assert stripe_session.metadata["payments_session_id"] == data["id"]
    assert stripe_session.metadata["order_ref"] == "A-1"
    assert stripe_session.customer == Customer.objects.get().stripe_customer_id
    assert stripe_session.url == data["checkout_url"]


def test_checkout_logs_each_step_with_stripe_request_id(service, stripe_emulator):
    data = service.post_json(URL, checkout_body()).json()

    logs = PaymentLog.objects.filter(session_id=data["id"])
    kinds = list(logs.values_list("event_type", flat=True))
    assert kinds == [LogEvent.SESSION_CREATED, LogEvent.CHECKOUT_CREATED, LogEvent.STATUS_CHANGED]
    created = logs.get(event_type=LogEvent.CHECKOUT_CREATED)
    assert created.stripe_request_id.startswith("req_")
    assert created.payload["id"] == data["stripe_checkout_session_id"]


def test_customer_is_reused_by_email(service, stripe_emulator):
    service.post_json(URL, checkout_body())
    service.post_json(URL, checkout_body(customer={"email": "ADA@example.com"}, payable_id="bk_2"))

    assert Customer.objects.count() == 1
    assert PaymentSession.objects.filter(customer=Customer.objects.get()).count() == 2


def test_currency_defaults_to_default_currency(service, stripe_emulator, settings):
    body = checkout_body()
    del body["currency"]
    response = service.post_json(URL, body)
    assert response.status_code == 201
    assert response.json()["currency"] == "gbp"


def test_zero_decimal_currency_amount_is_minor_units(service, stripe_emulator, stripe_sdk):
    response = service.post_json(URL, checkout_body(amount=2500, currency="jpy"))
    assert response.status_code == 201
    assert response.json()["amount_display"] == "¥2,500"
    cs = stripe_sdk.v1.checkout.sessions.retrieve(response.json()["stripe_checkout_session_id"])
    assert (cs.amount_total, cs.currency) == (2500, "jpy")


def test_payment_intent_endpoint_returns_client_secret(service, stripe_emulator, stripe_sdk):
    body = checkout_body()
    del body["success_url"], body["cancel_url"]

    response = service.post_json("/api/payments/payment-intents/", body)

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "pending"
    assert data["flow"] == "payment_intent"
    assert data["client_secret"].startswith(data["stripe_payment_intent_id"] + "_secret_")
    intent = stripe_sdk.v1.payment_intents.retrieve(data["stripe_payment_intent_id"])
    assert intent.amount == 2500
    assert intent.metadata["payments_session_id"] == data["id"]
    assert "client_secret" not in service.get(f"/api/payments/sessions/{data['id']}/").json()


# -- idempotency ---------------------------------------------------------------------------------


def test_missing_idempotency_key_is_400_and_creates_nothing(service, stripe_emulator):
    response = service.post_json(URL, checkout_body(), key=None)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"
    assert response.json()["error"]["param"] == "Idempotency-Key"
    assert not PaymentSession.objects.exists()


def test_overlong_idempotency_key_is_refused(service, stripe_emulator):
    response = service.post_json(URL, checkout_body(), key="k" * 256)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_invalid"


def test_replay_returns_the_first_response_byte_for_byte(service, stripe_emulator, stripe_sdk):
    first = service.post_json(URL, checkout_body(), key="order-1")
    again = service.post_json(URL, checkout_body(), key="order-1")

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert PaymentSession.objects.count() == 1
    assert len(stripe_sdk.v1.checkout.sessions.list().data) == 1


def test_body_field_idempotency_key_is_accepted(service, stripe_emulator):
    first = service.post_json(URL, checkout_body(idempotency_key="legacy-1"), key=None)
    again = service.post_json(URL, checkout_body(idempotency_key="legacy-1"), key=None)
    assert first.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert PaymentSession.objects.count() == 1


def test_same_key_with_another_body_is_422(service, stripe_emulator):
    service.post_json(URL, checkout_body(), key="order-1")
    response = service.post_json(URL, checkout_body(amount=9999), key="order-1")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert PaymentSession.objects.count() == 1


def test_same_key_while_first_request_runs_is_409(service, stripe_emulator):
    """Another request holds the key (claimed, not finished) when this one arrives."""
    body = checkout_body()
    idempotency_key_acquire(
        scope=f"client:{service.api_client.pk}",
        key="busy",
        method="POST",
        path=URL,
        fingerprint=request_fingerprint(method="POST", path=URL, data=body),
    )

    response = service.post_json(URL, body, key="busy")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_use"
    assert not PaymentSession.objects.exists()


def test_a_key_held_by_a_dead_request_is_taken_over_after_the_lock_timeout(
    service, stripe_emulator
):
    body = checkout_body()
    with time_machine.travel("2026-01-01 12:00:00+00:00", tick=False) as clock:
        idempotency_key_acquire(
            scope=f"client:{service.api_client.pk}",
            key="orphan",
            method="POST",
            path=URL,
            fingerprint=request_fingerprint(method="POST", path=URL, data=body),
        )
        clock.shift(61)
        response = service.post_json(URL, body, key="orphan")

    assert response.status_code == 201


def test_keys_are_scoped_to_the_api_client(service, other_service, stripe_emulator):
    a = service.post_json(URL, checkout_body(), key="same-key")
    b = other_service.post_json(URL, checkout_body(), key="same-key")

    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_validation_error_is_not_stored_so_the_key_can_be_retried(service, stripe_emulator):
    bad = service.post_json(URL, checkout_body(amount=-1), key="fix-me")
    good = service.post_json(URL, checkout_body(), key="fix-me")

    assert bad.status_code == 400
    assert good.status_code == 201
    assert not good.has_header("Idempotent-Replayed")


def test_stripe_down_then_retry_completes_the_same_session(service, stripe_emulator, stripe_sdk):
    stripe_emulator.unreachable_next(method="POST", path="/v1/checkout/sessions", count=1)

    down = service.post_json(URL, checkout_body(), key="retry-me")

    assert down.status_code == 503
    assert down.json()["error"]["code"] == "provider_unavailable"
    session = PaymentSession.objects.get()
    assert session.status == "created"
    assert PaymentLog.objects.filter(session=session, event_type=LogEvent.ERROR).exists()

    up = service.post_json(URL, checkout_body(), key="retry-me")

    assert up.status_code == 201
    assert up.json()["id"] == str(session.pk)
    assert up.json()["status"] == "pending"
    assert PaymentSession.objects.count() == 1
    assert len(stripe_sdk.v1.checkout.sessions.list().data) == 1


def test_crash_after_stripe_created_the_session_cannot_create_a_second(
    service, stripe_emulator, stripe_sdk
):
    """Stripe did the work but the answer was lost: the retry gets the same Checkout Session."""
    stripe_emulator.drop_next(method="POST", path="/v1/checkout/sessions", count=1)

    lost = service.post_json(URL, checkout_body(), key="lost-answer")
    assert lost.status_code == 503
    retried = service.post_json(URL, checkout_body(), key="lost-answer")

    assert retried.status_code == 201
    stripe_sessions = stripe_sdk.v1.checkout.sessions.list().data
    assert [s.id for s in stripe_sessions] == [retried.json()["stripe_checkout_session_id"]]
    assert PaymentSession.objects.count() == 1


# -- authentication and isolation -----------------------------------------------------------------


def test_requests_without_api_key_are_refused(client, stripe_emulator):
    response = client.post(URL, checkout_body(), content_type="application/json")
    assert response.status_code in (401, 403)
    assert "error" in response.json()


def test_wrong_api_key_is_401(service, stripe_emulator):
    service.credentials(HTTP_AUTHORIZATION="Api-Key nope.nope")
    response = service.post_json(URL, checkout_body())
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


def test_client_cannot_see_another_clients_session(service, other_service, stripe_emulator):
    session_id = service.post_json(URL, checkout_body()).json()["id"]

    assert other_service.get(f"/api/payments/sessions/{session_id}/").status_code == 404
    assert other_service.get(f"/api/payments/status/{session_id}/").status_code == 404
    assert other_service.get("/api/payments/sessions/").json()["results"] == []
    assert service.get(f"/api/payments/sessions/{session_id}/").status_code == 200


def test_payable_type_restriction(stripe_emulator, db):
    from payments.services.clients import api_client_create
    from payments.tests.fixtures import ServiceClient

    restricted = ServiceClient(api_client_create(name="r", allowed_payable_types=["invoice"]))
    response = restricted.post_json(URL, checkout_body(payable_type="booking"))
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "payable_type"
