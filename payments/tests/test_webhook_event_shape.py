"""What a verified webhook body must look like to be read as a Stripe event (pure checks)."""

import pytest

from payments import exceptions as exc
from payments.services.webhook_payloads import (
    MAX_CREATED,
    MAX_ID_LENGTH,
    MalformedWebhookEvent,
    webhook_event_check,
)
from payments.stripe_api.events import webhook_event_parse

EVENT = b'{"id": "evt_1", "object": "event", "data": {"object": {"id": "pi_1"}}}'


def test_a_stripe_event_is_parsed():
    assert webhook_event_parse(EVENT)["data"]["object"] == {"id": "pi_1"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "The body is not JSON."),
        (b"[1, 2]", "The body is not a Stripe event."),
        (b'{"id": "cus_1", "object": "customer"}', "The body is not a Stripe event."),
        (b'{"object": "event", "data": {"object": {}}}', "The body is not a Stripe event."),
        (
            b'{"id": "", "object": "event", "data": {"object": {}}}',
            "The body is not a Stripe event.",
        ),
        (b'{"id": "evt_1", "object": "event"}', "The event has no data.object."),
        (b'{"id": "evt_1", "object": "event", "data": []}', "The event has no data.object."),
        (
            b'{"id": "evt_1", "object": "event", "data": {"object": 1}}',
            "The event has no data.object.",
        ),
    ],
)
def test_a_body_that_is_not_an_event_is_refused_saying_why(body, message):
    with pytest.raises(exc.InvalidWebhookSignature) as raised:
        webhook_event_parse(body)
    assert (raised.value.message, raised.value.code) == (message, "invalid_payload")


def event(**changes):
    base = {"id": "evt_1", "object": "event", "type": "charge.succeeded", "created": 1_700_000_000,
            "api_version": "2026-10-28.endive", "data": {"object": {"id": "ch_1"}}}  # fmt: skip
    return {**base, **changes}


@pytest.mark.parametrize("created", [0, 1_700_000_000, MAX_CREATED])
def test_every_storable_created_is_accepted(created):
    webhook_event_check(event(created=created))


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"created": MAX_CREATED + 1}, "created"),
        ({"created": -1}, "created"),
        ({"created": "1700000000"}, "created"),
        ({"created": True}, "created"),
        ({"created": 1.5}, "created"),
        ({"id": "e" * (MAX_ID_LENGTH + 1)}, "id"),
        ({"id": ""}, "id"),
        ({"id": 7}, "id"),
        ({"type": ["charge.succeeded"]}, "type"),
        ({"api_version": 2026}, "api_version"),
        ({"data": {"object": {"id": "c" * (MAX_ID_LENGTH + 1)}}}, "data.object.id"),
        ({"data": {"object": {"id": "ch_1", "description": "a\x00b"}}}, None),
    ],
)
def test_a_field_that_cannot_be_stored_is_named(changes, param):
    with pytest.raises(MalformedWebhookEvent) as raised:
        webhook_event_check(event(**changes))
    if param is not None:
        assert raised.value.param == param
        assert raised.value.message.startswith(f"{param} must be")
    else:
        assert raised.value.param.endswith("description")


def test_the_longest_storable_ids_and_a_missing_object_id_are_accepted():
    webhook_event_check(event(id="e" * MAX_ID_LENGTH, type=None, api_version=None,
                              data={"object": {"id": "c" * MAX_ID_LENGTH}}))  # fmt: skip
    webhook_event_check(event(data={"object": {}}))
