"""``POST/GET /api/payments/sessions/{id}/refunds/``."""

import uuid

import pytest
from django.contrib.auth import get_user_model

from payments.models import Refund

pytestmark = pytest.mark.django_db


def _url(session) -> str:
    return f"/api/payments/sessions/{session.pk}/refunds/"


def _stripe_refunds(stripe_sdk, session) -> list:
    return stripe_sdk.v1.refunds.list(
        params={"payment_intent": session.stripe_payment_intent_id}
    ).data


def test_owner_refunds_part_and_lists_refunds(shop, service):
    session = shop.paid_session()

    created = service.post_json(_url(session), {"amount": 1000, "reason": "duplicate"})

    assert created.status_code == 201, created.content
    body = created.json()
    refund = Refund.objects.get()
    assert body["id"] == str(refund.pk) and body["session"] == str(session.pk)
    assert (body["amount"], body["amount_display"], body["currency"]) == (1000, "£10.00", "gbp")
    assert (body["status"], body["reason"]) == ("succeeded", "duplicate")
    assert body["stripe_refund_id"].startswith("re_")
    assert body["requested_by"] == "client:shop"

    listed = service.get(_url(session))

    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()] == [body["id"]]
    detail = service.get(f"/api/payments/sessions/{session.pk}/").json()
    assert (detail["status"], detail["amount_refunded"]) == ("partially_refunded", 1000)


def test_amount_defaults_to_the_refundable_remainder(shop, service):
    session = shop.paid_session()
    service.post_json(_url(session), {"amount": 600})

    rest = service.post_json(_url(session), {})

    assert rest.status_code == 201 and rest.json()["amount"] == 1900
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == ("refunded", 2500)


def test_idempotency_key_is_required(shop, service):
    session = shop.paid_session()

    response = service.post_json(_url(session), {"amount": 100}, key=None)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"
    assert not Refund.objects.exists()


def test_retry_with_the_same_key_replays_and_refunds_once(shop, service, stripe_sdk):
    session = shop.paid_session()
    key = str(uuid.uuid4())

    first = service.post_json(_url(session), {"amount": 700}, key=key)
    again = service.post_json(_url(session), {"amount": 700}, key=key)

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(_stripe_refunds(stripe_sdk, session)) == 1
    assert Refund.objects.count() == 1


def test_stripe_down_then_retry_with_the_same_key_completes_once(
    shop, service, stripe_emulator, stripe_sdk
):
    session = shop.paid_session()
    key = str(uuid.uuid4())
    stripe_emulator.unreachable_next("POST", "/v1/refunds")

    down = service.post_json(_url(session), {"amount": 700}, key=key)

    assert down.status_code == 503
    assert down.json()["error"]["code"] == "provider_unavailable"
    pending = Refund.objects.get()
    assert (pending.status, pending.stripe_refund_id) == ("pending", None)

    retried = service.post_json(_url(session), {"amount": 700}, key=key)

    assert retried.status_code == 201, retried.content
    assert retried.json()["id"] == str(pending.pk)
    assert retried.json()["status"] == "succeeded"
    assert len(_stripe_refunds(stripe_sdk, session)) == 1


def test_refund_over_the_remainder_is_a_400(shop, service):
    session = shop.paid_session()

    response = service.post_json(_url(session), {"amount": 2501})

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("refund_exceeds_refundable", "amount")
    assert not Refund.objects.exists()


def test_unpaid_session_is_not_refundable(shop, service):
    session = shop.checkout()

    response = service.post_json(_url(session), {"amount": 100})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_refundable"


@pytest.mark.parametrize("amount", ["100", 0, -5, 10.5, True])
def test_amount_must_be_a_positive_integer(shop, service, amount):
    session = shop.paid_session()

    response = service.post_json(_url(session), {"amount": amount})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "amount"
    assert not Refund.objects.exists()


def test_unknown_reason_is_refused(shop, service):
    session = shop.paid_session()

    response = service.post_json(_url(session), {"amount": 100, "reason": "changed_my_mind"})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "reason"


def test_another_client_gets_404(shop, other_service):
    session = shop.paid_session()

    assert other_service.post_json(_url(session), {"amount": 100}).status_code == 404
    assert other_service.get(_url(session)).status_code == 404
    assert not Refund.objects.exists()


def test_staff_may_refund_any_session(shop, client):
    session = shop.paid_session()
    client.force_login(get_user_model().objects.create_user("ops", is_staff=True))

    response = client.post(
        _url(session),
        {"amount": 500},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )

    assert response.status_code == 201, response.content
    assert response.json()["requested_by"] == "staff:ops"


def test_anonymous_and_non_staff_users_are_refused(shop, client):
    session = shop.paid_session()
    anonymous = client.get(_url(session))
    client.force_login(get_user_model().objects.create_user("pat"))
    user = client.get(_url(session))

    assert anonymous.status_code in (401, 403) and user.status_code == 403


def test_a_refused_refund_leaves_its_idempotency_key_free_for_the_corrected_request(shop, service):
    session = shop.paid_session()

    refused = service.post_json(_url(session), {"amount": 999999}, key="refund-once")
    corrected = service.post_json(_url(session), {"amount": 1000}, key="refund-once")
    replayed = service.post_json(_url(session), {"amount": 1000}, key="refund-once")

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "refund_exceeds_refundable"
    assert corrected.status_code == 201, corrected.content
    assert corrected.json()["amount"] == 1000
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json()["id"] == corrected.json()["id"]
    assert Refund.objects.count() == 1
