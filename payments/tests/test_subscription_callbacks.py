"""``subscription.*`` callbacks end to end on the emulator with a test clock: one per change, in
order, through the same signed outbox as ``payment.*`` (each renewal sends its own), exactly
once under duplicate and shuffled events, and the Done-when path of a declined renewal paid
after the card is updated on the Billing Portal's hosted page."""

import pytest
import requests
from django.db import IntegrityError, transaction
from django_tasks_db.models import DBTaskResult

from payments.models import CallbackEvent, PaymentSession, Subscription
from payments.services.callbacks import callbacks_deliver_due
from payments.services.subscriptions import (
    subscription_cancel,
    subscription_create_elements,
    subscription_portal_url,
)
from payments.signing import callback_signature_verify
from payments.testing.tasks import run_queued_tasks
from payments.tests.callback_support import DELIVER_TASK, callback_receiver  # noqa: F401
from payments.tests.test_subscriptions import member as member_fixture
from payments.tests.test_subscriptions import month
from payments.tests.webhook_support import webhooks  # noqa: F401

pytestmark = pytest.mark.django_db
member = member_fixture  # the monthly member on a test clock, as in test_subscriptions


@pytest.fixture
def receiving(member, callback_receiver):  # noqa: F811
    """The member's API client sends its callbacks to ``callback_receiver``."""
    member.api_client.callback_url = callback_receiver.url
    member.api_client.save(update_fields=["callback_url"])
    return callback_receiver


def subscription_callbacks(subscription: Subscription) -> list[tuple[str, int, str]]:
    rows = CallbackEvent.objects.filter(subscription=subscription).order_by("sequence")
    return [(c.type, c.sequence, c.payload["data"]["status"]) for c in rows]


def received(receiver, prefix: str) -> list[dict]:
    bodies = [request.json() for request in receiver.requests]
    return [body for body in bodies if body["type"].startswith(prefix)]


def test_each_change_is_one_signed_callback_in_order_and_renewals_send_payment_callbacks(
    member, receiving
):
    subscription = member.subscribe()
    for n in (1, 2):
        member.advance(month(n) + 60)
    subscription_cancel(subscription=subscription, at_period_end=True, request_id=1)
    member.deliver()
    member.advance(month(3) + 60)

    assert subscription_callbacks(subscription) == [
        ("subscription.created", 1, "incomplete"),  # the API's answer: the Stripe id
        ("subscription.updated", 2, "active"),  # the first invoice paid
        ("subscription.updated", 3, "active"),  # renewed: the next period
        ("subscription.updated", 4, "active"),
        ("subscription.updated", 5, "active"),  # cancel_at_period_end scheduled
        ("subscription.canceled", 6, "canceled"),  # after the period
    ]
    sent = received(receiving, "subscription.")
    assert [(b["type"], b["sequence"]) for b in sent] == [
        (t, s) for t, s, _ in subscription_callbacks(subscription)
    ]
    periods = [b["data"]["current_period_end"] for b in sent[2:5]]
    assert periods == ["2026-03-15T12:00:00Z", "2026-04-15T12:00:00Z", "2026-04-15T12:00:00Z"]
    assert [b["data"]["cancel_at_period_end"] for b in sent[3:]] == [False, True, True]
    last = sent[-1]["data"]
    assert (last["id"], last["payable_id"], last["amount"]) == (str(subscription.pk), "gym-1", 1500)
    secret = member.api_client.callback_secret
    for request in receiving.requests:
        callback_signature_verify(
            header=request.headers["Payments-Signature"], body=request.body, secrets=[secret]
        )
    # Every renewal is a payment: its own session and its own payment.succeeded.
    renewals = PaymentSession.objects.filter(subscription=subscription)
    paid = received(receiving, "payment.")
    assert sorted(b["data"]["id"] for b in paid) == sorted(str(s.pk) for s in renewals)
    assert {(b["type"], b["sequence"]) for b in paid} == {("payment.succeeded", 1)}
    assert len(paid) == 3
    assert set(CallbackEvent.objects.values_list("status", flat=True)) == {"delivered"}


