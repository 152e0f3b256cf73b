"""The status machine: allowed transitions, the service that applies them, and audit rows."""

import itertools
import uuid
from contextlib import nullcontext

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from payments.models import PaymentLog, PaymentSession
from payments.models.logs import LogEvent
from payments.services import status_effects
from payments.services.sessions import session_lock, session_transition
from payments.states import ALLOWED_TRANSITIONS, PaymentStatus, can_transition, refund_status_for
from payments.testing.factories import PaymentSessionFactory

S = PaymentStatus
EXPECTED_ALLOWED = {
    (S.CREATED, S.PENDING),
    (S.CREATED, S.PROCESSING),
    (S.CREATED, S.SUCCEEDED),
    (S.CREATED, S.FAILED),
    (S.CREATED, S.CANCELED),
    (S.CREATED, S.EXPIRED),
    (S.PENDING, S.PROCESSING),
    (S.PENDING, S.SUCCEEDED),
    (S.PENDING, S.FAILED),
    (S.PENDING, S.CANCELED),
    (S.PENDING, S.EXPIRED),
    (S.PROCESSING, S.SUCCEEDED),
    (S.PROCESSING, S.FAILED),
    (S.PROCESSING, S.CANCELED),
    (S.PROCESSING, S.EXPIRED),
    (S.SUCCEEDED, S.PARTIALLY_REFUNDED),
    (S.SUCCEEDED, S.REFUNDED),
    (S.PARTIALLY_REFUNDED, S.REFUNDED),
}
ALL_PAIRS = [(a, b) for a, b in itertools.product(S.values, S.values) if a != b]


def test_every_status_has_an_entry_in_the_machine():
    assert set(ALLOWED_TRANSITIONS) == set(S.values)


@pytest.mark.parametrize(("old", "new"), ALL_PAIRS)
def test_machine_allows_exactly_the_forward_moves(old, new):
    assert can_transition(old, new) is ((old, new) in EXPECTED_ALLOWED)


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new"), sorted(EXPECTED_ALLOWED))
def test_service_applies_allowed_transition_and_audits_it(old, new):
    session = PaymentSessionFactory(status=old)

    changed = session_transition(session=session, new_status=new, actor="test")

    session.refresh_from_db()
    assert changed is True
    assert session.status == new
    log = PaymentLog.objects.get(session=session, event_type=LogEvent.STATUS_CHANGED)
    assert (log.old_status, log.new_status, log.actor) == (old, new, "test")
    if new == S.SUCCEEDED:
        assert session.paid_at is not None
    if new == S.CANCELED:
        assert session.canceled_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new"), sorted(pair for pair in ALL_PAIRS if pair not in EXPECTED_ALLOWED)
)
def test_service_refuses_and_logs_a_forbidden_transition(old, new):
    session = PaymentSessionFactory(status=old)

    changed = session_transition(session=session, new_status=new, actor="stripe:evt_1")

    session.refresh_from_db()
    assert changed is False
    assert session.status == old
    refused = PaymentLog.objects.get(session=session, event_type=LogEvent.TRANSITION_REFUSED)
    assert (refused.old_status, refused.new_status) == (old, new)
    assert "not allowed" in refused.error_message
    assert not PaymentLog.objects.filter(event_type=LogEvent.STATUS_CHANGED).exists()


@pytest.mark.django_db
def test_repeating_the_current_status_changes_nothing():
    session = PaymentSessionFactory(status=S.SUCCEEDED)
    assert session_transition(session=session, new_status=S.SUCCEEDED, actor="x") is False
    assert PaymentLog.objects.count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("callers_transaction", [True, False])
def test_a_failing_hook_leaves_no_status_change_behind(monkeypatch, callers_transaction):
    """No savepoint of its own: the status, its log and the hooks' rows go or stay together,
    inside the caller's transaction or in the one it opens itself."""
    session = PaymentSessionFactory(status=S.PENDING)

    def fails(**kwargs):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(status_effects, "callback_create_for_status", fails)
    with (
        pytest.raises(RuntimeError),
        transaction.atomic() if callers_transaction else nullcontext(),
    ):
        session_transition(session=session, new_status=S.SUCCEEDED, actor="test")

    session.refresh_from_db()
    assert (session.status, session.paid_at) == (S.PENDING, None)
    assert not PaymentLog.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_session_lock_reads_the_whole_row_and_needs_a_transaction():
    session = PaymentSessionFactory(metadata={"ref": "A-1"}, card_exp_year=2031)
    with pytest.raises(TransactionManagementError):
        session_lock(session_id=session.pk)
    with transaction.atomic():
        locked = session_lock(session_id=str(session.pk))
        with pytest.raises(PaymentSession.DoesNotExist):
            session_lock(session_id=uuid.uuid4())

    fetched = PaymentSession.objects.get(pk=session.pk)
    for field in PaymentSession._meta.concrete_fields:
        assert getattr(locked, field.attname) == getattr(fetched, field.attname), field.name
    assert locked.metadata == {"ref": "A-1"} and locked.customer == fetched.customer


@pytest.mark.django_db
def test_is_paid_and_can_refund():
    paid = PaymentSessionFactory(status=S.SUCCEEDED, amount=1000, amount_refunded=0)
    part = PaymentSessionFactory(status=S.PARTIALLY_REFUNDED, amount=1000, amount_refunded=400)
    full = PaymentSessionFactory(status=S.REFUNDED, amount=1000, amount_refunded=1000)
    pending = PaymentSessionFactory(status=S.PENDING)
    assert [s.is_paid() for s in (paid, part, full, pending)] == [True, True, True, False]
    assert [s.can_refund() for s in (paid, part, full, pending)] == [True, True, False, False]
    assert part.refundable_amount == 600


def test_refund_status_for():
    assert refund_status_for(amount=1000, amount_refunded=0) == S.SUCCEEDED
    assert refund_status_for(amount=1000, amount_refunded=1) == S.PARTIALLY_REFUNDED
    assert refund_status_for(amount=1000, amount_refunded=1000) == S.REFUNDED


def test_an_unknown_status_can_go_nowhere():
    assert not can_transition("bogus", S.PENDING)
    assert not can_transition("", S.SUCCEEDED)
