"""The system checks: keys, webhook secret, currencies and deployment warnings."""

import pytest

from payments.checks import check_currencies, check_stripe_api_base_in_production, check_stripe_keys


def _ids(messages):
    return [m.id for m in messages]


def _payments(settings, **values):
    settings.PAYMENTS = {**settings.PAYMENTS, **values}


def test_missing_secret_key_is_an_error(settings):
    _payments(settings, STRIPE_SECRET_KEY="")
    assert "payments.E001" in _ids(check_stripe_keys(None))


def test_publishable_key_in_the_secret_slot_is_an_error(settings):
    _payments(settings, STRIPE_SECRET_KEY="pk_test_123")
    assert "payments.E002" in _ids(check_stripe_keys(None))


def test_live_key_with_debug_on_is_an_error(settings):
    settings.DEBUG = True
    _payments(settings, STRIPE_SECRET_KEY="sk_live_123")
    assert "payments.E003" in _ids(check_stripe_keys(None))


def test_missing_webhook_secret_is_a_warning(settings):
    _payments(settings, STRIPE_SECRET_KEY="sk_test_1", STRIPE_WEBHOOK_SECRETS=[])
    assert _ids(check_stripe_keys(None)) == ["payments.W001"]


def test_good_configuration_passes(settings):
    settings.DEBUG = False
    _payments(settings, STRIPE_SECRET_KEY="sk_test_1", STRIPE_WEBHOOK_SECRETS=["whsec_1"])
    assert check_stripe_keys(None) == []
    assert check_currencies(None) == []


def test_disabled_payments_need_no_keys(settings):
    _payments(settings, ENABLED=False, STRIPE_SECRET_KEY="")
    assert check_stripe_keys(None) == []


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"DEFAULT_CURRENCY": "jpy", "CURRENCIES": ["gbp"]}, "payments.E005"),
        ({"CURRENCIES": ["gbp", "pounds"]}, "payments.E004"),
    ],
)
def test_currency_misconfiguration(settings, values, expected):
    _payments(settings, **values)
    assert expected in _ids(check_currencies(None))


def test_live_traffic_to_a_fake_stripe_is_a_deploy_warning(settings):
    settings.DEBUG = False
    _payments(settings, STRIPE_SECRET_KEY="sk_live_1", STRIPE_API_BASE="http://127.0.0.1:12111")
    assert _ids(check_stripe_api_base_in_production(None)) == ["payments.W002"]


def test_api_version_other_than_the_sdks_is_a_warning(settings):
    from payments.checks import check_stripe_api_version

    assert check_stripe_api_version(None) == []
    _payments(settings, STRIPE_API_VERSION="2024-06-20")
    messages = check_stripe_api_version(None)
    assert _ids(messages) == ["payments.W020"]
    assert "2024-06-20" in messages[0].msg and "2026-10-28.endive" in messages[0].msg


@pytest.mark.parametrize("seconds", [29 * 60, 24 * 60 * 60 + 1, "3600"])
def test_checkout_expiry_outside_stripes_bounds_is_an_error(settings, seconds):
    from payments.checks import check_stripe_api_version

    _payments(settings, CHECKOUT_EXPIRES_SECONDS=seconds)
    assert _ids(check_stripe_api_version(None)) == ["payments.E020"]


def test_checkout_expires_at_keeps_a_margin_under_24_hours(stripe_emulator):
    import time

    from payments import stripe_api

    now = int(time.time())
    result = stripe_api.checkout_session_create(
        session_id="exp-1", amount=2500, currency="gbp", description="Deposit",
        success_url="https://example.com/ok", cancel_url="https://example.com/no",
        expires_at=now + 24 * 60 * 60,
    )  # fmt: skip
    assert result.data["expires_at"] <= now + 24 * 60 * 60 - 5 * 60 + 2
