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
