"""Schemathesis over the OpenAPI schema, in-process (WSGI), as an API client and as a person.

Every operation of ``/api/schema/`` is called with generated requests, valid and invalid, with
every Schemathesis check on: no 5xx, every answer's status, headers and body as the schema says,
invalid input refused, valid input accepted. Stripe is the local emulator; nothing else is
reached over the network.
"""

from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from payments.services.clients import api_client_create
from payments.tests.people_support import make_person

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.fixture
def fuzz_world(stripe_emulator, settings):
    """The emulator as Stripe; bookings has no payments URL, so it never leaves the process."""
    settings.PAYMENTS_API_URL = ""
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
    with connection_kept():
        case.call_and_validate(headers=api_key_headers)


@schema.parametrize()
@FUZZ
def test_fuzz_as_person(case, jwt_headers):
    with connection_kept():
        case.call_and_validate(headers=jwt_headers)
