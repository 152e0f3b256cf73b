"""GET /api/payments/ and /api/payments/{id}/: a person's own payments, and nobody else's."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from payments.tests.people_support import payment_body

pytestmark = pytest.mark.django_db
PROCESS = "/api/payments/process-payment/"


def pay(person, **overrides):
    response = person.post_json(PROCESS, payment_body(**overrides))
    assert response.status_code in (201, 402), response.content
    return response.json()


def test_payers_see_their_payments_newest_first_and_paginated(student, stripe_emulator):
    now = timezone.now()
    with time_machine.travel(now + timedelta(minutes=1), tick=False):
        first = pay(student, payable_id="lesson_1")
    with time_machine.travel(now + timedelta(minutes=2), tick=False):
        second = pay(student, payable_id="lesson_2")

    page = student.get("/api/payments/?role=payer&limit=1").json()
    rest = student.get(page["next"]).json()

    assert [p["id"] for p in page["results"]] == [second["id"]]
    assert [p["id"] for p in rest["results"]] == [first["id"]]
    assert (
        student.get("/api/payments/?user_type=client").json()["results"][0]["id"] == (second["id"])
    )


def test_one_payment_has_payable_amounts_split_card_and_refunds(student, stripe_emulator):
    paid = pay(student)

    response = student.get(f"/api/payments/{paid['id']}/")

    assert response.status_code == 200
    data = response.json()
    assert (data["payable_type"], data["payable_id"]) == ("lesson", "lesson_7")
    assert (data["amount"], data["amount_display"], data["status"]) == (5000, "£50.00", "succeeded")
    assert {"platform_fee", "payee_amount", "card_brand", "card_last4", "refunds"} <= data.keys()
    assert data["refunds"] == [] and data["role"] == "payer"


def test_nobody_reads_another_persons_payment(student, other_student, service, stripe_emulator):
    paid = pay(student)

    assert other_student.get(f"/api/payments/{paid['id']}/").status_code == 404
    assert other_student.get("/api/payments/").json()["results"] == []
    assert service.get(f"/api/payments/{paid['id']}/").status_code == 403
    # The API-client routes are not shadowed by the UUID route.
    assert service.get("/api/payments/sessions/").status_code == 200


def test_a_bad_role_is_400(student, stripe_emulator):
    response = student.get("/api/payments/?role=landlord")
    assert response.status_code == 400 and response.json()["error"]["param"] == "role"


def test_expired_tokens_are_refused(student, stripe_emulator):
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        response = student.get("/api/payments/")
    assert response.status_code == 401
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("authentication_error", "token_not_valid")
    assert error["message"] == "Given token not valid for any token type"
