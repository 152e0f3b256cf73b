"""Read-only admins of the app's records: ledger, refunds, audit log, webhook events,
callbacks, customers and API clients."""

import pytest
from django.contrib.admin.utils import quote
from django.utils import timezone

from payments.models import CallbackAttempt, CallbackEvent, PaymentLog, Subscription, WebhookEvent
from payments.services.clients import api_client_create
from payments.testing.factories import CustomerFactory, PaymentSessionFactory
from payments.tests.ops_support import customer, paid, refunded, staff_client

pytestmark = pytest.mark.django_db
ADMIN = "/admin/payments/"
__all__ = ["staff_client"]


@pytest.fixture
def records(db):
    ada = customer("ada@example.com", "Ada Lovelace")
    session = paid(amount=2500, at=timezone.now(), fee=58, customer=ada)
    refunded(session, amount=1000, at=timezone.now())
    PaymentLog.objects.create(session=session, event_type="status_changed", actor="stripe:evt_9")
    WebhookEvent.objects.create(
        stripe_event_id="evt_9",
        type="charge.succeeded",
        stripe_created=timezone.now(),
        payload={},
        session=session,
    )
    callback = CallbackEvent.objects.create(
        session=session, type="payment.succeeded", sequence=1, payload={}
    )
    CallbackAttempt.objects.create(callback=callback, url="http://x/", status_code=503)
    return session


@pytest.mark.parametrize(
    "model, expected",
    [
        ("transaction", ["charge", "£25.00", "£0.58", "£24.42", "-£10.00"]),
        ("refund", ["£10.00", "succeeded"]),
        ("paymentlog", ["status_changed", "stripe:evt_9"]),
        ("webhookevent", ["evt_9", "charge.succeeded"]),
        ("callbackevent", ["payment.succeeded"]),
        ("customer", ["ada@example.com", "Ada Lovelace"]),
    ],
)
def test_lists_are_read_only(staff_client, records, model, expected):
    page = staff_client.get(f"{ADMIN}{model}/").content.decode()

    for text in expected:
        assert text in page
    assert f'href="{ADMIN}{model}/add/"' not in page
    assert staff_client.get(f"{ADMIN}{model}/add/").status_code == 403


def test_searches_use_exact_ids(staff_client, records):
    session_id = str(records.pk)
    other = PaymentSessionFactory()
    PaymentLog.objects.create(session=other, event_type="error", actor="someone")

    logs = staff_client.get(f"{ADMIN}paymentlog/?q={session_id}").content.decode()
    assert "stripe:evt_9" in logs and "someone" not in logs
    assert "stripe:evt_9" in staff_client.get(f"{ADMIN}paymentlog/?q=stripe:evt_9").content.decode()
    charge = staff_client.get(f"{ADMIN}transaction/?q=ch_{records.pk.hex}").content.decode()
    assert "£25.00" in charge and "-£10.00" not in charge
    assert "evt_9" in staff_client.get(f"{ADMIN}webhookevent/?q=evt_9").content.decode()
    customers = staff_client.get(f"{ADMIN}customer/?q=ADA@example.com").content.decode()
    assert "Ada Lovelace" in customers
    assert "Ada Lovelace" in staff_client.get(f"{ADMIN}customer/?q=love").content.decode()


def test_callback_detail_shows_its_attempts(staff_client, records):
    callback = CallbackEvent.objects.get()

    # The admin's own links quote the id: evt_ followed by e.g. "22" would unquote to '"'.
    page = staff_client.get(f"{ADMIN}callbackevent/{quote(callback.pk)}/change/").content.decode()

    assert "503" in page and "http://x/" in page


def test_api_clients_never_show_keys_or_secrets(staff_client):
    created = api_client_create(name="shop", callback_url="https://shop.example.com/cb")

    page = staff_client.get(f"{ADMIN}apiclient/{created.client.pk}/change/").content.decode()

    assert "https://shop.example.com/cb" in page
    assert created.client.callback_secret not in page
    assert created.api_key not in page


def test_a_log_row_about_a_stripe_event_shows_the_events_payload(staff_client, db):
    stored = WebhookEvent.objects.create(
        stripe_event_id="evt_7",
        type="charge.succeeded",
        stripe_created=timezone.now(),
        payload={"id": "evt_7", "data": {"object": {"id": "ch_seen_in_the_admin"}}},
    )
    linked = PaymentLog.objects.create(
        event_type="webhook_received", actor="stripe:evt_7", webhook_event=stored
    )
    own = PaymentLog.objects.create(event_type="error", actor="t", payload={"own": "row_payload"})

    linked_page = staff_client.get(f"{ADMIN}paymentlog/{linked.pk}/change/").content.decode()
    own_page = staff_client.get(f"{ADMIN}paymentlog/{own.pk}/change/").content.decode()

    assert "ch_seen_in_the_admin" in linked_page
    assert f'href="{ADMIN}webhookevent/{stored.pk}/change/"' in linked_page
    assert "row_payload" in own_page


def test_a_subscription_callback_links_its_subscription_and_is_found_by_its_id(
    staff_client, records
):
    member = Subscription.objects.create(
        customer=CustomerFactory(), payable_type="membership", payable_id="gym-1",
        amount=1500, currency="gbp", interval="month",
    )  # fmt: skip
    CallbackEvent.objects.create(
        subscription=member, type="subscription.created", sequence=1, payload={}
    )
    link = f"{ADMIN}subscription/{member.pk}/change/"

    listed = staff_client.get(f"{ADMIN}callbackevent/").content.decode()
    assert link in listed and f"{ADMIN}paymentsession/{records.pk}/change/" in listed
    found = staff_client.get(f"{ADMIN}callbackevent/?q={member.pk}").content.decode()
    assert link in found and f"paymentsession/{records.pk}/" not in found
    nothing = staff_client.get(f"{ADMIN}callbackevent/?q=not-an-id")
    assert nothing.status_code == 200
    assert link not in nothing.content.decode()