def test_duplicate_and_shuffled_events_send_each_subscription_callback_once(member):
    subscription = member.subscribe()
    batches = [member.advance(month(n) + 60, shuffle=n) for n in (1, 2, 3)]
    before = list(CallbackEvent.objects.order_by("created_at").values_list("pk", "payload"))

    for events in batches:  # Stripe delivers again, in any order
        member.webhooks.deliver(*reversed(events))
    run_queued_tasks()

    after = list(CallbackEvent.objects.order_by("created_at").values_list("pk", "payload"))
    assert after == before
    subscription.refresh_from_db()
    sent = [p for _, p in before if p["type"].startswith("subscription.")]
    assert [p["sequence"] for p in sent] == list(range(1, len(sent) + 1))
    # An event older than the newest applied changes nothing, so no callback steps back.
    ends = [p["data"]["current_period_end"] for p in sent]
    assert ends == sorted(ends)
    assert (sent[-1]["data"]["status"], sent[-1]["data"]["current_period_end"]) == (
        "active",
        subscription.current_period_end.isoformat().replace("+00:00", "Z"),
    )
    assert subscription.current_period_end.timestamp() == month(4)
    paid = [p["type"] for _, p in before if p["type"].startswith("payment.")]
    assert paid == ["payment.succeeded"] * 4


def test_a_declined_renewal_is_paid_after_the_card_is_updated_in_the_portal(member, receiving):
    subscription = member.subscribe()
    failing = member.sdk.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", params={"customer": member.customer.stripe_customer_id}
    )
    member.sdk.v1.subscriptions.update(
        subscription.stripe_subscription_id, params={"default_payment_method": failing.id}
    )
    member.advance(month(1) + 60)
    subscription.refresh_from_db()
    assert subscription.status == "past_due"
    renewal = PaymentSession.objects.filter(subscription=subscription).latest("created_at")
    assert renewal.status == "pending"

    url = subscription_portal_url(
        subscription=subscription, return_url="https://shop.example/account", request_id=2
    )
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "past_due" in page.text
    answer = requests.post(
        url + "/payment_method", data={"card": "pm_card_visa"}, allow_redirects=False, timeout=10
    )
    assert answer.status_code in (302, 303), answer.text
    member.deliver()

    subscription.refresh_from_db()
    renewal.refresh_from_db()
    assert (subscription.status, renewal.status) == ("active", "succeeded")
    types = [t for t, _, _ in subscription_callbacks(subscription)]
    assert types[-2:] == ["subscription.past_due", "subscription.updated"]
    assert subscription_callbacks(subscription)[-1][2] == "active"
    [paid] = CallbackEvent.objects.filter(session=renewal)
    assert paid.type == "payment.succeeded"
    # The receiver heard past_due, then the renewal paid, then active again.
    heard = [(r.json()["type"], r.json()["data"]["status"]) for r in receiving.requests]
    after = heard[heard.index(("subscription.past_due", "past_due")) + 1 :]
    assert sorted(after) == [("payment.succeeded", "succeeded"), ("subscription.updated", "active")]


def test_a_lost_delivery_task_of_a_subscription_callback_is_swept_up(member, receiving):
    start = subscription_create_elements(api_client=member.api_client, terms=member.terms())
    [created] = CallbackEvent.objects.filter(subscription=start.subscription)
    assert created.type == "subscription.created"
    DBTaskResult.objects.filter(task_path=DELIVER_TASK).delete()  # the task row is lost

    assert callbacks_deliver_due() == 1
    run_queued_tasks()

    [request] = receiving.requests
    assert request.json() == created.payload
    created.refresh_from_db()
    assert created.status == "delivered"


def test_a_subscription_callback_with_nowhere_to_go_is_kept_failed_for_redelivery(member, settings):
    member.api_client.callback_url = ""
    member.api_client.save(update_fields=["callback_url"])
    settings.PAYMENTS = {**settings.PAYMENTS, "WEBHOOK_CALLBACK_URL": ""}

    start = subscription_create_elements(api_client=member.api_client, terms=member.terms())

    [created] = CallbackEvent.objects.filter(subscription=start.subscription)
    assert created.status == "failed" and "no callback URL" in created.last_error
    assert created.session is None and created.api_client == member.api_client


def test_a_callback_reports_exactly_one_session_or_subscription(member):
    start = subscription_create_elements(api_client=member.api_client, terms=member.terms())
    session = PaymentSession.objects.get(subscription=start.subscription)
    for subject in ({}, {"session": session, "subscription": start.subscription}):
        with pytest.raises(IntegrityError), transaction.atomic():
            CallbackEvent.objects.create(
                type="subscription.updated", sequence=9, payload={}, **subject
            )
