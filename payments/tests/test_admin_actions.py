"""Admin actions: refunds through the real refund service and the Stripe emulator, CSV export,
callback redelivery, webhook reprocessing."""

import csv
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django_tasks_db.models import DBTaskResult

from payments.models import CallbackEvent, PaymentSession, Refund, WebhookEvent
from payments.models.callbacks import CallbackStatus
from payments.selectors.exports import HEADER
from payments.testing.factories import PaymentSessionFactory
from payments.testing.stripe_events import StripePayment, event
from payments.tests.ops_support import staff_client

pytestmark = pytest.mark.django_db
LIST = "/admin/payments/paymentsession/"
__all__ = ["staff_client"]


def _act(client, action: str, sessions, **data):
    payload = {"action": action, "_selected_action": [str(s.pk) for s in sessions], **data}
    return client.post(LIST, payload, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _token(page) -> str:
    return re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)


def test_full_refund_asks_then_refunds_through_stripe(staff_client, shop, stripe_sdk):
    session = shop.paid_session(amount=2500)

    form = _act(staff_client, "refund_sessions", [session])
    assert form.status_code == 200
    assert "Refund payments" in form.content.decode() and "£25.00" in form.content.decode()
    assert not Refund.objects.exists()

    done = _act(staff_client, "refund_sessions", [session], apply="Refund", token=_token(form))

    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.requested_by) == (2500, "succeeded", "staff:boss")
    assert _messages(done) == [f"{session.pk}: refund of £25.00 is succeeded."]
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == ("refunded", 2500)
    [at_stripe] = stripe_sdk.v1.refunds.list(
        params={"payment_intent": session.stripe_payment_intent_id}
    ).data
    assert (at_stripe.id, at_stripe.amount) == (refund.stripe_refund_id, 2500)


def test_partial_refund_in_major_units(staff_client, shop):
    session = shop.paid_session(amount=2500)
    form = _act(staff_client, "refund_sessions", [session])

    _act(staff_client, "refund_sessions", [session], apply="Refund", token=_token(form),
         amount="10.50", reason="requested_by_customer")  # fmt: skip

    refund = Refund.objects.get()
    assert (refund.amount, refund.reason) == (1050, "requested_by_customer")
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == ("partially_refunded", 1050)


def test_a_resubmitted_form_refunds_once(staff_client, shop):
    session = shop.paid_session(amount=2500)
    token = _token(_act(staff_client, "refund_sessions", [session]))

    for _ in range(2):
        _act(staff_client, "refund_sessions", [session], apply="Refund", token=token,
             amount="5.00")  # fmt: skip

    assert Refund.objects.count() == 1


def test_refusals_are_reported_not_raised(staff_client, shop):
    paid_one = shop.paid_session(amount=2500)
    pending = PaymentSessionFactory(status="pending")
    form = _act(staff_client, "refund_sessions", [paid_one, pending])
    token = _token(form)

    partial = _act(staff_client, "refund_sessions", [paid_one, pending], apply="Refund",
                   token=token, amount="1.00")  # fmt: skip
    assert "A partial amount needs exactly one selected session" in partial.content.decode()
    assert not Refund.objects.exists()

    too_much = _act(staff_client, "refund_sessions", [paid_one], apply="Refund", token=token,
                    amount="30.00")  # fmt: skip
    assert "more than the refundable remainder" in " ".join(_messages(too_much))

    both = _act(staff_client, "refund_sessions", [paid_one, pending], apply="Refund", token=token)
    texts = " ".join(_messages(both))
    assert f"{pending.pk}: Session {pending.pk} cannot be refunded" in texts
    assert f"{paid_one.pk}: refund of £25.00 is succeeded." in texts
    assert Refund.objects.get().session_id == paid_one.pk


@pytest.mark.parametrize(
    ("typed", "complaint"),
    [("abc", "is not an amount"), ("-5", "greater than zero"), ("0", "greater than zero"),
     ("1.234", "decimal places")],
)  # fmt: skip
def test_bad_partial_amounts_are_explained_and_refund_nothing(staff_client, shop, typed, complaint):
    session = shop.paid_session(amount=2500)
    token = _token(_act(staff_client, "refund_sessions", [session]))

    page = _act(staff_client, "refund_sessions", [session], apply="Refund", token=token,
                amount=typed)  # fmt: skip

    assert complaint in page.content.decode()
    assert not Refund.objects.exists()


