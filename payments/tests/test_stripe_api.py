"""The adapter against the emulator: plain values out, the app's own errors for Stripe's."""

import socket
import time

import pytest

from payments import exceptions as exc
from payments import stripe_api

pytestmark = pytest.mark.usefixtures("stripe_emulator")


def _intent(**overrides):
    params = dict(session_id="s-1", amount=2500, currency="gbp", description="Deposit")
    params.update(overrides)
    return stripe_api.payment_intent_create(**params)


def test_results_are_plain_dicts_with_request_ids():
    result = stripe_api.customer_create(customer_id=1, email="ada@example.com", name="Ada")

    assert type(result.data) is dict
    assert result.id.startswith("cus_")
    assert result.data["email"] == "ada@example.com"
    assert result.data["metadata"] == {"payments_customer_id": "1"}
    assert result.request_id.startswith("req_")


def test_checkout_session_carries_our_session_id_everywhere(stripe_emulator):
    result = stripe_api.checkout_session_create(
        session_id="3f1c",
        amount=2500,
        currency="gbp",
        description="Deposit",
        success_url="https://example.com/ok",
        cancel_url="https://example.com/no",
        expires_at=int(time.time()) + 3600,
        metadata={"order": "A-1"},
    )
    assert result.data["client_reference_id"] == "3f1c"
    assert result.data["metadata"] == {"order": "A-1", "payments_session_id": "3f1c"}
    assert result.data["amount_total"] == 2500
    assert result.data["url"].startswith(stripe_emulator.url)


def test_same_row_id_never_creates_a_second_stripe_object():
    first = stripe_api.customer_create(customer_id=7, email="ada@example.com")
    again = stripe_api.customer_create(customer_id=7, email="ada@example.com")
    assert again.id == first.id


def test_declined_card_maps_to_card_declined_with_decline_code():
    with pytest.raises(exc.CardDeclined) as caught:
        _intent(payment_method="pm_card_visa_chargeDeclinedInsufficientFunds", confirm=True)

    error = caught.value
    assert error.decline_code == "insufficient_funds"
    assert error.code == "card_declined"
    assert error.http_status == 402
    assert error.request_id.startswith("req_")
    assert error.payment_intent["status"] == "requires_payment_method"


def test_unknown_parameter_maps_to_invalid_request_naming_the_param():
    with pytest.raises(exc.InvalidProviderRequest) as caught:
        _intent(destination_params={"no_such_field": "x"})

    assert caught.value.param == "no_such_field"
    assert caught.value.code == "parameter_unknown"


def test_reusing_an_idempotency_key_with_other_parameters_is_a_conflict():
    stripe_api.customer_create(customer_id=8, email="first@example.com")
    with pytest.raises(exc.ProviderIdempotencyConflict):
        stripe_api.customer_create(customer_id=8, email="second@example.com")


def test_stripe_failing_on_its_side_is_provider_unavailable(stripe_emulator):
    stripe_emulator.fail_next(method="POST", path="/v1/payment_intents", status=500, count=1)
    with pytest.raises(exc.ProviderUnavailable) as caught:
        _intent()
    assert caught.value.code == "provider_unavailable"
    assert caught.value.http_status == 503


def test_rate_limit_maps_to_rate_limited(stripe_emulator):
    stripe_emulator.fail_next(method="POST", path="/v1/payment_intents", status=429, count=1)
    with pytest.raises(exc.ProviderRateLimited):
        _intent()


def test_emulator_down_is_provider_unavailable(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.PAYMENTS = {**settings.PAYMENTS, "STRIPE_API_BASE": f"http://127.0.0.1:{closed_port}"}

    with pytest.raises(exc.ProviderUnavailable):
        stripe_api.customer_create(customer_id=9, email="ada@example.com")


def test_wrong_api_key_is_authentication_failure(settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "STRIPE_SECRET_KEY": "sk_live_wrong"}
    with pytest.raises(exc.ProviderAuthenticationFailed):
        stripe_api.customer_create(customer_id=10, email="ada@example.com")


def test_missing_api_key_is_reported_without_a_network_call(settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "STRIPE_SECRET_KEY": ""}
    with pytest.raises(exc.ProviderAuthenticationFailed, match="STRIPE_SECRET_KEY"):
        stripe_api.customer_create(customer_id=11, email="ada@example.com")
