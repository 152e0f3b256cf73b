"""Checkout Sessions: the API, paying through the control endpoint, expiry and the hosted page."""

from __future__ import annotations

import time

import pytest
import requests
import stripe
import time_machine

from payments.tests.emulator.support import (
    control,
    event_types,
    pay,
    session_params,
)


def test_create_returns_an_open_session_with_a_hosted_url(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    assert session.id.startswith("cs_test_")
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "payment")
    assert (session.amount_total, session.amount_subtotal, session.currency) == (2500, 2500, "gbp")
    assert session.url == f"{emu.url}/c/pay/{session.id}"
    assert session.payment_intent is None  # created when the customer pays
    assert session.expires_at == session.created + 24 * 3600
    assert session.client_reference_id == "booking-42"
    assert session.metadata.to_dict() == {"booking": "42"}
    assert session.livemode is False
    assert client.v1.checkout.sessions.retrieve(session.id).id == session.id


def test_line_items_are_listed_and_expandable(client):
    params = session_params(
        line_items=[
            {"price_data": {"currency": "eur", "unit_amount": 700,
                            "product_data": {"name": "Breakfast"}}, "quantity": 2},
            {"price_data": {"currency": "eur", "unit_amount": 300,
                            "product_data": {"name": "Parking"}}, "quantity": 1},
        ]
    )  # fmt: skip
    session = client.v1.checkout.sessions.create(params=params)
    assert session.amount_total == 1700
    items = client.v1.checkout.sessions.line_items.list(session.id)
    assert [(item.description, item.quantity, item.amount_total) for item in items.data] == [
        ("Breakfast", 2, 1400),
        ("Parking", 1, 300),
    ]
    expanded = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["line_items"]})
    assert expanded.line_items.data[0].price.unit_amount == 700


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"mode": "setup"}, "mode"),
        ({"mode": "subscription"}, "payment_intent_data"),
        ({"line_items": None}, "line_items"),
        ({"customer": "cus_nope"}, "customer"),
        ({"success_url": "not a url"}, "success_url"),
        ({"expires_at": 1}, "expires_at"),
        ({"line_items": [{"price_data": {"currency": "gbp", "unit_amount": 10,
                                          "product_data": {"name": "x"}}, "quantity": 1}]},
         "line_items"),
        ({"line_items": [{"price_data": {"currency": "gbp", "product_data": {"name": "x"}},
                          "quantity": 1}]}, "line_items[0][price_data][unit_amount]"),
    ],
)  # fmt: skip
def test_invalid_sessions_are_refused(client, emu, overrides, param):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(params=session_params(**overrides))
    assert raised.value.param == param
    assert emu.store.all("checkout.session") == []


def test_paying_completes_the_session_and_emits_stripes_events(client, emu, receiver):
    session = client.v1.checkout.sessions.create(params=session_params())
    emu.wait_for_webhooks()
    before = len(emu.events)
    result = pay(emu, session.id, "pm_card_visa")
    assert result["status"] == "succeeded"
    assert result["error"] is None
    assert event_types(emu, before) == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]
    # Delivered before the control endpoint answered, in creation order.
    assert receiver.types[-4:] == event_types(emu, before)
    completed = receiver.events[-1].data.object
    assert (completed.status, completed.payment_status) == ("complete", "paid")
    session = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.latest_charge"]}
    )
    assert session.payment_intent.status == "succeeded"
    assert session.payment_intent.metadata.booking == "42"
    assert session.payment_intent.description == "Room 12"
    assert session.payment_intent.latest_charge.amount == 2500
    assert session.customer_details.email
    assert session.url is None


