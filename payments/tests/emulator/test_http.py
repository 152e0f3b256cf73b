"""The emulator's HTTP behaviour: authentication, parameters, idempotency, faults, reset."""

from __future__ import annotations

import threading

import pytest
import requests
import stripe

from payments.tests.concurrency import run_together
from payments.tests.emulator.support import (
    API_KEY,
    sdk,
    session_params,
)
from stripe_emulator.forms import parse_form


def post(emu, path, data, key=None, api_key=API_KEY):
    headers = {"Authorization": f"Bearer {api_key}"}
    if key:
        headers["Idempotency-Key"] = key
    return requests.post(f"{emu.url}{path}", data=data, headers=headers, timeout=10)


def test_form_parser_builds_nested_dicts_and_indexed_arrays():
    parsed = parse_form("a[b][c]=1&items[0][q]=2&items[1][q]=3&expand[]=x&expand[]=y&e=")
    assert parsed == {
        "a": {"b": {"c": "1"}},
        "items": {"0": {"q": "2"}, "1": {"q": "3"}},
        "expand": {"0": "x", "1": "y"},
        "e": "",
    }


def test_any_test_key_is_accepted_and_every_response_has_a_request_id(emu):
    response = post(emu, "/v1/customers", {"email": "a@example.com"}, api_key="rk_test_abc")
    assert response.status_code == 200
    assert response.headers["Request-Id"].startswith("req_")
    assert response.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("api_key", ["sk_live_123456789", "pk_test_123", "nonsense"])
def test_other_keys_are_refused_with_401(emu, api_key):
    with pytest.raises(stripe.AuthenticationError) as raised:
        sdk(emu, api_key=api_key).v1.customers.list()
    assert raised.value.http_status == 401
    assert "Invalid API Key provided" in raised.value.user_message
    assert api_key not in raised.value.user_message  # masked, as Stripe does


