"""The callback outbox: which changes write a callback, what it carries, where it goes."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient as HTTPClient

from payments.models import CallbackEvent, ConnectedAccount, PaymentSession
from payments.models.callbacks import CallbackStatus
from payments.services.clients import api_client_create
from payments.services.sessions import session_lock, session_transition
from payments.services.status_effects import on_amount_refunded_changed, on_dispute_changed
from payments.states import DisputeStatus, PaymentStatus
from payments.testing.factories import APIClientFactory, PaymentSessionFactory
from payments.tests.callback_support import move, queued_deliveries

pytestmark = pytest.mark.django_db
S = PaymentStatus


def test_status_change_writes_callback_and_queues_its_delivery(callback_session):
    move(callback_session, S.SUCCEEDED)

    callback = CallbackEvent.objects.get()
    assert callback.type == "payment.succeeded"
    assert callback.session == callback_session
    assert callback.api_client == callback_session.api_client
    assert callback.sequence == 1
    assert callback.status == CallbackStatus.PENDING
    assert callback.id.startswith("evt_")
    assert set(callback.payload) == {"id", "type", "created", "sequence", "data"}
    assert callback.payload["id"] == callback.id
    assert callback.payload["data"]["status"] == "succeeded"
    [task] = queued_deliveries()
    assert task.args_kwargs["kwargs"] == {"callback_id": callback.id}
    assert callback.task_id == str(task.id)


def test_callback_data_is_the_session_as_the_api_shows_it(callback_receiver):
    credentials = api_client_create(name="shop", callback_url=callback_receiver.url)
    session = PaymentSessionFactory(api_client=credentials.client, metadata={"ref": "A-1"})
    move(session, S.PENDING, S.SUCCEEDED)
    http = HTTPClient()
    http.credentials(HTTP_AUTHORIZATION=f"Api-Key {credentials.api_key}")

    shown = http.get(f"/api/payments/sessions/{session.pk}/").json()

    assert CallbackEvent.objects.get().payload["data"] == shown


def test_callback_data_matches_the_api_with_every_field_set(callback_receiver):
    """The snapshot reuses one serializer per process: a second session, with a payee,
    card, refunds and JPY amounts, must still render exactly as the API shows it."""
    credentials = api_client_create(name="shop", callback_url=callback_receiver.url)
    plain = PaymentSessionFactory(api_client=credentials.client, customer=None)
    payee = ConnectedAccount.objects.create(stripe_account_id="acct_snapshot1")
    full = PaymentSessionFactory(
        api_client=credentials.client,
        currency="jpy",
        amount=12000,
        platform_fee=1200,
        payee_amount=10800,
        connected_account=payee,
        payee_reference="teacher:7",
        metadata={"ref": "B-2", "note": "ünïcode"},
        stripe_payment_intent_id="pi_snapshot",
        stripe_charge_id="ch_snapshot",
        card_brand="visa",
        card_last4="4242",
        card_exp_month=12,
        card_exp_year=2030,
        receipt_url="https://pay.stripe.com/receipts/x",
        failure_code="card_declined",
        failure_message="Your card was declined.",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    move(plain, S.PENDING, S.SUCCEEDED)
    move(full, S.PENDING, S.SUCCEEDED)
    move(full, S.PARTIALLY_REFUNDED, amount_refunded=5000)
    http = HTTPClient()
    http.credentials(HTTP_AUTHORIZATION=f"Api-Key {credentials.api_key}")

    for session in (plain, full):
        shown = http.get(f"/api/payments/sessions/{session.pk}/").json()
        latest = CallbackEvent.objects.filter(session=session).order_by("-sequence").first()
        assert latest.payload["data"] == shown
    assert shown["payee_account"] == "acct_snapshot1"
    assert shown["amount_refunded_display"] and shown["customer"]["email"]


def test_a_rolled_back_change_leaves_neither_callback_nor_task(callback_session):
    with pytest.raises(RuntimeError), transaction.atomic():
        locked = session_lock(session_id=callback_session.pk)
        session_transition(session=locked, new_status=S.SUCCEEDED, actor="test")
        raise RuntimeError("the webhook handler failed after the transition")

    assert not CallbackEvent.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert PaymentSession.objects.get(pk=callback_session.pk).status == S.PENDING


def test_open_statuses_send_nothing(callback_client):
    session = PaymentSessionFactory(api_client=callback_client)
    move(session, S.PENDING, S.PROCESSING)
    assert not CallbackEvent.objects.exists()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ([S.FAILED], "payment.failed"),
        ([S.CANCELED], "payment.canceled"),
        ([S.EXPIRED], "payment.expired"),
    ],
)
def test_each_unpaid_ending_has_its_type(callback_session, path, expected):
    move(callback_session, *path)
    assert list(CallbackEvent.objects.values_list("type", flat=True)) == [expected]


def test_sequence_grows_per_session_and_payloads_are_frozen(callback_session, callback_client):
    move(callback_session, S.SUCCEEDED)
    move(callback_session, S.PARTIALLY_REFUNDED, amount_refunded=1000)
    move(callback_session, S.REFUNDED, amount_refunded=2500)
    other = PaymentSessionFactory(api_client=callback_client)
    move(other, S.PENDING, S.EXPIRED)

    ours = CallbackEvent.objects.filter(session=callback_session).order_by("sequence")
    assert [(c.sequence, c.type) for c in ours] == [
        (1, "payment.succeeded"),
        (2, "payment.partially_refunded"),
        (3, "payment.refunded"),
    ]
    assert [c.payload["data"]["amount_refunded"] for c in ours] == [0, 1000, 2500]
    assert [c.payload["data"]["status"] for c in ours] == [
        "succeeded",
        "partially_refunded",
        "refunded",
    ]
    assert CallbackEvent.objects.get(session=other).sequence == 1


def test_a_sequence_cannot_repeat_within_a_session(callback_session):
    move(callback_session, S.SUCCEEDED)
    first = CallbackEvent.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CallbackEvent.objects.create(
            session=callback_session, type=first.type, sequence=first.sequence, payload={}
        )


def test_a_further_partial_refund_sends_a_callback_too(callback_session):
    move(callback_session, S.SUCCEEDED)
    move(callback_session, S.PARTIALLY_REFUNDED, amount_refunded=500)
    with transaction.atomic():
        session = session_lock(session_id=callback_session.pk)
        session.amount_refunded = 900
        session.save(update_fields=["amount_refunded"])
        on_amount_refunded_changed(session=session, old_amount_refunded=500, actor="test")
        on_amount_refunded_changed(session=session, old_amount_refunded=900, actor="test")

    latest = CallbackEvent.objects.order_by("-sequence").first()
    assert (latest.sequence, latest.type) == (3, "payment.partially_refunded")
    assert latest.payload["data"]["amount_refunded"] == 900


def _dispute(session, new_status):
    with transaction.atomic():
        locked = session_lock(session_id=session.pk)
        old = locked.dispute_status
        locked.dispute_status = new_status
        locked.save(update_fields=["dispute_status"])
        on_dispute_changed(session=locked, old_dispute_status=old, actor="test")


def test_dispute_opened_and_closed(callback_session):
    move(callback_session, S.SUCCEEDED)
    _dispute(callback_session, DisputeStatus.OPEN)
    _dispute(callback_session, DisputeStatus.OPEN)  # an update of the same dispute
    _dispute(callback_session, DisputeStatus.WON)

    types = list(CallbackEvent.objects.order_by("sequence").values_list("type", flat=True))
    assert types == ["payment.succeeded", "payment.dispute_opened", "payment.dispute_closed"]
    closed = CallbackEvent.objects.get(type="payment.dispute_closed")
    assert closed.payload["data"]["dispute_status"] == "won"


def test_without_any_callback_url_the_callback_is_recorded_failed_with_the_reason(settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "WEBHOOK_CALLBACK_URL": ""}
    session = PaymentSessionFactory(api_client=APIClientFactory(name="quiet", callback_url=""))

    move(session, S.PENDING, S.SUCCEEDED)

    callback = CallbackEvent.objects.get()
    assert callback.status == CallbackStatus.FAILED
    assert "API client 'quiet' has no callback URL" in callback.last_error
    assert "WEBHOOK_CALLBACK_URL" in callback.last_error
    assert not queued_deliveries()
    assert session.status == S.SUCCEEDED


def test_session_without_client_needs_the_project_secret(settings, callback_receiver):
    settings.PAYMENTS = {
        **settings.PAYMENTS,
        "WEBHOOK_CALLBACK_URL": callback_receiver.url,
        "WEBHOOK_CALLBACK_SECRET": "",
    }
    session = PaymentSessionFactory(api_client=None)

    move(session, S.PENDING, S.CANCELED)

    callback = CallbackEvent.objects.get()
    assert callback.status == CallbackStatus.FAILED
    assert "WEBHOOK_CALLBACK_SECRET" in callback.last_error
