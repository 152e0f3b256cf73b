"""The webhook endpoint: signature checks, storing each event once, errors and retries."""

import json
import time

import pytest
import stripe
import time_machine

from payments.models import PaymentLog, PaymentSession, WebhookEvent
from payments.models.logs import LogEvent
from payments.models.webhooks import WebhookEventStatus
from payments.services import webhook_handlers
from payments.states import PaymentStatus
from payments.testing.factories import PaymentSessionFactory
from payments.testing.pytest_plugin import EMULATOR_WEBHOOK_SECRET
from payments.testing.stripe_events import StripePayment, event, signature_header
from payments.tests.webhook_support import URL, session, succeeded

pytestmark = pytest.mark.django_db
__all__ = ["session", "succeeded"]  # fixtures


def _nothing_written():
    return WebhookEvent.objects.count() == 0 and PaymentLog.objects.count() == 0


def _post_raw(webhooks, body: bytes, header: str | None):
    extra = {"HTTP_STRIPE_SIGNATURE": header} if header is not None else {}
    return webhooks.client.post(URL, data=body, content_type="application/json", **extra)


def test_signed_event_is_stored_and_applied(webhooks, session, succeeded):
    response = webhooks.post(succeeded)

    assert response.status_code == 200
    assert response.json() == {"received": True, "id": succeeded["id"], "status": "processed"}
    stored = WebhookEvent.objects.get()
    assert stored.stripe_event_id == succeeded["id"]
    assert stored.type == "payment_intent.succeeded"
    assert stored.payload == succeeded
    assert stored.api_version == succeeded["api_version"]
    assert (stored.status, stored.attempts, stored.session) == ("processed", 1, session)
    assert stored.processed_at is not None
    session.refresh_from_db()
    assert session.status == PaymentStatus.SUCCEEDED
    received = PaymentLog.objects.get(event_type=LogEvent.WEBHOOK_RECEIVED)
    assert received.actor == f"stripe:{succeeded['id']}"
    # The payload is stored once, on the event; the log row points at it.
    assert (received.payload, received.webhook_event, received.event_payload) == (
        None,
        stored,
        succeeded,
    )
    changed = PaymentLog.objects.get(event_type=LogEvent.STATUS_CHANGED)
    assert (changed.old_status, changed.new_status) == ("pending", "succeeded")
    assert changed.actor == f"stripe:{succeeded['id']}"
    # The handler's own rows (here the status change) point at the event too: no copy.
    assert (changed.payload, changed.webhook_event, changed.event_payload) == (
        None,
        stored,
        succeeded,
    )


def test_tampered_body_is_refused_and_nothing_written(webhooks, session, succeeded):
    body = json.dumps(succeeded).encode()
    header = signature_header(body, EMULATOR_WEBHOOK_SECRET)
    tampered = body.replace(b'"amount": 2500', b'"amount": 1')
    assert tampered != body

    response = _post_raw(webhooks, tampered, header)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert _nothing_written()
    session.refresh_from_db()
    assert session.status == PaymentStatus.PENDING


def test_wrong_secret_is_refused(webhooks, succeeded):
    response = webhooks.post(succeeded, secret="whsec_someone_else")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert "Invalid Stripe-Signature" in response.json()["error"]["message"]
    assert _nothing_written()


def test_timestamp_older_than_tolerance_is_refused(webhooks, succeeded):
    body = json.dumps(succeeded).encode()
    header = signature_header(body, EMULATOR_WEBHOOK_SECRET)  # signed now

    with time_machine.travel(time.time() + 301, tick=False):
        late = _post_raw(webhooks, body, header)
    with time_machine.travel(time.time() + 290, tick=False):
        in_time = _post_raw(webhooks, body, header)

    assert late.status_code == 400
    assert "timestamp" in late.json()["error"]["message"].lower()
    assert in_time.status_code == 200


