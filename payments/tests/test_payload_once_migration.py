"""Migration 0009_payload_once: log rows stop copying the payload of their stored event."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("payments", "0008_ownership")]
AFTER = [("payments", "0009_payload_once")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _event(event_id: str) -> dict:
    return {"id": event_id, "object": "event", "type": "payment_intent.succeeded"}


@pytest.mark.django_db(transaction=True)
def test_copies_of_stored_payloads_are_blanked_and_point_at_their_event():
    old = _migrate(BEFORE)
    event_model = old.get_model("payments", "WebhookEvent")
    log_model = old.get_model("payments", "PaymentLog")
    stored = event_model.objects.create(
        stripe_event_id="evt_1", type="payment_intent.succeeded",
        stripe_created="2026-01-01T00:00Z",
        payload=_event("evt_1"),
    )  # fmt: skip
    received = log_model.objects.create(
        event_type="webhook_received", actor="stripe:evt_1", payload=_event("evt_1")
    )
    failed = log_model.objects.create(
        event_type="error", actor="stripe:evt_1", payload=_event("evt_1"), error_message="boom"
    )
    # A delivery that was never stored: its row is the only record of what arrived.
    rejected = log_model.objects.create(
        event_type="error", actor="stripe:rejected", payload={"excerpt": "{"}, error_message="bad"
    )
    # No stored event of that id: nothing to point at, the copy stays.
    orphan = log_model.objects.create(
        event_type="webhook_received", actor="stripe:evt_2", payload=_event("evt_2")
    )
    # Another payload under the same actor (e.g. a status change): not a copy of the event.
    other = log_model.objects.create(
        event_type="webhook_received", actor="stripe:evt_1", payload={"something": "else"}
    )

    try:
        new = _migrate(AFTER)
        logs = {log.pk: log for log in new.get_model("payments", "PaymentLog").objects.all()}

        for row in (received, failed):
            assert (logs[row.pk].payload, logs[row.pk].webhook_event_id) == (None, stored.pk)
        assert logs[rejected.pk].payload == {"excerpt": "{"}
        assert logs[orphan.pk].payload == _event("evt_2")
        assert logs[other.pk].payload == {"something": "else"}
        assert {logs[row.pk].webhook_event_id for row in (rejected, orphan, other)} == {None}

        back = _migrate(BEFORE)
        restored = back.get_model("payments", "PaymentLog").objects.get(pk=received.pk)
        assert restored.payload == _event("evt_1")
    finally:
        _migrate(_latest())
