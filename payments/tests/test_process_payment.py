"""POST /api/payments/process-payment/: backend charges of a signed-in person's card."""

import pytest

from payments.models import PaymentSession
from payments.models.logs import LogEvent
from payments.models.sessions import Flow
from payments.tests.people_support import payment_body
from payments.tests.webhook_support import emulator_control

pytestmark = pytest.mark.django_db
URL = "/api/payments/process-payment/"
CARDS = "/api/payments/payment-methods/"


def test_a_new_card_is_charged_and_the_payment_succeeds(student, stripe_emulator, stripe_sdk):
    response = student.post_json(URL, payment_body())

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["flow"], data["amount"], data["role"]) == (
        "succeeded",
        "backend",
        5000,
        "payer",
    )
    session = PaymentSession.objects.get(pk=data["id"])
    assert session.customer.user == student.user and session.flow == Flow.BACKEND
    assert session.paid_at is not None
    intent = stripe_sdk.v1.payment_intents.retrieve(session.stripe_payment_intent_id)
    assert (intent.status, intent.amount, intent.customer) == (
        "succeeded",
        5000,
        session.customer.stripe_customer_id,
    )
    assert intent.metadata["payments_session_id"] == str(session.pk)


def test_save_card_keeps_the_new_card_for_next_time(student, stripe_emulator):
    student.post_json(URL, payment_body(save_card=True))
    cards = student.get(CARDS).json()
    assert [(c["brand"], c["last4"]) for c in cards] == [("visa", "4242")]


def test_a_saved_card_is_charged(student, stripe_emulator, stripe_sdk):
    card = student.post_json(CARDS, {"payment_method": "pm_card_mastercard"}).json()
    body = payment_body(payment_method="", saved_payment_method_id=card["id"])

    response = student.post_json(URL, body)

    assert response.status_code == 201, response.content
    session = PaymentSession.objects.get(pk=response.json()["id"])
    intent = stripe_sdk.v1.payment_intents.retrieve(session.stripe_payment_intent_id)
    assert (intent.status, intent.payment_method) == ("succeeded", card["id"])


def test_a_declined_card_is_402_and_the_payment_is_recorded_failed(student, stripe_emulator):
    response = student.post_json(
        URL, payment_body(payment_method="pm_card_visa_chargeDeclinedInsufficientFunds")
    )

    assert response.status_code == 402, response.content
    error = response.json()["error"]
    assert (error["code"], error["decline_code"]) == ("card_declined", "insufficient_funds")
    session = PaymentSession.objects.get(pk=error["session_id"])
    assert session.status == "failed"
    assert (session.failure_code, session.failure_decline_code) == (
        "card_declined",
        "insufficient_funds",
    )
    assert "insufficient funds" in session.failure_message
    assert session.logs.filter(event_type=LogEvent.INTENT_FAILED).exists()


def test_a_saved_card_that_fails_when_charged(student, stripe_emulator):
    card = student.post_json(CARDS, {"payment_method": "pm_card_chargeCustomerFail"}).json()
    body = payment_body(payment_method="", saved_payment_method_id=card["id"])

    response = student.post_json(URL, body)

    assert response.status_code == 402
    assert response.json()["error"]["decline_code"] == "generic_decline"


def test_three_d_secure_answers_200_requires_action_with_the_client_secret(
    student, stripe_emulator, shop
):
    response = student.post_json(URL, payment_body(payment_method="pm_card_authenticationRequired"))

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "requires_action"
    session = PaymentSession.objects.get(pk=data["id"])
    assert data["client_secret"] == session.client_secret
    assert data["client_secret"].startswith(session.stripe_payment_intent_id + "_secret_")
    assert session.status == "pending"

    # The person passes 3-D Secure in the browser; Stripe's webhooks finish the payment.
    shop.new_events()
    emulator_control(
        stripe_emulator, f"payment_intents/{session.stripe_payment_intent_id}/authenticate"
    )
    shop.deliver_new_events()
    session.refresh_from_db()
    assert session.status == "succeeded"


def test_replay_returns_the_first_answer_and_charges_once(student, stripe_emulator, stripe_sdk):
    first = student.post_json(URL, payment_body(), key="lesson-7-payment")
    again = student.post_json(URL, payment_body(), key="lesson-7-payment")
    declined = student.post_json(
        URL, payment_body(payment_method="pm_card_visa_chargeDeclined"), key="declined-1"
    )
    declined_again = student.post_json(
        URL, payment_body(payment_method="pm_card_visa_chargeDeclined"), key="declined-1"
    )

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert declined_again.status_code == 402 and declined_again.content == declined.content
    assert PaymentSession.objects.count() == 2
    assert len(stripe_sdk.v1.payment_intents.list().data) == 2


def test_the_same_key_with_another_body_is_422(student, stripe_emulator):
    student.post_json(URL, payment_body(), key="k1")
    response = student.post_json(URL, payment_body(amount=6000), key="k1")
    assert response.status_code == 422


def test_idempotency_key_is_required(student, stripe_emulator):
    response = student.post_json(URL, payment_body(), key=None)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"


def test_stripe_down_then_retry_charges_once(student, stripe_emulator, stripe_sdk):
    stripe_emulator.unreachable_next(path="/v1/payment_intents")
    down = student.post_json(URL, payment_body(), key="retry-me")
    assert down.status_code == 503
    session = PaymentSession.objects.get()
    assert session.status == "created"

    retry = student.post_json(URL, payment_body(), key="retry-me")

    assert retry.status_code == 201 and retry.json()["id"] == str(session.pk)
    assert len(stripe_sdk.v1.payment_intents.list().data) == 1


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (payment_body(payment_method=""), "payment_method"),
        (payment_body(saved_payment_method_id="pm_x"), "payment_method"),
        (payment_body(amount=10), "amount"),
        (payment_body(amount="50"), "amount"),
        (payment_body(payable_type="Not A Slug"), "payable_type"),
    ],
)
def test_bad_requests_name_the_field(student, stripe_emulator, body, param):
    response = student.post_json(URL, body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
    assert not PaymentSession.objects.exists()


def test_another_persons_saved_card_cannot_be_used(student, other_student, stripe_emulator):
    card = student.post_json(CARDS, {"payment_method": "pm_card_visa"}).json()

    for body in (
        payment_body(payment_method="", saved_payment_method_id=card["id"]),
        payment_body(payment_method=card["id"]),
    ):
        response = other_student.post_json(URL, body)
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "payment_method_not_found"
    assert not PaymentSession.objects.exists()
