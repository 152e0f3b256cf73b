"""Raw card numbers (the original backend-only API): test mode only, never kept anywhere."""

import io
import logging

import pytest
from django.core.management import call_command
from django.db import connection

from payments.models import PaymentLog, PaymentSession
from payments.tests.people_support import payment_body

pytestmark = pytest.mark.django_db
NUMBER, CVC = "4000002500003155", "739"  # not used by any other test
VISA = "4242424242424242"
CARDS = "/api/payments/payment-methods/"
PROCESS = "/api/payments/process-payment/"


def raw_card(number=VISA, cvc=CVC):
    return {"card_number": number, "exp_month": 12, "exp_year": 2034, "cvc": cvc,
            "cardholder_name": "Ada Lovelace"}  # fmt: skip


@pytest.fixture
def raw_allowed(settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "ALLOW_RAW_CARD_DATA": True}


def test_off_by_default_with_an_explanation(student, stripe_emulator):
    response = student.post_json(CARDS, raw_card())

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "raw_card_data_not_allowed"
    assert "Stripe.js" in error["message"] and "pm_" in error["message"]
    assert student.post_json(PROCESS, {**payment_body(payment_method=""), **raw_card()}).json()[
        "error"
    ]["code"] == ("raw_card_data_not_allowed")


def test_refused_with_a_live_key_even_when_switched_on(student, stripe_emulator, settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "ALLOW_RAW_CARD_DATA": True,
                         "STRIPE_SECRET_KEY": "sk_live_x"}  # fmt: skip
    response = student.post_json(CARDS, raw_card())
    assert response.json()["error"]["code"] == "raw_card_data_not_allowed"


def test_test_numbers_map_to_test_cards(student, stripe_emulator, raw_allowed):
    saved = student.post_json(CARDS, raw_card())
    declined = student.post_json(CARDS, raw_card("4000 0000 0000 0002"))
    unknown = student.post_json(CARDS, raw_card("4111111111111111"))
    charged = student.post_json(PROCESS, {**payment_body(payment_method=""), **raw_card()})
    secure = student.post_json(
        PROCESS, {**payment_body(payment_method=""), **raw_card("4000002760003184")}
    )

    assert saved.status_code == 201 and saved.json()["last4"] == "4242"
    assert declined.status_code == 402
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "card_number_not_a_test_card"
    assert charged.status_code == 201 and charged.json()["status"] == "succeeded"
    assert secure.status_code == 200 and secure.json()["status"] == "requires_action"


def _everything_stored() -> str:
    """Every row of every table: a JSON dump plus the raw text of every column."""
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    texts = [dump.getvalue()]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                texts.extend(
                    bytes(value).decode("latin-1")
                    if isinstance(value, (bytes, memoryview))
                    else str(value)
                    for value in row
                )
    return "\n".join(texts)


def test_nothing_sensitive_is_stored_logged_or_echoed(
    student, stripe_emulator, raw_allowed, caplog
):
    caplog.set_level(logging.DEBUG)
    responses = [
        student.post_json(CARDS, raw_card()),
        student.post_json(PROCESS, {**payment_body(payment_method=""), **raw_card()}),
        student.post_json(PROCESS, {**payment_body(payment_method=""), **raw_card()}, key="k"),
        student.post_json(PROCESS, {**payment_body(payment_method=""), **raw_card()}, key="k"),
        student.post_json(CARDS, raw_card("4000000000000002")),
        student.post_json(CARDS, raw_card(NUMBER)),  # not a test card: refused
    ]

    assert [r.status_code for r in responses] == [201, 201, 201, 201, 402, 400]
    secrets = [VISA, "4242 4242 4242 4242", "4000000000000002", NUMBER, f'"{CVC}"', f"cvc={CVC}"]
    stored = _everything_stored()
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    echoed = b"".join(r.content for r in responses).decode()
    payloads = str(list(PaymentLog.objects.values_list("payload", "error_message")))
    for secret in secrets:
        for where, text in (("database", stored), ("logs", logged), ("responses", echoed),
                            ("payment logs", payloads)):  # fmt: skip
            assert secret not in text, f"{secret} found in the {where}"
    assert f": {CVC}" not in stored and f": {CVC}," not in logged
    assert PaymentSession.objects.count() == 2


def test_system_check_refuses_raw_card_data_with_a_live_key(settings):
    from payments.checks import check_marketplace_settings

    settings.PAYMENTS = {**settings.PAYMENTS, "ALLOW_RAW_CARD_DATA": True,
                         "STRIPE_SECRET_KEY": "sk_live_x"}  # fmt: skip
    assert [m.id for m in check_marketplace_settings(None)] == ["payments.E006"]
    settings.PAYMENTS = {**settings.PAYMENTS, "STRIPE_SECRET_KEY": "sk_test_x"}
    assert check_marketplace_settings(None) == []
