"""Schemathesis over the OpenAPI schema, in-process (WSGI), as an API client and as a person.

Every operation of ``/api/schema/`` is called with generated requests, valid and invalid, with
every Schemathesis check on: no 5xx, every answer's status, headers and body as the schema says,
invalid input refused, valid input accepted. Stripe is the local emulator; bookings is given no
payments URL; nothing else is reached over the network. Reproducible: derandomized, no example
database. Run alone with ``pytest payments/tests/test_schema_fuzz.py``.
"""

from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from payments.conf import DEFAULTS
from payments.services.clients import api_client_create
from payments.tests.people_support import make_person

POSITIVE_DATA_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]


def _accepts(operation_id: str, *statuses: str) -> dict:
    return {
        "include-operation-id": operation_id,
        "checks": {
            "positive_data_acceptance": {"expected-statuses": [*POSITIVE_DATA_ACCEPTED, *statuses]}
        },
    }


CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all"},
        "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_DATA_ACCEPTED}},
        # Schema-valid requests that state the schema cannot express refuses, each documented
        # on its operation: Stripe's minimum for the chosen currency, an unknown payee, saved
        # card or payment method, a declined card (402), a refund of more than is left, a
        # bookable service (or one with a membership) that does not exist, a callback's
        # signature, a whitespace-only username, a subscription's Stripe price or test clock
        # that does not exist, its two price forms mixed or a flow without its URLs; and 422
        # when the generator sends an Idempotency-Key it already used with another body
        # (idempotency_key_reused).
        "operations": [
            _accepts("checkout_create", "400", "422"),
            _accepts("payment_intent_create", "400", "422"),
            _accepts("process_payment", "400", "402", "422"),
            _accepts("payment_method_attach", "400", "402", "422"),
            _accepts("session_refund_create", "400", "422"),
            _accepts("subscription_create", "400", "422"),
            _accepts("subscription_cancel", "422"),
            _accepts("subscription_resume", "422"),
            _accepts("subscription_portal", "422"),
            _accepts("connect_account_create", "400"),
            _accepts("booking_create", "400"),
            _accepts("membership_create", "400"),
            _accepts("booking_payment_callback", "400"),
            _accepts("auth_token_create", "400"),
            _accepts("payments_auth_token_create", "400"),
        ],
    }
)

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)

FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def fuzz_world(stripe_emulator, settings):
    """The emulator as Stripe; bookings has no payments URL, so it never leaves the process.

    Throttles are off: the fuzzer sends thousands of requests, many with wrong credentials on
    purpose, and an address locked out after 20 of them would answer 429 where the checks
    expect 401 (throttling has its own tests in test_throttling.py)."""
    settings.PAYMENTS_API_URL = ""
    rates = dict.fromkeys(DEFAULTS["THROTTLE_RATES"], None)
    settings.PAYMENTS = {**settings.PAYMENTS, "THROTTLE_RATES": rates}
    return stripe_emulator


@contextmanager
def connection_kept():
    """The WSGI handler closes the database connection after each request, which would end
    the test's transaction: Django's own test client disconnects the same handlers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def refused_cursor(response) -> bool:
    """A list's ``cursor`` is a token the server issued (a page's ``next``/``previous`` link):
    no schema can say which strings are such tokens, so a generated one is schema-valid and
    still refused, with the documented 400 ``invalid_cursor`` (the parameter's description
    says so). Only that answer is excused from positive_data_acceptance; every other check
    (status documented, body in the envelope) still runs on it."""
    if response.status_code != 400:
        return False
    error = response.json().get("error", {})
    return (error.get("code"), error.get("param")) == ("invalid_cursor", "cursor")


def call_and_validate(case, headers: dict) -> None:
    with connection_kept():  # the checks send requests of their own (e.g. without credentials)
        response = case.call(headers=headers)
        excused = [positive_data_acceptance] if refused_cursor(response) else []
        case.validate_response(response, headers=headers, excluded_checks=excused)


@pytest.fixture
def api_key_headers(db, fuzz_world):
    credentials = api_client_create(name="fuzz-shop")
    return {"Authorization": f"Api-Key {credentials.api_key}"}


@pytest.fixture
def jwt_headers(db, fuzz_world):
    person = make_person("fuzz-person")
    return {"Authorization": f"Bearer {person.tokens['access']}"}


@schema.parametrize()
@FUZZ
def test_fuzz_as_api_client(case, api_key_headers):
    call_and_validate(case, api_key_headers)


@schema.parametrize()
@FUZZ
def test_fuzz_as_person(case, jwt_headers):
    call_and_validate(case, jwt_headers)
