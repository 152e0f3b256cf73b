"""Helpers and fixtures for the admin, command, report and dashboard tests.

Test modules import the fixtures they use by name.
"""

import io
import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client

from payments.models import PaymentSession, Refund, Transaction
from payments.models.ledger import TransactionKind
from payments.states import PaymentStatus
from payments.testing.factories import CustomerFactory, PaymentSessionFactory

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen_time():
    """The clock stopped at ``NOW``."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff_client(db) -> Client:
    """A logged-in superuser (staff) at the admin."""
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def plain_client(db) -> Client:
    """A logged-in user who is not staff."""
    user = get_user_model().objects.create_user("visitor", "visitor@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def paid(
    *, amount: int = 2500, currency: str = "gbp", at: datetime, fee: int = 0, **fields
) -> PaymentSession:
    """A session paid at ``at``, with its ``charge`` ledger row booked then."""
    with time_machine.travel(at, tick=False):
        session = PaymentSessionFactory(
            amount=amount,
            currency=currency,
            status=PaymentStatus.SUCCEEDED,
            paid_at=at,
            stripe_payment_intent_id=f"pi_{uuid.uuid4().hex}",
            **fields,
        )
        Transaction.objects.create(
            session=session,
            kind=TransactionKind.CHARGE,
            gross=amount,
            fee=fee,
            net=amount - fee,
            currency=currency,
            stripe_object_id=f"ch_{session.pk.hex}",
        )
    return session


def refunded(session: PaymentSession, *, amount: int, at: datetime) -> Refund:
    """A succeeded refund of ``amount`` at ``at``, in the ledger and on the session."""
    with time_machine.travel(at, tick=False):
        refund = Refund.objects.create(
            session=session,
            amount=amount,
            currency=session.currency,
            status="succeeded",
            stripe_refund_id=f"re_{session.pk.hex}_{amount}",
        )
        Transaction.objects.create(
            session=session,
            kind=TransactionKind.REFUND,
            gross=-amount,
            net=-amount,
            currency=session.currency,
            stripe_object_id=refund.stripe_refund_id,
        )
    total = session.amount_refunded + amount
    status = PaymentStatus.REFUNDED if total == session.amount else "partially_refunded"
    PaymentSession.objects.filter(pk=session.pk).update(amount_refunded=total, status=status)
    session.refresh_from_db()
    return refund


def customer(email: str, name: str = "Ada Lovelace"):
    return CustomerFactory(email=email, name=name)


class TTY(io.StringIO):
    """Captured output that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


def run(command: str, *args: str, tty: bool = False) -> str:
    out = TTY() if tty else io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def sql_rows(sql: str, params: list) -> list[tuple]:
    """Run independent SQL (datetimes adapted the way the backend stores them)."""
    adapt = connection.ops.adapt_datetimefield_value
    params = [adapt(p) if isinstance(p, datetime) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
