"""A 5xx that Stripe keeps under a row's idempotency key does not block the row for a day.

Stripe replays a stored 500 to every retry with the same key for 24 hours. After one, the
refund and payment-start services look the object up by its metadata and, when Stripe made
nothing, send again under the row's next key; when Stripe made it after all, they use it.
"""

import uuid

import pytest

from payments import exceptions as exc
from payments.models import PaymentSession, Refund
from payments.services.refunds import refund_create
from payments.tests.fixtures import checkout_body

pytestmark = pytest.mark.django_db
ACTOR = "client:shop"


def _refund(session, amount, refund_id):
    return refund_create(
        session_id=session.pk,
        amount=amount,
        reason="requested_by_customer",
        requested_by=ACTOR,
        refund_id=refund_id,
    )


def _stripe_refunds(stripe_sdk, session) -> list:
    params = {"payment_intent": session.stripe_payment_intent_id}
    return stripe_sdk.v1.refunds.list(params=params).data


def test_a_refund_after_a_stored_500_goes_again_under_the_next_key(
    shop, stripe_emulator, stripe_sdk
):
    session = shop.paid_session()
    stripe_emulator.error_next("POST", "/v1/refunds", status=500)
    refund_id = uuid.uuid4()

    refund = _refund(session, 1000, refund_id)

    assert (refund.pk, refund.status) == (refund_id, "succeeded")
    (at_stripe,) = _stripe_refunds(stripe_sdk, session)
    assert refund.stripe_refund_id == at_stripe.id
    assert at_stripe.metadata["payments_refund_id"] == str(refund_id)
    session.refresh_from_db()
    assert session.amount_refunded == 1000


def test_a_refund_made_by_a_later_key_is_found_not_made_twice(shop, stripe_emulator, stripe_sdk):
    """Key 0 holds a 500; key 1 made the refund but its answer was lost. The retry replays
    key 0's 500, finds the refund by its metadata and does not send key 1 or 2 again."""
    session = shop.paid_session()
    stripe_emulator.error_next("POST", "/v1/refunds", status=500)
    stripe_emulator.drop_next("POST", "/v1/refunds")
    refund_id = uuid.uuid4()

    with pytest.raises(exc.ProviderUnavailable):
        _refund(session, 1000, refund_id)
    assert Refund.objects.get().status == "pending"
    (made,) = _stripe_refunds(stripe_sdk, session)

    refund = _refund(session, 1000, refund_id)

    assert (refund.status, refund.stripe_refund_id) == ("succeeded", made.id)
    assert len(_stripe_refunds(stripe_sdk, session)) == 1


def test_stored_500s_on_every_key_leave_the_refund_pending(shop, stripe_emulator, stripe_sdk):
    session = shop.paid_session()
    stripe_emulator.error_next("POST", "/v1/refunds", status=500, count=3)

    with pytest.raises(exc.ProviderUnavailable):
        _refund(session, 1000, uuid.uuid4())

    assert Refund.objects.get().status == "pending"
    assert _stripe_refunds(stripe_sdk, session) == []


def test_a_checkout_start_after_a_stored_500_answers_201(service, stripe_emulator, stripe_sdk):
    stripe_emulator.error_next("POST", "/v1/checkout/sessions", status=500)

    response = service.post_json("/api/payments/checkout/", checkout_body())

    assert response.status_code == 201, response.content
    data = response.json()
    listed = stripe_sdk.v1.checkout.sessions.list(params={"limit": 100}).data
    assert [cs.id for cs in listed] == [data["stripe_checkout_session_id"]]
    assert listed[0].metadata["payments_session_id"] == data["id"]


def test_a_payment_intent_made_despite_a_500_is_found_by_the_retry(
    service, stripe_emulator, stripe_sdk
):
    """Key 0 holds a 500, key 1 made the PaymentIntent and its answer was lost: the
    client's retry links that PaymentIntent instead of leaving it an orphan."""
    body = checkout_body()
    del body["success_url"], body["cancel_url"]
    stripe_emulator.error_next("POST", "/v1/payment_intents", status=500)
    stripe_emulator.drop_next("POST", "/v1/payment_intents")
    url = "/api/payments/payment-intents/"

    first = service.post_json(url, body, key="start-1")
    assert first.status_code == 503, first.content
    retry = service.post_json(url, body, key="start-1")

    assert retry.status_code == 201, retry.content
    (intent,) = stripe_sdk.v1.payment_intents.list(params={"limit": 100}).data
    assert retry.json()["stripe_payment_intent_id"] == intent.id
    assert intent.metadata["payments_session_id"] == retry.json()["id"]
    assert PaymentSession.objects.count() == 1
