"""The emulator's request contract comes from the installed SDK's generated types (issue 10)."""

import typing

import pytest
import requests
import stripe

from payments.tests.emulator.support import API_KEY, paid_intent, session_params
from stripe_emulator import routing
from stripe_emulator.contract import (
    API_VERSION,
    contract_for,
    load_all,
    params_class_for,
)
from stripe_emulator.params import Str


def _post(emu, path, data, headers=None):
    return requests.post(
        f"{emu.url}{path}",
        data=data,
        headers={"Authorization": f"Bearer {API_KEY}", **(headers or {})},
        timeout=30,
    )


def _error(client, call, **params):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        call(params=params)
    return caught.value


def test_every_v1_route_has_a_contract_from_the_sdk():
    api_routes = [route for route in routing.ROUTES if route.kind == "api"]
    assert len(api_routes) > 40
    assert load_all(routing.ROUTES) == []
    # The params class is the SDK's own TypedDict for that endpoint.
    assert params_class_for("POST", "/v1/payment_intents/{id}/confirm") is (
        stripe.params.PaymentIntentConfirmParams
    )
    assert params_class_for("POST", "/v1/checkout/sessions") is (
        stripe.params.checkout.SessionCreateParams
    )


def test_the_contract_follows_the_sdk_types():
    schema = contract_for("POST", "/v1/payment_intents")
    hints = typing.get_type_hints(stripe.params.PaymentIntentCreateParams.__mro__[0], localns={
        "StripeContext": object, "Mapping": typing.Mapping}, include_extras=True)  # fmt: skip
    sdk_names = set(hints) - set(stripe.RequestOptions.__annotations__)
    assert set(schema) == sdk_names
    assert "payment_method_types" not in schema
    assert schema["amount"].required and schema["currency"].required
    capture = schema["capture_method"]
    assert isinstance(capture, Str) and set(capture.choices) == {
        "automatic", "automatic_async", "manual"}  # fmt: skip


def test_a_parameter_only_the_sdk_types_know_is_accepted(client):
    # `hooks[inputs][tax][calculation]` was never in a hand-written list: the SDK has it.
    hooks = {"inputs": {"tax": {"calculation": "taxcalc_1"}}}
    intent = client.v1.payment_intents.create(
        params={"amount": 1000, "currency": "gbp", "hooks": hooks}
    )
    assert intent.status == "requires_payment_method"


def test_payment_method_types_is_refused_as_stripe_refuses_it(client):
    error = _error(client, client.v1.payment_intents.create, amount=1000, currency="gbp",
                   payment_method_types=["card"])  # fmt: skip
    assert error.http_status == 400
    assert error.code == "payment_method_types_no_longer_supported"
    assert error.param == "payment_method_types"
    error = _error(client, client.v1.checkout.sessions.create,
                   **session_params(payment_method_types=["card"]))  # fmt: skip
    assert error.code == "payment_method_types_no_longer_supported"


def test_allowed_payment_method_types_is_accepted(client):
    intent = client.v1.payment_intents.create(
        params={"amount": 1000, "currency": "gbp", "allowed_payment_method_types": ["card"]}
    )
    assert intent.payment_method_types == ["card"]
    assert intent.automatic_payment_methods is None


def test_an_unknown_nested_parameter_is_refused_naming_it(client):
    params = session_params()
    params["line_items"][0]["price_data"]["bogus"] = "x"
    error = _error(client, client.v1.checkout.sessions.create, **params)
    assert error.code == "parameter_unknown"
    assert error.param == "line_items[0][price_data][bogus]"
    assert "line_items[0][price_data][bogus]" in str(error.user_message)


def test_a_bad_enum_value_is_refused_naming_the_param(client):
    error = _error(client, client.v1.payment_intents.create, amount=1000, currency="gbp",
                   capture_method="later")  # fmt: skip
    assert error.http_status == 400
    assert error.param == "capture_method"
    assert "must be one of automatic, automatic_async, or manual" in str(error.user_message)
    params = session_params()
    params["line_items"][0]["price_data"]["tax_behavior"] = "sometimes"
    error = _error(client, client.v1.checkout.sessions.create, **params)
    assert error.param == "line_items[0][price_data][tax_behavior]"


def test_form_values_are_coerced_to_the_sdk_types(emu):
    response = _post(emu, "/v1/payment_intents", {"amount": "abc", "currency": "gbp"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "amount"


def test_confirming_with_redirect_capable_methods_needs_a_return_url(client):
    error = _error(client, client.v1.payment_intents.create, amount=1000, currency="gbp",
                   payment_method="pm_card_visa", confirm=True)  # fmt: skip
    assert error.param == "return_url"
    assert "allow_redirects" in str(error.user_message)
    intent = client.v1.payment_intents.create(
        params={"amount": 1000, "currency": "gbp", "payment_method": "pm_card_visa"}
    )
    error = _error(client, lambda params: client.v1.payment_intents.confirm(intent.id))
    assert error.param == "return_url"
    confirmed = client.v1.payment_intents.confirm(
        intent.id, params={"return_url": "https://shop.example/back"}
    )
    assert confirmed.status == "succeeded"
    never = client.v1.payment_intents.create(params={
        "amount": 1000, "currency": "gbp", "payment_method": "pm_card_visa", "confirm": True,
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}})  # fmt: skip
    assert never.status == "succeeded"


def test_exclusive_parameters_are_refused(client):
    error = _error(client, client.v1.payment_intents.create, amount=1000, currency="gbp",
                   allowed_payment_method_types=["card"],
                   automatic_payment_methods={"enabled": True})  # fmt: skip
    assert "allowed_payment_method_types, automatic_payment_methods" in str(error.user_message)
    customer = client.v1.customers.create(params={"email": "a@example.com"})
    error = _error(
        client,
        client.v1.checkout.sessions.create,
        **session_params(customer=customer.id, customer_email="b@example.com"),
    )
    assert error.param == "customer_email"
    error = _error(
        client,
        client.v1.checkout.sessions.create,
        **session_params(customer=customer.id, customer_creation="always"),
    )
    assert error.param == "customer_creation"


def test_metadata_limits(client):
    too_many = {f"k{i}": "v" for i in range(51)}
    for metadata in (too_many, {"k" * 41: "v"}, {"k": "v" * 501}):
        error = _error(client, client.v1.customers.create, metadata=metadata)
        assert error.http_status == 400 and error.param.startswith("metadata")
    assert paid_intent(client, metadata={"k" * 40: "v" * 500}).status == "succeeded"


def test_the_emulator_answers_with_its_one_api_version(emu):
    assert stripe.api_version == API_VERSION
    response = _post(emu, "/v1/customers", {"email": "a@example.com"})
    assert response.headers["Stripe-Version"] == API_VERSION
    same = _post(emu, "/v1/customers", {}, headers={"Stripe-Version": API_VERSION})
    assert same.status_code == 200


def test_another_stripe_version_is_refused_naming_both(emu):
    response = _post(emu, "/v1/customers", {}, headers={"Stripe-Version": "2024-06-20"})
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "2024-06-20" in message and API_VERSION in message
    assert response.json()["error"]["type"] == "invalid_request_error"
