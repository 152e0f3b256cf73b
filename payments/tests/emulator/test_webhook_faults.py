"""Webhook faults planned over HTTP: a delivery lost, repeated, held back, or overtaken."""

from __future__ import annotations

import requests

from payments.tests.emulator.support import control, pay


def checkout_paid(client, emu, receiver):
    """Pay one Checkout Session; answers the event types Stripe created, in order."""
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "gbp",
                        "unit_amount": 900,
                        "product_data": {"name": "Soak"},
                    },
                    "quantity": 1,
                }
            ],
            "success_url": "https://shop.example/ok",
        }
    )
    start = len(emu.events)
    pay(emu, session.id)
    return [event["type"] for event in emu.events[start:]]


def plan(emu, **fields):
    response = control(emu, "webhook_faults", **fields)
    assert response.status_code == 200, response.text
    return response.json()


def applied(emu):
    return requests.get(f"{emu.url}/_emulator/webhook_faults", timeout=10).json()


def test_a_lost_webhook_is_never_delivered_but_stays_in_the_events_list(client, emu, receiver):
    plan(emu, kind="lose", type="charge.succeeded")
    created = checkout_paid(client, emu, receiver)
    assert emu.wait_for_webhooks()

    assert "charge.succeeded" in created
    assert "charge.succeeded" not in receiver.types
    assert len(receiver.types) == len(created) - 1
    assert applied(emu) == {"applied": {"lose": 1}, "pending": 0}


def test_a_duplicated_webhook_arrives_twice_in_a_row(client, emu, receiver):
    plan(emu, kind="duplicate", type="charge.succeeded")
    created = checkout_paid(client, emu, receiver)
    assert emu.wait_for_webhooks()

    index = receiver.types.index("charge.succeeded")
    assert receiver.types[index + 1] == "charge.succeeded"
    assert receiver.events[index].id == receiver.events[index + 1].id
    assert len(receiver.types) == len(created) + 1


def test_a_reordered_webhook_arrives_after_the_next_one(client, emu, receiver):
    plan(emu, kind="reorder", type="charge.succeeded")
    created = checkout_paid(client, emu, receiver)
    assert emu.wait_for_webhooks()

    position = created.index("charge.succeeded")
    assert position + 1 < len(created)  # something was queued behind it
    expected = list(created)
    expected[position], expected[position + 1] = expected[position + 1], expected[position]
    assert receiver.types == expected


def test_a_delayed_webhook_arrives_after_the_later_ones(client, emu, receiver):
    plan(emu, kind="delay", type="charge.succeeded", delay="0")
    created = checkout_paid(client, emu, receiver)

    assert receiver.wait_for(len(created))
    assert receiver.types[-1] == "charge.succeeded"
    assert created[-1] != "charge.succeeded"
    assert sorted(receiver.types) == sorted(created)


def test_an_unknown_webhook_fault_kind_is_refused(emu):
    response = control(emu, "webhook_faults", kind="explode")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "kind"