def test_any_configured_secret_may_sign_during_rotation(webhooks, settings, session, succeeded):
    settings.PAYMENTS = {
        **settings.PAYMENTS,
        "STRIPE_WEBHOOK_SECRETS": ["whsec_new_secret", EMULATOR_WEBHOOK_SECRET],
    }
    other = event("payment_intent.processing", StripePayment.for_session(session).payment_intent())

    signed_with_old = webhooks.post(other, secret=EMULATOR_WEBHOOK_SECRET)
    signed_with_new = webhooks.post(succeeded, secret="whsec_new_secret")
    unknown = webhooks.post(succeeded, secret="whsec_retired_secret")

    assert (signed_with_old.status_code, signed_with_new.status_code) == (200, 200)
    assert unknown.status_code == 400
    assert WebhookEvent.objects.count() == 2


def test_a_header_with_several_v1_signatures_matches_on_any(webhooks, succeeded):
    # Stripe signs with every active secret during a rotation: t=..,v1=<new>,v1=<old>.
    body = json.dumps(succeeded).encode()
    stamp = int(time.time())
    good = stripe.WebhookSignature._compute_signature(
        f"{stamp}.{body.decode()}", EMULATOR_WEBHOOK_SECRET
    )
    header = f"t={stamp},v1={'0' * 64},v1={good}"

    assert _post_raw(webhooks, body, header).status_code == 200


@pytest.mark.parametrize(
    ("body", "header", "code"),
    [
        (b'{"id": "evt_1", "object": "event"}', None, "invalid_signature"),
        (b"not json at all", "sign", "invalid_payload"),
        (b'{"id": "cus_1", "object": "customer"}', "sign", "invalid_payload"),
        (b'{"id": "evt_1", "object": "event", "type": "x"}', "sign", "invalid_payload"),
    ],
    ids=["missing-header", "not-json", "not-an-event", "event-without-data"],
)
def test_unsigned_or_malformed_bodies_are_refused(webhooks, body, header, code):
    signed = header == "sign"
    if signed:
        header = signature_header(body, EMULATOR_WEBHOOK_SECRET)

    response = _post_raw(webhooks, body, header)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert WebhookEvent.objects.count() == 0
    # A signed delivery that is refused is kept for staff (the audit trail); unsigned, nothing.
    rejected = PaymentLog.objects.filter(actor="stripe:rejected", session=None)
    assert rejected.count() == PaymentLog.objects.count() == (1 if signed else 0)


def test_only_post_is_allowed(webhooks):
    assert webhooks.client.get(URL).status_code == 405
    assert webhooks.client.put(URL, data=b"{}").status_code == 405


def test_body_over_the_cap_is_refused_before_reading(webhooks, settings, succeeded):
    settings.PAYMENTS = {**settings.PAYMENTS, "STRIPE_WEBHOOK_MAX_BODY_BYTES": 200}

    response = webhooks.post(succeeded)

    assert response.status_code == 413
    assert "STRIPE_WEBHOOK_MAX_BODY_BYTES" in response.json()["error"]["message"]
    assert _nothing_written()


def test_endpoint_needs_no_csrf_token(webhooks, succeeded):
    # The client enforces CSRF checks like a browser; Stripe sends no cookie or token.
    assert webhooks.client.handler.enforce_csrf_checks
    assert webhooks.post(succeeded).status_code == 200


def test_duplicate_delivery_answers_200_and_changes_nothing(webhooks, session, succeeded):
    webhooks.post(succeeded)
    session.refresh_from_db()
    before = (session.updated_at, PaymentLog.objects.count())

    again = webhooks.post(succeeded)

    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    session.refresh_from_db()
    assert (session.updated_at, PaymentLog.objects.count()) == before
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.attempts) == ("processed", 1)


def test_event_for_an_unknown_session_is_stored_as_ignored(webhooks):
    stranger = PaymentSessionFactory.build()  # never saved: not one of ours
    foreign = event(
        "payment_intent.succeeded", StripePayment.for_session(stranger).payment_intent()
    )

    response = webhooks.post(foreign)

    assert response.status_code == 200 and response.json()["status"] == "ignored"
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.session) == (WebhookEventStatus.IGNORED, None)
    log = PaymentLog.objects.get()
    assert (log.event_type, log.session, log.event_payload) == (
        LogEvent.WEBHOOK_RECEIVED,
        None,
        foreign,
    )
    assert (log.payload, log.webhook_event) == (None, stored)