def test_refund_needs_change_permission(shop):
    session = shop.paid_session()
    viewer = get_user_model().objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_paymentsession"))
    client = Client()
    client.force_login(viewer)

    page = client.get(LIST).content.decode()
    assert "Export selected payments to CSV" in page
    assert "refund_sessions" not in page
    _act(client, "refund_sessions", [session], apply="Refund", token="x")
    assert not Refund.objects.exists()


def test_export_selected_to_csv(staff_client):
    chosen = [PaymentSessionFactory(amount=1999, payable_id="a"),
              PaymentSessionFactory(amount=5000, currency="jpy", payable_id="b")]  # fmt: skip
    PaymentSessionFactory(payable_id="not-selected")

    response = _act(staff_client, "export_csv", chosen)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="payments-')
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert list(rows[0]) == HEADER
    assert sorted((r["payable_id"], r["amount"], r["currency"]) for r in rows) == [
        ("a", "19.99", "gbp"),
        ("b", "5000", "jpy"),
    ]


def test_exported_formula_cells_are_neutralised(staff_client):
    chosen = PaymentSessionFactory(payable_id="=cmd|' /C calc'!A0", payee_reference="@SUM(1)")

    response = _act(staff_client, "export_csv", [chosen])

    body = b"".join(response.streaming_content).decode()
    (row,) = csv.DictReader(io.StringIO(body))
    assert (row["payable_id"], row["payee"]) == ("'=cmd|' /C calc'!A0", "'@SUM(1)")
    assert row["amount"] == "25.00"


def test_redeliver_callbacks_queues_the_latest_and_the_undelivered(staff_client):
    session, other = PaymentSessionFactory(), PaymentSessionFactory()
    made = {}
    for sequence, status in [(1, "failed"), (2, "delivered"), (3, "delivered")]:
        made[sequence] = CallbackEvent.objects.create(
            session=session, type="payment.succeeded", sequence=sequence, payload={},
            status=status, delivered_at=session.created_at if status == "delivered" else None,
        )  # fmt: skip
    CallbackEvent.objects.create(session=other, type="payment.succeeded", sequence=1, payload={})

    response = _act(staff_client, "redeliver_callbacks", [session])

    assert _messages(response) == ["Queued 2 callbacks of 1 payments for delivery."]
    pending = CallbackEvent.objects.filter(status=CallbackStatus.PENDING, session=session)
    assert sorted(pending.values_list("sequence", flat=True)) == [1, 3]
    queued = DBTaskResult.objects.filter(task_path="payments.tasks.deliver_callback")
    assert sorted(r.args_kwargs["kwargs"]["callback_id"] for r in queued) == sorted(
        [made[1].pk, made[3].pk]
    )


def test_reprocess_a_failed_webhook_event(staff_client, webhooks):
    session = PaymentSessionFactory(status="pending")
    payment = StripePayment.for_session(session)
    clash = PaymentSessionFactory(stripe_charge_id=payment.charge_id)
    assert webhooks.post(event("charge.succeeded", payment.charge())).status_code == 500
    stored = WebhookEvent.objects.get()
    assert stored.status == "failed"
    PaymentSession.objects.filter(pk=clash.pk).update(stripe_charge_id=None)  # the fix

    response = staff_client.post(
        "/admin/payments/webhookevent/",
        {"action": "reprocess_events", "_selected_action": [stored.pk]},
        follow=True,
    )

    assert _messages(response) == ["Reprocessed: 1 processed, 0 ignored, 0 skipped."]
    stored.refresh_from_db()
    assert (stored.status, stored.attempts) == ("processed", 2)
    session.refresh_from_db()
    assert session.stripe_charge_id == payment.charge_id
    again = staff_client.post(
        "/admin/payments/webhookevent/",
        {"action": "reprocess_events", "_selected_action": [stored.pk]},
        follow=True,
    )
    assert _messages(again) == ["Reprocessed: 0 processed, 0 ignored, 1 skipped."]
