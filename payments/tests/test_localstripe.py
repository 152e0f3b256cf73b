"""process-payment against localstripe, a public fake Stripe server, when it is installed.

localstripe is not a requirement of this project (`pip install localstripe` to run these);
without it, or when it does not come up, the tests skip and say why. Set LOCALSTRIPE_URL to
use one that is already running. Differences from Stripe and from our emulator: README.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import time
import uuid

import pytest
import stripe

from payments.models import PaymentSession

LOCALSTRIPE = shutil.which("localstripe")
STARTUP_SECONDS = 20
API_KEY = "sk_test_localstripe"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        LOCALSTRIPE is None and not os.environ.get("LOCALSTRIPE_URL"),
        reason="localstripe is not installed (pip install localstripe) and LOCALSTRIPE_URL is "
        "not set; it is optional and not in requirements",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def localstripe_url():
    if os.environ.get("LOCALSTRIPE_URL"):
        yield os.environ["LOCALSTRIPE_URL"].rstrip("/")
        return
    port = _free_port()
    process = subprocess.Popen(
        [LOCALSTRIPE, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while not _reachable(port):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.skip(f"localstripe did not start on port {port} in {STARTUP_SECONDS}s")
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)  # a bounded wait for the port, not a sleep
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def on_localstripe(localstripe_url, settings):
    settings.PAYMENTS = {
        **settings.PAYMENTS,
        "STRIPE_SECRET_KEY": API_KEY,
        "STRIPE_API_BASE": localstripe_url,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }
    return stripe.StripeClient(API_KEY, base_addresses={"api": localstripe_url})


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
