"""Saved cards: attach, list, default, detach; declines; one person never sees another's."""

import pytest
from rest_framework.test import APIClient as HTTPClient

from payments.models import Customer

pytestmark = pytest.mark.django_db
URL = "/api/payments/payment-methods/"


def test_token_endpoint_and_bearer_auth_are_required(db, student, stripe_emulator):
    anonymous = HTTPClient()
    assert anonymous.get(URL).status_code == 401
    refreshed = anonymous.post(
        "/api/auth/token/refresh/", {"refresh": student.tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 200 and refreshed.json()["access"]


def test_attach_creates_the_customer_and_the_first_card_becomes_default(
    student, stripe_emulator, stripe_sdk
):
    response = student.post_json(URL, {"payment_method": "pm_card_visa"})

    assert response.status_code == 201, response.content
    card = response.json()
    assert card["id"].startswith("pm_") and card["id"] != "pm_card_visa"
    assert (card["brand"], card["last4"], card["is_default"]) == ("visa", "4242", True)
    assert card["exp_month"] and card["exp_year"]
    customer = Customer.objects.get(user=student.user)
    assert customer.email == "student@example.com"
    stripe_customer = stripe_sdk.v1.customers.retrieve(customer.stripe_customer_id)
    assert stripe_customer.invoice_settings.default_payment_method == card["id"]


def test_list_shows_brand_last4_expiry_and_default(student, stripe_emulator):
    visa = student.post_json(URL, {"payment_method": "pm_card_visa"}).json()
    mastercard = student.post_json(URL, {"payment_method": "pm_card_mastercard"}).json()
    assert mastercard["is_default"] is False

    listed = student.get(URL).json()

    assert [(c["id"], c["brand"], c["last4"], c["is_default"]) for c in listed] == [
        (mastercard["id"], "mastercard", "4444", False),
        (visa["id"], "visa", "4242", True),
    ]


def test_set_default_and_attach_with_set_default(student, stripe_emulator):
    visa = student.post_json(URL, {"payment_method": "pm_card_visa"}).json()
    amex = student.post_json(URL, {"payment_method": "pm_card_amex", "set_default": True}).json()
    assert amex["is_default"] is True

    response = student.post(f"{URL}{visa['id']}/default/")

    assert response.status_code == 200 and response.json()["is_default"] is True
    defaults = {c["id"]: c["is_default"] for c in student.get(URL).json()}
    assert defaults == {visa["id"]: True, amex["id"]: False}


def test_detach_removes_the_card(student, stripe_emulator, stripe_sdk):
    card = student.post_json(URL, {"payment_method": "pm_card_visa"}).json()

    response = student.delete(f"{URL}{card['id']}/")

    assert response.status_code == 204
    assert student.get(URL).json() == []
    assert stripe_sdk.v1.payment_methods.retrieve(card["id"]).customer is None


def test_a_card_declined_when_saved_is_402_with_the_decline_code(student, stripe_emulator):
    response = student.post_json(URL, {"payment_method": "pm_card_visa_chargeDeclined"})

    assert response.status_code == 402
    error = response.json()["error"]
    assert (error["type"], error["code"], error["decline_code"]) == (
        "card_error",
        "card_declined",
        "generic_decline",
    )
    assert student.get(URL).json() == []


def test_charge_customer_fail_card_attaches(student, stripe_emulator):
    response = student.post_json(URL, {"payment_method": "pm_card_chargeCustomerFail"})
    assert response.status_code == 201 and response.json()["last4"] == "0341"


def test_attach_is_idempotent(student, stripe_emulator):
    first = student.post_json(URL, {"payment_method": "pm_card_visa"}, key="card-1")
    again = student.post_json(URL, {"payment_method": "pm_card_visa"}, key="card-1")

    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert len(student.get(URL).json()) == 1


def test_a_person_can_never_touch_another_persons_card(student, other_student, stripe_emulator):
    card = student.post_json(URL, {"payment_method": "pm_card_visa"}).json()
    other_student.post_json(URL, {"payment_method": "pm_card_mastercard"})

    assert [c["brand"] for c in other_student.get(URL).json()] == ["mastercard"]
    assert other_student.delete(f"{URL}{card['id']}/").status_code == 404
    assert other_student.post(f"{URL}{card['id']}/default/").status_code == 404
    assert other_student.delete(f"{URL}pm_does_not_exist/").status_code == 404
    assert [c["id"] for c in student.get(URL).json()] == [card["id"]]


def test_api_clients_cannot_use_the_people_endpoints(service, stripe_emulator):
    assert service.get(URL).status_code == 403
