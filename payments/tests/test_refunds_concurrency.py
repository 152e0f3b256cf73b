"""Concurrent refunds that together exceed the amount, with real threads on PostgreSQL."""

import pytest

from payments import exceptions as exc
from payments.models import Refund
from payments.services.refunds import refund_create
from payments.states import PaymentStatus
from payments.tests.concurrency import run_together


def _refund_concurrently(session, amounts: list[int]) -> list[str]:
    def refund(amount):
        try:
            refund_create(session_id=session.pk, amount=amount, reason="", requested_by="t")
            return "refunded"
        except exc.RefundExceedsRefundable:
            return "refused"

    return run_together(refund, amounts)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refunds_over_the_amount_one_is_refused(shop, stripe_sdk):
    session = shop.paid_session()

    outcomes = _refund_concurrently(session, [1500, 1500])

    assert sorted(outcomes) == ["refunded", "refused"]
    assert Refund.objects.get().amount == 1500
    at_stripe = stripe_sdk.v1.refunds.list(
        params={"payment_intent": session.stripe_payment_intent_id}
    ).data
    assert [r.amount for r in at_stripe] == [1500]
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, 1500)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_concurrent_refunds_never_exceed_the_amount(shop):
    session = shop.paid_session()

    outcomes = _refund_concurrently(session, [700] * 8)

    assert outcomes.count("refunded") == 3  # 3 x 700 = 2100 <= 2500 < 2800
    session.refresh_from_db()
    assert session.amount_refunded == 2100
