"""The three ways a call to Stripe fails, told apart; idempotency keys last 24 hours; Stripe's
error types only."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
import requests
import stripe
import time_machine

import stripe_emulator as emulator_package
from payments.tests.emulator.support import session_params

STRIPE_ERROR_TYPES = {"api_error", "card_error", "idempotency_error", "invalid_request_error"}
KEY = {"idempotency_key": "booking-7-session"}


def test_a_stored_500_is_replayed_under_the_same_key_and_nothing_ran(client, emu):
    emu.error_next(path="/v1/checkout/sessions")

    with pytest.raises(stripe.APIError) as first:
        client.v1.checkout.sessions.create(params=session_params(), options=KEY)
    with pytest.raises(stripe.APIError) as again:
        client.v1.checkout.sessions.create(params=session_params(), options=KEY)

    assert first.value.http_status == again.value.http_status == 500
    assert again.value.headers.get("Idempotent-Replayed") == "true"
    assert emu.store.all("checkout.session") == []
    # A new key is a new request, and it runs.
    assert client.v1.checkout.sessions.create(params=session_params()).status == "open"


def test_a_request_that_never_reached_stripe_ran_nothing_and_stored_nothing(client, emu):
    emu.unreachable_next(path="/v1/checkout/sessions")

    with pytest.raises(stripe.APIConnectionError):
        client.v1.checkout.sessions.create(params=session_params(), options=KEY)
    assert emu.store.all("checkout.session") == []

    retried = client.v1.checkout.sessions.create(params=session_params(), options=KEY)
    assert retried.last_response.headers.get("Idempotent-Replayed") is None
    assert [s["id"] for s in emu.store.all("checkout.session")] == [retried.id]


def test_a_lost_answer_ran_once_and_the_retry_replays_it(client, emu):
    emu.drop_next(path="/v1/checkout/sessions")

    with pytest.raises(stripe.APIConnectionError):
        client.v1.checkout.sessions.create(params=session_params(), options=KEY)
    (made,) = emu.store.all("checkout.session")

    retried = client.v1.checkout.sessions.create(params=session_params(), options=KEY)
    assert retried.id == made["id"]
    assert retried.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(emu.store.all("checkout.session")) == 1


def test_faults_can_be_planned_over_http(client, emu):
    plan = {"kind": "error", "path": "/v1/customers", "status": 502}
    response = requests.post(f"{emu.url}/_emulator/faults", data=plan, timeout=10)
    assert response.status_code == 200, response.text
    with pytest.raises(stripe.APIError) as raised:
        client.v1.customers.create(params={"email": "a@example.com"})
    assert raised.value.http_status == 502
    refused = requests.post(f"{emu.url}/_emulator/faults", data={**plan, "kind": "x"}, timeout=10)
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "kind"


def test_an_idempotency_key_expires_after_24_hours(client, emu):
    start = dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        first = client.v1.customers.create(params={"email": "a@example.com"}, options=KEY)
        traveller.shift(dt.timedelta(hours=23, minutes=59))
        replayed = client.v1.customers.create(params={"email": "a@example.com"}, options=KEY)
        assert replayed.id == first.id
        with pytest.raises(stripe.IdempotencyError):
            client.v1.customers.create(params={"email": "b@example.com"}, options=KEY)

        traveller.shift(dt.timedelta(minutes=1))
        reused = client.v1.customers.create(params={"email": "b@example.com"}, options=KEY)

    assert reused.id != first.id and reused.email == "b@example.com"
    assert len(emu.store.all("customer")) == 2


@pytest.mark.parametrize("status", [429, 500, 503])
def test_injected_errors_use_only_stripes_error_types(client, emu, status):
    emu.fail_next(method="GET", path="/v1/customers", status=status)
    with pytest.raises(stripe.StripeError) as raised:
        client.v1.customers.list()
    body = raised.value.json_body["error"]
    assert body["type"] in STRIPE_ERROR_TYPES
    if status == 429:
        assert isinstance(raised.value, stripe.RateLimitError)
        assert (body["type"], body["code"]) == ("invalid_request_error", "rate_limit")


def test_every_error_type_the_emulator_can_answer_is_stripes():
    """Each `StripeError(status, type, ...)` built anywhere in the emulator names Stripe's type."""
    used = set()
    for source in Path(emulator_package.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "StripeError":
                error_type = node.args[1]
                assert isinstance(error_type, ast.Constant), f"{source.name}: a computed type"
                used.add(error_type.value)
    assert used and used <= STRIPE_ERROR_TYPES, used - STRIPE_ERROR_TYPES
