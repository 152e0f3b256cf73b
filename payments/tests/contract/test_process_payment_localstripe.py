"""process-payment end to end against localstripe, a public fake Stripe server.

localstripe is a development requirement; `localstripe_url` (contract/conftest.py) starts it
on a free port, or uses LOCALSTRIPE_URL. The same flows run on the emulator in
test_process_payment.py. Differences: docs/stripe-fidelity.md.
"""

import uuid

import pytest
import stripe

from payments.models import PaymentSession
from payments.tests.contract.backends import LOCALSTRIPE_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_localstripe(localstripe_url, settings):
    settings.PAYMENTS = {
        **settings.PAYMENTS,
        "STRIPE_SECRET_KEY": LOCALSTRIPE_KEY,
        "STRIPE_API_BASE": localstripe_url,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }
    return stripe.StripeClient(LOCALSTRIPE_KEY, base_addresses={"api": localstripe_url})


def new_card(client, number: str) -> str:
    """What Stripe.js does in the browser: a PaymentMethod for a card number."""
    payment_method = client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034,
                                         "cvc": "123"}}
    )  # fmt: skip
    return payment_method.id


def process_payment(person, payment_method: str):
    body = {"payable_type": "lesson", "payable_id": "lesson_1", "amount": 2500,
            "currency": "gbp", "payment_method": payment_method}  # fmt: skip
    return person.post(
        "/api/payments/process-payment/",
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )


def test_process_payment_succeeds_on_localstripe(student, on_localstripe):
    response = process_payment(student, new_card(on_localstripe, "4242424242424242"))

    assert response.status_code == 201, response.content
    session = PaymentSession.objects.get(pk=response.json()["id"])
    assert session.status == "succeeded"
    intent = on_localstripe.v1.payment_intents.retrieve(session.stripe_payment_intent_id)
    assert (intent.status, intent.amount) == ("succeeded", 2500)


def test_a_declined_card_is_402_on_localstripe(student, on_localstripe):
    # localstripe declines 4000000000000002 only when it is saved; this one when charged.
    response = process_payment(student, new_card(on_localstripe, "4000000000000341"))

    assert response.status_code == 402, response.content
    session = PaymentSession.objects.get(pk=response.json()["error"]["session_id"])
    assert session.status == "failed"


def test_three_d_secure_is_requires_action_on_localstripe(student, on_localstripe):
    response = process_payment(student, new_card(on_localstripe, "4000002760003184"))

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "requires_action"
    assert response.json()["client_secret"]