def test_unhandled_event_type_is_stored_as_ignored(webhooks, session):
    customer = event("customer.created", {"id": "cus_1", "object": "customer", "metadata": {}})

    response = webhooks.post(customer)

    assert response.json()["status"] == "ignored"
    assert WebhookEvent.objects.get().status == WebhookEventStatus.IGNORED
    assert webhooks.post(customer).json()["status"] == "duplicate"


def test_processing_error_rolls_back_records_error_and_retry_succeeds(
    webhooks, session, succeeded, monkeypatch
):
    real_handler = webhook_handlers.HANDLERS["payment_intent.succeeded"]

    def fails_after_its_effects(ctx):
        real_handler(ctx)  # the session is moved to succeeded, then:
        raise RuntimeError("the database went away")

    monkeypatch.setitem(
        webhook_handlers.HANDLERS, "payment_intent.succeeded", fails_after_its_effects
    )

    failed = webhooks.post(succeeded)

    assert failed.status_code == 500
    assert failed.json()["error"]["code"] == "webhook_processing_failed"
    assert "went away" not in failed.content.decode()  # no internals in the response
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.attempts) == (WebhookEventStatus.FAILED, 1)
    assert stored.error == "RuntimeError: the database went away"
    session.refresh_from_db()
    assert session.status == PaymentStatus.PENDING  # rolled back
    assert not PaymentLog.objects.filter(event_type=LogEvent.STATUS_CHANGED).exclude(actor="test")
    error_log = PaymentLog.objects.get(event_type=LogEvent.ERROR)
    assert error_log.session == session and "went away" in error_log.error_message

    monkeypatch.setitem(webhook_handlers.HANDLERS, "payment_intent.succeeded", real_handler)
    retried = webhooks.post(succeeded)  # Stripe's retry

    assert retried.status_code == 200 and retried.json()["status"] == "processed"
    stored.refresh_from_db()
    assert (stored.status, stored.attempts, stored.error) == ("processed", 2, "")
    session.refresh_from_db()
    assert session.status == PaymentStatus.SUCCEEDED
    assert PaymentLog.objects.filter(event_type=LogEvent.STATUS_CHANGED).count() == 1


def test_an_event_failing_twice_counts_both_attempts_and_keeps_nothing_of_either(
    webhooks, session, succeeded, monkeypatch
):
    def fails(ctx):
        webhook_handlers.payment_intent_succeeded(ctx)
        raise RuntimeError("still broken")

    monkeypatch.setitem(webhook_handlers.HANDLERS, "payment_intent.succeeded", fails)

    assert webhooks.post(succeeded).status_code == 500
    assert webhooks.post(succeeded).status_code == 500  # Stripe's retry fails too

    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.attempts) == (WebhookEventStatus.FAILED, 2)
    assert stored.session == session and stored.payload == succeeded
    assert PaymentLog.objects.filter(event_type=LogEvent.ERROR).count() == 2
    assert not PaymentLog.objects.filter(event_type=LogEvent.WEBHOOK_RECEIVED).exists()
    session.refresh_from_db()
    assert session.status == PaymentStatus.PENDING


def test_database_error_in_an_event_is_rolled_back_and_recorded(webhooks, session):
    """A charge id another session already holds breaks a unique constraint: the event's
    other effects roll back, the error is committed, and the endpoint answers 500."""
    payment = StripePayment.for_session(session)
    PaymentSessionFactory(stripe_charge_id=payment.charge_id)
    charge = event("charge.succeeded", payment.charge())

    response = webhooks.post(charge)

    assert response.status_code == 500
    stored = WebhookEvent.objects.get()
    assert stored.status == WebhookEventStatus.FAILED and "IntegrityError" in stored.error
    session.refresh_from_db()
    assert (session.card_last4, session.stripe_charge_id) == ("", None)

    PaymentSession.objects.exclude(pk=session.pk).update(stripe_charge_id=None)  # fixed
    assert webhooks.post(charge).json()["status"] == "processed"
    session.refresh_from_db()
    assert (session.card_last4, session.stripe_charge_id) == ("4242", payment.charge_id)
