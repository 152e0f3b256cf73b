"""Fixtures and helpers for the callback tests (import the fixtures you use by name)."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from payments.models import PaymentSession
from payments.services.sessions import session_lock, session_transition
from payments.states import PaymentStatus
from payments.testing.callback_receiver import CallbackReceiver
from payments.testing.factories import APIClientFactory, PaymentSessionFactory

DELIVER_TASK = "payments.tasks.deliver_callback"


@pytest.fixture
def callback_receiver():
    with CallbackReceiver() as running:
        yield running


@pytest.fixture
def callback_client(db, callback_receiver):
    """An API client whose callbacks go to ``callback_receiver``."""
    return APIClientFactory(name="bookings", callback_url=callback_receiver.url)


@pytest.fixture
def callback_session(callback_client):
    session = PaymentSessionFactory(api_client=callback_client)
    move(session, PaymentStatus.PENDING)
    return session


def move(session: PaymentSession, *statuses: str, amount_refunded: int | None = None) -> None:
    """Transition ``session`` through ``statuses`` the way services do: locked, atomic."""
    with transaction.atomic():
        locked = session_lock(session_id=session.pk)
        if amount_refunded is not None:
            locked.amount_refunded = amount_refunded
            locked.save(update_fields=["amount_refunded"])
        for status in statuses:
            assert session_transition(session=locked, new_status=status, actor="test")
    session.refresh_from_db()


def queued_deliveries() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=DELIVER_TASK, status="READY"))