def test_a_declined_card_leaves_the_session_open_for_another_try(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    declined = pay(emu, session.id, "pm_card_visa_chargeDeclinedInsufficientFunds")
    assert declined["status"] == "declined"
    assert declined["error"]["decline_code"] == "insufficient_funds"
    assert declined["checkout_session"]["status"] == "open"
    assert declined["payment_intent"]["status"] == "requires_payment_method"
    assert "charge.failed" in event_types(emu)
    retried = pay(emu, session.id, "4242 4242 4242 4242")
    assert retried["status"] == "succeeded"
    assert retried["payment_intent"]["id"] == declined["payment_intent"]["id"]


def test_pay_accepts_a_json_body_and_the_objects_are_inspectable(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    response = requests.post(
        f"{emu.url}/_emulator/checkout/sessions/{session.id}/pay",
        json={"payment_method": "pm_card_amex", "email": "json@example.com"},
        timeout=10,
    )
    assert response.json()["status"] == "succeeded"
    intent_id = response.json()["payment_intent"]["id"]
    stored = requests.get(f"{emu.url}/_emulator/objects/{intent_id}", timeout=10).json()
    assert stored["status"] == "succeeded"
    assert emu.get(session.id)["customer_details"]["email"] == "json@example.com"


def test_pay_rejects_unknown_control_parameters(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    response = control(emu, f"checkout/sessions/{session.id}/pay", payment_method="pm_card_visa",
                       colour="blue")  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "colour"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_three_d_secure_cards_succeed_in_checkout(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    assert pay(emu, session.id, "pm_card_authenticationRequired")["status"] == "succeeded"


def test_an_unknown_card_number_is_refused(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    result = pay(emu, session.id, "4242 4242 4242 4241")
    assert result["status"] == "declined"
    assert result["error"]["code"] == "incorrect_number"


def test_a_completed_session_cannot_be_paid_twice(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    pay(emu, session.id)
    response = control(emu, f"checkout/sessions/{session.id}/pay", payment_method="pm_card_visa")
    assert response.status_code == 400
    assert len(emu.store.all("charge")) == 1


def test_delayed_payment_completes_unpaid_then_settles(client, emu, receiver):
    session = client.v1.checkout.sessions.create(params=session_params())
    result = pay(emu, session.id, "pm_card_visa", delayed="true")
    assert result["status"] == "processing"
    assert result["checkout_session"]["payment_status"] == "unpaid"
    assert result["checkout_session"]["status"] == "complete"
    assert receiver.types[-2:] == ["payment_intent.processing", "checkout.session.completed"]
    intent_id = result["payment_intent"]["id"]
    settled = control(emu, f"payment_intents/{intent_id}/settle", outcome="succeed").json()
    assert settled["status"] == "succeeded"
    assert receiver.types[-3:] == [
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.async_payment_succeeded",
    ]
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"


def test_delayed_payment_can_fail(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    result = pay(emu, session.id, "pm_card_visa", delayed="true")
    control(emu, f"payment_intents/{result['payment_intent']['id']}/settle", outcome="fail")
    assert event_types(emu)[-3:] == [
        "charge.failed",
        "payment_intent.payment_failed",
        "checkout.session.async_payment_failed",
    ]
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "unpaid"


def test_customer_creation_always_creates_a_customer_on_payment(client, emu):
    session = client.v1.checkout.sessions.create(
        params=session_params(customer_creation="always", customer_email="guest@example.com")
    )
    pay(emu, session.id)
    session = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["customer"]})
    assert session.customer.email == "guest@example.com"
    assert session.customer_details.email == "guest@example.com"


def test_existing_customer_is_charged(client, emu):
    customer = client.v1.customers.create(params={"email": "known@example.com"})
    session = client.v1.checkout.sessions.create(params=session_params(customer=customer.id))
    result = pay(emu, session.id)
    assert result["payment_intent"]["customer"] == customer.id
    assert result["checkout_session"]["customer_details"]["email"] == "known@example.com"


def test_list_sessions_by_payment_intent(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    client.v1.checkout.sessions.create(params=session_params())
    intent_id = pay(emu, session.id)["payment_intent"]["id"]
    found = client.v1.checkout.sessions.list(params={"payment_intent": intent_id})
    assert [item.id for item in found.data] == [session.id]


def test_expire_endpoint(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    expired = client.v1.checkout.sessions.expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    assert event_types(emu)[-1] == "checkout.session.expired"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)
    response = control(emu, f"checkout/sessions/{session.id}/pay", payment_method="pm_card_visa")
    assert response.status_code == 400


def test_expiring_after_a_decline_cancels_the_payment_intent(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    intent_id = pay(emu, session.id, "pm_card_visa_chargeDeclined")["payment_intent"]["id"]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.cancel(intent_id)  # Checkout owns it while the session is open
    client.v1.checkout.sessions.expire(session.id)
    assert client.v1.payment_intents.retrieve(intent_id).status == "canceled"


def test_expire_due_sessions_follows_the_travelled_clock(client, emu, receiver):
    now = time.time()
    soon = client.v1.checkout.sessions.create(params=session_params(expires_at=int(now) + 3600))
    later = client.v1.checkout.sessions.create(params=session_params())
    assert emu.expire_due_sessions() == []
    with time_machine.travel(now + 2 * 3600, tick=False):
        assert emu.expire_due_sessions() == [soon.id]
    assert client.v1.checkout.sessions.retrieve(soon.id).status == "expired"
    assert client.v1.checkout.sessions.retrieve(later.id).status == "open"
    assert receiver.types[-1] == "checkout.session.expired"  # delivered before returning
    with time_machine.travel(now + 25 * 3600, tick=False):
        response = control(emu, "clock/expire")
    assert response.json() == {"expired": [later.id]}


def test_hosted_page_shows_the_amount_and_test_cards(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    page = requests.get(session.url, timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "£25.00" in page.text
    assert "Room 12, one night" in page.text
    assert "4242424242424242" in page.text
    assert "pm_card_visa_chargeDeclined" in page.text


def test_hosted_page_pays_and_redirects_to_the_success_url(client, emu, receiver):
    session = client.v1.checkout.sessions.create(params=session_params())
    response = requests.post(
        session.url, data={"card": "pm_card_visa", "email": "guest@example.com"},
        allow_redirects=False, timeout=10,
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["Location"] == f"https://shop.example/success?session={session.id}"
    assert receiver.types[-1] == "checkout.session.completed"
    paid = client.v1.checkout.sessions.retrieve(session.id)
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert paid.customer_details.email == "guest@example.com"
    assert "complete" in requests.get(session.url, timeout=10).text


def test_hosted_page_shows_a_decline_and_keeps_the_session_open(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    response = requests.post(
        session.url, data={"card_number": "4000 0000 0000 9995"}, allow_redirects=False, timeout=10
    )
    assert response.status_code == 402
    assert "insufficient funds" in response.text
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_hosted_page_cancel_link_redirects_to_the_cancel_url(client):
    session = client.v1.checkout.sessions.create(params=session_params())
    page = requests.get(session.url, timeout=10)
    assert f"/c/pay/{session.id}/cancel" in page.text
    response = requests.get(f"{session.url}/cancel", allow_redirects=False, timeout=10)
    assert (response.status_code, response.headers["Location"]) == (
        303,
        "https://shop.example/cancel",
    )
