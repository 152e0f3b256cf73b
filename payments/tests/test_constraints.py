"""The database itself refuses money that does not add up."""

import pytest
from django.db import IntegrityError, transaction

from payments.models import Transaction
from payments.models.base import AppendOnlyError
from payments.testing.factories import PaymentSessionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "fields",
    [
        {"amount": 0},
        {"amount": -5},
        {"amount": 1000, "amount_refunded": 1001},
        {"amount": 1000, "amount_refunded": -1},
        {"amount": 1000, "platform_fee": 100, "payee_amount": 800},
        {"amount": 1000, "platform_fee": -1},
        {"status": "made_up"},
    ],
)
def test_session_constraints(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentSessionFactory(**fields)


def test_a_split_that_adds_up_is_accepted():
    session = PaymentSessionFactory(amount=1000, platform_fee=150, payee_amount=850)
    assert session.pk


def test_ledger_row_must_satisfy_gross_equals_fee_plus_net():
    session = PaymentSessionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(
            session=session, kind="charge", gross=2500, fee=100, net=2500, currency="gbp",
            stripe_object_id="ch_1",
        )  # fmt: skip


def test_ledger_rows_are_append_only():
    session = PaymentSessionFactory()
    row = Transaction.objects.create(
        session=session, kind="charge", gross=2500, fee=58, net=2442, currency="gbp",
        stripe_object_id="ch_1",
    )  # fmt: skip
    row.fee = 0
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()


def test_one_ledger_row_per_stripe_object_and_kind():
    session = PaymentSessionFactory()
    fields = dict(session=session, kind="charge", gross=2500, fee=58, net=2442, currency="gbp")
    Transaction.objects.create(stripe_object_id="ch_1", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(stripe_object_id="ch_1", **fields)


def test_stripe_ids_are_unique():
    PaymentSessionFactory(stripe_checkout_session_id="cs_test_1")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentSessionFactory(stripe_checkout_session_id="cs_test_1")