def test_missing_key_is_refused(emu):
    response = requests.get(f"{emu.url}/v1/customers", timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_unknown_url_is_404(emu):
    response = requests.get(
        f"{emu.url}/v1/nothing_here", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
    )
    assert response.status_code == 404
    assert "Unrecognized request URL" in response.json()["error"]["message"]


def test_unknown_nested_parameter_is_rejected_with_its_full_name(client, emu):
    params = session_params(payment_intent_data={"foo": "bar"})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(params=params)
    assert raised.value.param == "payment_intent_data[foo]"
    assert raised.value.code == "parameter_unknown"
    assert raised.value.user_message == "Received unknown parameter: payment_intent_data[foo]"
    assert emu.store.all("checkout.session") == []


def test_missing_required_parameter(client):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(params={"currency": "gbp"})
    assert (raised.value.code, raised.value.param) == ("parameter_missing", "amount")


def test_malformed_integer_is_rejected(emu):
    response = post(emu, "/v1/payment_intents", {"amount": "12.5", "currency": "gbp"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "amount"


def test_same_idempotency_key_replays_the_first_response_byte_for_byte(emu):
    first = post(emu, "/v1/customers", {"email": "a@example.com"}, key="k-1")
    again = post(emu, "/v1/customers", {"email": "a@example.com"}, key="k-1")
    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(emu.store.all("customer")) == 1


def test_replay_through_the_sdk_returns_the_same_object(client):
    options = {"idempotency_key": "booking-7-customer"}
    first = client.v1.customers.create(params={"email": "b@example.com"}, options=options)
    second = client.v1.customers.create(params={"email": "b@example.com"}, options=options)
    assert second.id == first.id
    assert second.last_response.headers["Idempotent-Replayed"] == "true"


def test_errors_after_execution_starts_are_replayed_too(emu):
    # Confirmed on the server without a return_url: redirects must be disallowed (as Stripe).
    data = {"amount": "2000", "currency": "gbp", "payment_method": "pm_card_visa_chargeDeclined",
            "confirm": "true", "automatic_payment_methods[enabled]": "true",
            "automatic_payment_methods[allow_redirects]": "never"}  # fmt: skip
    first = post(emu, "/v1/payment_intents", data, key="decline-1")
    again = post(emu, "/v1/payment_intents", data, key="decline-1")
    assert first.status_code == again.status_code == 402
    assert again.content == first.content
    assert len(emu.store.all("payment_intent")) == 1


def test_same_key_with_other_parameters_is_an_idempotency_error(client):
    options = {"idempotency_key": "k-2"}
    client.v1.customers.create(params={"email": "a@example.com"}, options=options)
    with pytest.raises(stripe.IdempotencyError) as raised:
        client.v1.customers.create(params={"email": "other@example.com"}, options=options)
    assert raised.value.http_status == 400
    assert "same parameters" in raised.value.user_message


def test_keys_are_scoped_per_api_key(emu):
    first = post(emu, "/v1/customers", {"email": "a@example.com"}, key="shared")
    other = post(emu, "/v1/customers", {"email": "a@example.com"}, key="shared",
                 api_key="sk_test_other")  # fmt: skip
    assert first.json()["id"] != other.json()["id"]
    assert "Idempotent-Replayed" not in other.headers


def test_validation_failures_are_not_stored(emu):
    refused = post(emu, "/v1/customers", {"emial": "typo@example.com"}, key="k-3")
    assert refused.status_code == 400
    accepted = post(emu, "/v1/customers", {"email": "a@example.com"}, key="k-3")
    assert accepted.status_code == 200
    assert "Idempotent-Replayed" not in accepted.headers


def test_same_key_while_the_first_request_executes_is_409(emu):
    reserved = threading.Event()
    original = emu.idempotency.begin

    def begin(*args):
        result = original(*args)
        reserved.set()
        return result

    emu.idempotency.begin = begin
    results = {}
    try:
        with emu.store.lock:  # the first request reserves its key, then waits for the lock
            worker = threading.Thread(
                target=lambda: results.update(first=post(emu, "/v1/customers", {}, key="busy"))
            )
            worker.start()
            assert reserved.wait(10)
            concurrent = post(emu, "/v1/customers", {}, key="busy")
        worker.join(10)
    finally:
        del emu.idempotency.begin
    assert concurrent.status_code == 409
    assert concurrent.json()["error"]["type"] == "idempotency_error"
    assert results["first"].status_code == 200


def test_concurrent_requests_with_one_key_create_one_object(emu):
    responses = run_together(
        lambda _: post(emu, "/v1/customers", {"email": "a@example.com"}, key="burst"), range(20)
    )
    assert len(emu.store.all("customer")) == 1
    assert {response.status_code for response in responses} <= {200, 409}
    created = {response.json()["id"] for response in responses if response.status_code == 200}
    assert created == {emu.store.all("customer")[0]["id"]}


def test_fail_next_answers_an_api_error_without_executing(client, emu):
    emu.fail_next(method="POST", path="/v1/checkout/sessions", status=500, count=1)
    with pytest.raises(stripe.APIError) as raised:
        client.v1.checkout.sessions.create(params=session_params())
    assert raised.value.http_status == 500
    assert emu.store.all("checkout.session") == []
    session = client.v1.checkout.sessions.create(params=session_params())
    assert session.status == "open"


def test_fail_next_with_429_is_a_rate_limit_error(client, emu):
    emu.fail_next(method="GET", path="/v1/customers", status=429, count=2)
    for _ in range(2):
        with pytest.raises(stripe.RateLimitError):
            client.v1.customers.list()
    assert client.v1.customers.list().data == []


def test_fail_next_matches_by_method_and_path_prefix(client, emu):
    emu.fail_next(method="POST", path="/v1/refunds", status=503)
    client.v1.customers.create(params={"email": "unaffected@example.com"})
    assert len(emu.store.all("customer")) == 1


def test_drop_next_executes_then_loses_the_response(client, emu):
    emu.drop_next(method="POST", path="/v1/checkout/sessions", count=1)
    options = {"idempotency_key": "session-for-booking-1"}
    with pytest.raises(stripe.APIConnectionError):
        client.v1.checkout.sessions.create(params=session_params(), options=options)
    created = emu.store.all("checkout.session")
    assert len(created) == 1  # Stripe did the work
    retried = client.v1.checkout.sessions.create(params=session_params(), options=options)
    assert retried.id == created[0]["id"]
    assert retried.last_response.headers["Idempotent-Replayed"] == "true"


def test_reset_forgets_objects_events_keys_and_faults(client, emu):
    customer = client.v1.customers.create(
        params={"email": "a@example.com"}, options={"idempotency_key": "k-reset"}
    )
    emu.fail_next(path="/v1/customers")
    emu.reset()
    assert emu.get(customer.id) is None
    assert emu.events == []
    again = client.v1.customers.create(
        params={"email": "a@example.com"}, options={"idempotency_key": "k-reset"}
    )
    assert again.id != customer.id


def test_reset_over_http(client, emu):
    client.v1.customers.create(params={"email": "a@example.com"})
    assert requests.post(f"{emu.url}/_emulator/reset", timeout=10).json() == {"reset": True}
    assert client.v1.customers.list().data == []


def test_get_returns_a_detached_copy(client, emu):
    customer = client.v1.customers.create(params={"email": "a@example.com"})
    copy = emu.get(customer.id)
    copy["email"] = "changed@example.com"
    assert emu.get(customer.id)["email"] == "a@example.com"
    assert emu.get("cus_missing") is None
