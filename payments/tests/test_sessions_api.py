"""``GET sessions/``, ``sessions/{id}/``, ``status/{id}/``: reading sessions and paging them."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from payments.testing.factories import PaymentSessionFactory

pytestmark = pytest.mark.django_db
LIST = "/api/payments/sessions/"


def test_detail_shows_payment_facts(service):
    session = PaymentSessionFactory(
        api_client=service.api_client, status="succeeded", card_brand="visa", card_last4="4242",
        receipt_url="https://pay.example.com/r/1", amount_refunded=500, paid_at=timezone.now(),
    )  # fmt: skip

    data = service.get(f"{LIST}{session.pk}/").json()

    assert data["id"] == str(session.pk)
    assert (data["card_brand"], data["card_last4"]) == ("visa", "4242")
    assert data["amount_refunded"] == 500
    assert data["amount_refunded_display"] == "£5.00"
    assert data["receipt_url"] == "https://pay.example.com/r/1"
    assert data["paid_at"] is not None
    assert service.get(f"/api/payments/status/{session.pk}/").json() == data


def test_list_filters(service):
    mine = service.api_client
    PaymentSessionFactory(api_client=mine, status="succeeded", payable_type="order", payable_id="1")
    PaymentSessionFactory(api_client=mine, status="pending", payable_type="order", payable_id="2")
    PaymentSessionFactory(
        api_client=mine, status="succeeded", payable_type="invoice", payable_id="1"
    )

    def ids(query):
        return sorted(
            (s["payable_type"], s["payable_id"])
            for s in service.get(LIST + query).json()["results"]
        )

    assert ids("?status=succeeded") == [("invoice", "1"), ("order", "1")]
    assert ids("?payable_type=order") == [("order", "1"), ("order", "2")]
    assert ids("?payable_type=order&payable_id=2") == [("order", "2")]


def test_list_created_range_and_newest_first(service):
    now = timezone.now()
    for days_ago in (10, 5, 1):
        with time_machine.travel(now - timedelta(days=days_ago)):
            PaymentSessionFactory(api_client=service.api_client, payable_id=f"d{days_ago}")

    after = (now - timedelta(days=6)).isoformat()
    results = service.get(LIST, {"created_after": after}).json()["results"]
    assert [s["payable_id"] for s in results] == ["d1", "d5"]
    before = (now - timedelta(days=2)).isoformat()
    results = service.get(LIST, {"created_before": before}).json()["results"]
    assert [s["payable_id"] for s in results] == ["d5", "d10"]


def test_list_is_cursor_paginated(service):
    for n in range(5):
        PaymentSessionFactory(api_client=service.api_client, payable_id=str(n))

    first = service.get(LIST, {"limit": 2}).json()
    second = service.get(first["next"]).json()
    third = service.get(second["next"]).json()

    seen = [s["payable_id"] for page in (first, second, third) for s in page["results"]]
    assert sorted(seen) == ["0", "1", "2", "3", "4"]
    assert third["next"] is None


def test_sessions_created_at_the_same_instant_are_each_listed_once_across_pages(service):
    # The cursor keeps only created_at; the id tie-breaker makes the order among equal
    # timestamps the same on every page (without it, PostgreSQL's top-N sort of each page's
    # LIMIT may order ties differently and a page repeats one session and skips another).
    with time_machine.travel(timezone.now(), tick=False):
        for n in range(12):
            PaymentSessionFactory(api_client=service.api_client, payable_id=str(n))

    seen, page = [], service.get(LIST, {"limit": 2}).json()
    while True:
        seen += [s["payable_id"] for s in page["results"]]
        if page["next"] is None:
            break
        page = service.get(page["next"]).json()

    assert sorted(seen, key=int) == [str(n) for n in range(12)]
    ids = [s["id"] for s in service.get(LIST, {"limit": 200}).json()["results"]]
    assert ids == sorted(ids, reverse=True)  # ties newest-first by id, as the cursor pages them


def test_bad_filter_is_400(service):
    response = service.get(LIST, {"status": "paid-ish"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "status"


def test_a_blank_looking_filter_value_is_matched_as_given_not_refused(service):
    # A no-break space is a valid (if odd) value: the filter matches it exactly, finding none,
    # instead of trimming it to "" and answering 400 to a request the schema allows.
    PaymentSessionFactory(api_client=service.api_client, payable_type="order")

    response = service.get(LIST, {"payable_type": "\u00a0", "payable_id": " 1 "})

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_staff_see_every_clients_sessions_and_others_see_none(client, service, other_service):
    PaymentSessionFactory(api_client=service.api_client)
    PaymentSessionFactory(api_client=other_service.api_client)
    user_model = get_user_model()

    client.force_login(user_model.objects.create_user("staff", is_staff=True))
    assert len(client.get(LIST).json()["results"]) == 2

    client.force_login(user_model.objects.create_user("pat"))
    response = client.get(LIST)
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "permission_error"


def test_staff_cannot_create_checkouts_only_api_clients_can(client):
    client.force_login(get_user_model().objects.create_user("staff", is_staff=True))
    response = client.post("/api/payments/checkout/", {}, content_type="application/json")
    assert response.status_code == 403
