"""Correctly signed deliveries whose fields cannot be stored: 400, kept for staff, no event."""

import pytest

from payments.models import PaymentLog, PaymentSession, WebhookEvent
from payments.models.logs import LogEvent
from payments.states import PaymentStatus
from payments.tests.webhook_support import URL, session, succeeded

pytestmark = pytest.mark.django_db
__all__ = ["session", "succeeded"]  # fixtures


def _malform(succeeded, change):
    if change == "created-text":
        succeeded["created"] = "yesterday"
    elif change == "created-year-10000":
        succeeded["created"] = 253_402_300_800
    elif change == "created-negative":
        succeeded["created"] = -1
    elif change == "long-id":
        succeeded["id"] = "evt_" + "x" * 300
    elif change == "long-object-id":
        succeeded["data"]["object"]["id"] = "pi_" + "x" * 300
    elif change == "nul-in-metadata":
        succeeded["data"]["object"]["metadata"] = {"note": "a\u0000b"}
    elif change == "surrogate-key":
        succeeded["data"]["object"]["metadata"] = {"\ud800": "x"}
    elif change == "type-not-text":
        succeeded["type"] = ["payment_intent.succeeded"]
    return succeeded


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ("created-text", "created"),
        ("created-year-10000", "created"),
        ("created-negative", "created"),
        ("long-id", "id"),
        ("long-object-id", "data.object.id"),
        ("nul-in-metadata", "data.object.metadata.note"),
        ("surrogate-key", "data.object.metadata"),
        ("type-not-text", "type"),
    ],
)
def test_a_signed_malformed_event_is_400_and_recorded_as_rejected(
    webhooks, session, succeeded, change, param
):
    response = webhooks.post(_malform(succeeded, change))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_payload"
    assert param in error["message"]
    assert WebhookEvent.objects.count() == 0
    rejected = PaymentLog.objects.get()
    assert (rejected.event_type, rejected.actor, rejected.session) == (
        LogEvent.ERROR,
        "stripe:rejected",
        None,
    )
    assert param in rejected.error_message
    assert rejected.payload["body_bytes"] > 0 and rejected.payload["body_excerpt"]
    assert PaymentSession.objects.get().status == PaymentStatus.PENDING


def test_the_same_event_well_formed_is_applied(webhooks, session, succeeded):
    assert webhooks.post(succeeded).status_code == 200
    session.refresh_from_db()
    assert session.status == PaymentStatus.SUCCEEDED


def test_deep_nesting_is_refused_before_the_body_is_parsed(webhooks):
    response = webhooks.client.post(
        URL, data=b"[" * 100_000, content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_payload"
    assert WebhookEvent.objects.count() == PaymentLog.objects.count() == 0


def test_other_methods_get_405_in_the_envelope(webhooks):
    response = webhooks.client.get(URL)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_webhook_is_never_throttled(webhooks, session, succeeded, settings):
    settings.PAYMENTS = {
        **settings.PAYMENTS,
        "THROTTLE_RATES": {"anon": "1/min", "auth_failure": "1/min"},
    }
    responses = [webhooks.post(succeeded) for _ in range(5)]
    unsigned = [webhooks.post(succeeded, secret="whsec_wrong") for _ in range(5)]

    assert [r.status_code for r in responses] == [200] * 5
    assert [r.status_code for r in unsigned] == [400] * 5
