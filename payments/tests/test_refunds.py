"""The refund service: atomic phases, Stripe's answer and webhooks never counted twice."""

import uuid

import pytest

from payments import exceptions as exc
from payments.models import PaymentLog, Refund, Transaction, WebhookEvent
from payments.models.logs import LogEvent
from payments.services.refunds import refund_create
from payments.states import PaymentStatus
from payments.testing.factories import PaymentSessionFactory
from payments.tests.webhook_support import emulator_control

pytestmark = pytest.mark.django_db
ACTOR = "client:shop"


def _refund(session, amount=None, **kwargs):
    return refund_create(
        session_id=session.pk,
        amount=amount,
        reason=kwargs.pop("reason", "requested_by_customer"),
        requested_by=ACTOR,
        **kwargs,
    )


def _stripe_refunds(stripe_sdk, session) -> list:
    return stripe_sdk.v1.refunds.list(
        params={"payment_intent": session.stripe_payment_intent_id}
    ).data


def test_full_refund_by_default(shop, stripe_sdk):
    session = shop.paid_session()

    refund = _refund(session)

    assert (refund.amount, refund.status, refund.requested_by) == (2500, "succeeded", ACTOR)
    (at_stripe,) = _stripe_refunds(stripe_sdk, session)
    assert refund.stripe_refund_id == at_stripe.id
    assert at_stripe.metadata["payments_refund_id"] == str(refund.pk)
    assert at_stripe.amount == 2500 and at_stripe.reason == "requested_by_customer"
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.REFUNDED, 2500)
    row = Transaction.objects.get(kind="refund")
    assert (row.gross, row.fee, row.net, row.stripe_object_id) == (-2500, 0, -2500, at_stripe.id)
    logs = PaymentLog.objects.filter(session=session, actor=ACTOR)
    assert list(logs.values_list("event_type", "old_status", "new_status")) == [
        (LogEvent.REFUND_CREATED, "", ""),
        (LogEvent.REFUND_UPDATED, "pending", "succeeded"),
        (LogEvent.STATUS_CHANGED, "succeeded", "refunded"),
    ]
    assert logs[1].payload["id"] == at_stripe.id and logs[1].stripe_request_id


def test_partial_refunds_then_the_rest(shop):
    session = shop.paid_session()

    first = _refund(session, 1000)
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, 1000)

    rest = _refund(session)
    session.refresh_from_db()
    assert (first.amount, rest.amount) == (1000, 1500)
    assert (session.status, session.amount_refunded) == (PaymentStatus.REFUNDED, 2500)


def test_webhooks_after_the_answer_count_nothing_twice(shop):
    session = shop.paid_session()
    _refund(session, 1000)

    events = shop.deliver_new_events()

    assert {e["type"] for e in events} >= {"refund.created", "charge.refunded"}
    stored = WebhookEvent.objects.filter(stripe_event_id__in=[e["id"] for e in events])
    assert set(stored.values_list("status", flat=True)) == {"processed"}
    session.refresh_from_db()
    assert session.amount_refunded == 1000
    assert Refund.objects.count() == 1
    assert Transaction.objects.filter(kind="refund").count() == 1


def test_more_than_the_remainder_is_refused(shop):
    session = shop.paid_session()
    _refund(session, 2000)

    with pytest.raises(exc.RefundExceedsRefundable) as refused:
        _refund(session, 501)

    assert refused.value.code == "refund_exceeds_refundable"
    assert refused.value.param == "amount"
    assert "500" in refused.value.message and "£5.00" in refused.value.message
    assert Refund.objects.count() == 1


@pytest.mark.parametrize("status", ["pending", "processing", "failed", "refunded"])
def test_session_that_is_not_paid_or_fully_refunded_is_not_refundable(status):
    session = PaymentSessionFactory(status=status, stripe_payment_intent_id="pi_x")

    with pytest.raises(exc.NotRefundable) as refused:
        _refund(session, 100)

    assert refused.value.code == "not_refundable"
    assert status in refused.value.message
    assert not Refund.objects.exists()


