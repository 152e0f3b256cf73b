"""Events API and webhook delivery: shape, pagination, filters, signatures, order, resend."""

from __future__ import annotations

import socket

import pytest
import requests
import stripe
import time_machine

from payments.tests.emulator.support import (
    WEBHOOK_SECRET,
    control,
    paid_intent,
    pay,
    session_params,
)


def make_customers(client, count):
    return [client.v1.customers.create(params={"email": f"c{n}@example.com"}) for n in range(count)]


def test_event_shape(client, emu):
    customer = client.v1.customers.create(
        params={"email": "a@example.com"}, options={"idempotency_key": "cust-1"}
    )
    event = client.v1.events.retrieve(emu.events[0]["id"])
    assert event.id.startswith("evt_")
    assert (event.object, event.type, event.livemode) == ("event", "customer.created", False)
    assert event.api_version == "2026-10-28.endive"
    assert event.data.object.id == customer.id
    assert event.request.id == customer.last_response.request_id
    assert event.request.idempotency_key == "cust-1"
    assert event.pending_webhooks == 0  # no webhook endpoint configured


def test_event_data_is_a_snapshot_of_that_moment(client, emu):
    customer = client.v1.customers.create(params={"email": "before@example.com"})
    client.v1.customers.update(customer.id, params={"email": "after@example.com"})
    created, updated = emu.events
    assert created["data"]["object"]["email"] == "before@example.com"
    assert updated["data"]["object"]["email"] == "after@example.com"
    assert updated["data"]["previous_attributes"] == {"email": "before@example.com"}


def test_list_is_newest_first_and_paginates(client, emu):
    make_customers(client, 5)
    ids = [event["id"] for event in reversed(emu.events)]
    first = client.v1.events.list(params={"limit": 2})
    assert [event.id for event in first.data] == ids[:2]
    assert (first.has_more, first.url) == (True, "/v1/events")
    second = client.v1.events.list(params={"limit": 2, "starting_after": ids[1]})
    assert [event.id for event in second.data] == ids[2:4]
    last = client.v1.events.list(params={"limit": 2, "starting_after": ids[3]})
    assert ([event.id for event in last.data], last.has_more) == (ids[4:], False)
    before = client.v1.events.list(params={"limit": 2, "ending_before": ids[4]})
    assert [event.id for event in before.data] == ids[2:4]
    everything = [
        event.id for event in client.v1.events.list(params={"limit": 2}).auto_paging_iter()
    ]
    assert everything == ids


def test_limit_above_100_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.events.list(params={"limit": 101})
    assert raised.value.param == "limit"


def test_created_filter(client, emu):
    with time_machine.travel(1_900_000_000, tick=False):
        make_customers(client, 1)
    with time_machine.travel(1_900_000_100, tick=False):
        make_customers(client, 2)
    newer = client.v1.events.list(params={"created": {"gte": 1_900_000_050}})
    assert len(newer.data) == 2
    older = client.v1.events.list(params={"created": {"lt": 1_900_000_050}})
    assert [event.created for event in older.data] == [1_900_000_000]
    exact = client.v1.events.list(params={"created": 1_900_000_100})
    assert len(exact.data) == 2


def test_type_and_types_filters(client, emu):
    paid_intent(client)
    client.v1.customers.create(params={"email": "a@example.com"})
    charges = client.v1.events.list(params={"type": "charge.*"})
    assert [event.type for event in charges.data] == ["charge.succeeded"]
    chosen = client.v1.events.list(params={"types": ["customer.created", "payment_intent.created"]})
    assert [event.type for event in chosen.data] == ["customer.created", "payment_intent.created"]


def test_webhooks_are_signed_for_the_sdk_and_delivered_in_order(client, emu, receiver):
    paid_intent(client)
    client.v1.customers.create(params={"email": "a@example.com"})
    assert emu.wait_for_webhooks(timeout=10)
    assert receiver.errors == []
    assert [event.id for event in receiver.events] == [event["id"] for event in emu.events]
    assert receiver.headers[0]["Content-Type"].startswith("application/json")
    assert receiver.headers[0]["Stripe-Signature"].startswith("t=")
    assert [delivery["status_code"] for delivery in emu.deliveries] == [200] * 4
    assert emu.deliveries[0]["event_id"] == emu.events[0]["id"]
    assert emu.deliveries[0]["type"] == "payment_intent.created"
    assert emu.events[0]["pending_webhooks"] == 0


def test_a_wrong_secret_fails_verification(client, emu, receiver):
    emu.webhook_secret = "whsec_someone_else"
    client.v1.customers.create(params={"email": "a@example.com"})
    emu.wait_for_webhooks()
    assert receiver.events == []
    assert "No signatures found matching the expected signature" in receiver.errors[0]


def test_failed_deliveries_are_recorded_and_can_be_resent(client, emu, receiver):
    receiver.status = 500
    client.v1.customers.create(params={"email": "a@example.com"})
    emu.wait_for_webhooks()
    event_id = emu.events[0]["id"]
    assert emu.deliveries == [
        {"event_id": event_id, "type": "customer.created", "url": receiver.url,
         "status_code": 500, "error": "HTTP 500"}
    ]  # fmt: skip
    receiver.status = 200
    response = control(emu, f"events/{event_id}/resend")
    assert response.status_code == 200
    assert [delivery["status_code"] for delivery in emu.deliveries] == [500, 200]
    assert len(receiver.events) == 2


def test_an_unreachable_endpoint_is_recorded_and_harmless(client, emu):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    emu.webhook_url = f"http://127.0.0.1:{port}/webhook/"
    client.v1.customers.create(params={"email": "a@example.com"})
    assert emu.wait_for_webhooks(timeout=15)
    assert emu.deliveries[0]["status_code"] is None
    assert "refused" in emu.deliveries[0]["error"].lower()
    assert client.v1.customers.list().data  # still serving


def test_no_webhook_url_means_nothing_is_sent(client, emu):
    client.v1.customers.create(params={"email": "a@example.com"})
    assert emu.wait_for_webhooks(timeout=1)
    assert emu.deliveries == []
    assert len(emu.events) == 1


def test_control_endpoints_deliver_before_answering(client, emu, receiver):
    session = client.v1.checkout.sessions.create(params=session_params())
    emu.wait_for_webhooks()
    pay(emu, session.id)
    # No waiting: the control endpoint answered after the receiver had them all.
    assert receiver.types[-1] == "checkout.session.completed"
    assert len(receiver.events) == len(emu.events)


def test_signature_scheme_matches_stripes(emu):
    from stripe_emulator.webhooks import signature_header

    header = signature_header('{"id": "evt_1"}', WEBHOOK_SECRET, 1_700_000_000)
    stripe.WebhookSignature.verify_header('{"id": "evt_1"}', header, WEBHOOK_SECRET, tolerance=None)
    assert header.startswith("t=1700000000,v1=")


def test_events_endpoint_needs_authentication(emu):
    assert requests.get(f"{emu.url}/v1/events", timeout=10).status_code == 401