def test_pending_refund_reserves_its_amount_until_it_fails(shop):
    session = shop.checkout()
    shop.pay(session, payment_method="pm_card_refundFail")
    shop.deliver_new_events()
    pending = _refund(session, 1500)

    assert pending.status == "pending" and pending.stripe_refund_id
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.SUCCEEDED, 0)
    with pytest.raises(exc.RefundExceedsRefundable):
        _refund(session, 1001)

    shop.deliver_new_events()
    emulator_control(shop.emulator, f"refunds/{pending.stripe_refund_id}/fail")
    shop.deliver_new_events()

    pending.refresh_from_db()
    assert (pending.status, pending.failure_reason) == ("failed", "expired_or_canceled_card")
    assert _refund(session, 1001).amount == 1001  # the reservation was released


def test_stripe_down_leaves_the_refund_pending_and_a_retry_resumes_it(
    shop, stripe_emulator, stripe_sdk
):
    session = shop.paid_session()
    stripe_emulator.unreachable_next("POST", "/v1/refunds")
    refund_id = uuid.uuid4()

    with pytest.raises(exc.ProviderUnavailable):
        _refund(session, 1000, refund_id=refund_id)

    refund = Refund.objects.get()
    assert (refund.pk, refund.status, refund.stripe_refund_id) == (refund_id, "pending", None)
    assert PaymentLog.objects.filter(event_type=LogEvent.ERROR, session=session).exists()

    resumed = _refund(session, 1000, refund_id=refund_id)

    assert (resumed.pk, resumed.status) == (refund_id, "succeeded")
    assert len(_stripe_refunds(stripe_sdk, session)) == 1
    session.refresh_from_db()
    assert session.amount_refunded == 1000


def test_lost_answer_then_webhook_then_retry_refunds_once(shop, stripe_emulator, stripe_sdk):
    """Stripe made the refund but its answer was lost; the webhook tells us first."""
    session = shop.paid_session()
    stripe_emulator.drop_next("POST", "/v1/refunds")
    refund_id = uuid.uuid4()

    with pytest.raises(exc.ProviderUnavailable):
        _refund(session, 1000, refund_id=refund_id)
    assert Refund.objects.get().stripe_refund_id is None

    shop.deliver_new_events()  # refund.created, charge.refunded
    refund = Refund.objects.get()
    assert (refund.pk, refund.status) == (refund_id, "succeeded") and refund.stripe_refund_id

    resumed = _refund(session, 1000, refund_id=refund_id)

    assert resumed.pk == refund_id and resumed.stripe_refund_id == refund.stripe_refund_id
    assert len(_stripe_refunds(stripe_sdk, session)) == 1
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, 1000)


def test_stripe_refusal_fails_the_refund(shop, stripe_sdk):
    session = shop.paid_session()
    # Refunded in the Dashboard, and we have not heard about it yet.
    stripe_sdk.v1.refunds.create(params={"payment_intent": session.stripe_payment_intent_id})

    with pytest.raises(exc.InvalidProviderRequest) as refused:
        _refund(session, 1000)

    assert refused.value.code == "charge_already_refunded"
    refund = Refund.objects.get(requested_by=ACTOR)
    assert (refund.status, refund.failure_reason) == ("failed", "charge_already_refunded")

    shop.deliver_new_events()
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.REFUNDED, 2500)


def test_the_client_is_called_back_for_each_refund(shop):
    session = shop.paid_session()

    _refund(session, 500)
    _refund(session, 500)
    shop.deliver_new_events()  # Stripe's refund webhooks add no callback of their own
    _refund(session)

    types = list(session.callbacks.order_by("sequence").values_list("type", flat=True))
    assert types == [
        "payment.succeeded",
        "payment.partially_refunded",
        "payment.partially_refunded",
        "payment.refunded",
    ]
