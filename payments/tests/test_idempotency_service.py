"""The idempotency-key service on its own: claim, lock, resume, complete, release, purge."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from payments import exceptions as exc
from payments.models import IdempotencyKey
from payments.services.idempotency import (
    idempotency_key_acquire,
    idempotency_key_complete,
    idempotency_key_forget_resource,
    idempotency_key_release,
    idempotency_key_set_resource,
    idempotency_keys_purge,
)

pytestmark = pytest.mark.django_db
REQUEST = {"scope": "client:1", "key": "k-1", "method": "POST", "path": "/api/x/"}


def acquire(fingerprint: str = "f" * 64, **overrides) -> IdempotencyKey:
    return idempotency_key_acquire(**{**REQUEST, "fingerprint": fingerprint, **overrides})


def test_a_first_claim_stores_the_request_and_locks_the_key():
    with time_machine.travel("2026-11-30 12:00Z", tick=False):
        idem = acquire()

    stored = IdempotencyKey.objects.get()
    assert (stored.scope, stored.key, stored.request_method, stored.request_path) == (
        "client:1", "k-1", "POST", "/api/x/",
    )  # fmt: skip
    assert stored.request_fingerprint == "f" * 64
    assert stored.locked_at == datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert (stored.recovery_point, stored.response_status, idem.is_complete) == (
        "started", None, False,
    )  # fmt: skip


def test_the_same_key_in_another_scope_is_another_key():
    acquire()
    acquire(scope="client:2")
    assert IdempotencyKey.objects.count() == 2


def test_a_held_key_is_in_use_until_the_lock_times_out(settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "IDEMPOTENCY_LOCK_SECONDS": 60}
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        acquire()
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        with pytest.raises(exc.IdempotencyKeyInUse) as raised:
            acquire()
        assert raised.value.param == "Idempotency-Key"
        assert "still being processed" in str(raised.value)
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        taken_over = acquire()
    assert taken_over.locked_at == start + timedelta(seconds=61)
    assert IdempotencyKey.objects.get().locked_at == start + timedelta(seconds=61)


def test_another_request_with_the_key_is_refused_even_when_complete():
    idem = acquire()
    idempotency_key_complete(idem=idem, status=201, body=b"{}", content_type="application/json")
    with pytest.raises(exc.IdempotencyKeyReused) as raised:
        acquire(fingerprint="g" * 64)
    assert raised.value.param == "Idempotency-Key"
    assert "different request" in str(raised.value)


def test_a_completed_key_returns_its_stored_response_without_locking():
    idem = acquire()
    idempotency_key_complete(idem=idem, status=201, body=b'{"a":1}', content_type="text/x")

    stored = IdempotencyKey.objects.get()
    assert (stored.response_status, bytes(stored.response_body)) == (201, b'{"a":1}')
    assert (stored.response_content_type, stored.recovery_point, stored.locked_at) == (
        "text/x", "finished", None,
    )  # fmt: skip
    again = acquire()
    assert again.is_complete and again.locked_at is None


def test_the_resource_is_remembered_for_a_resuming_retry():
    idem = acquire()
    idempotency_key_set_resource(idem=idem, resource_id=1234)
    stored = IdempotencyKey.objects.get()
    assert (stored.resource_id, stored.recovery_point) == ("1234", "resource_created")

    idempotency_key_set_resource(idem=idem, resource_id="r-9", recovery_point="stripe_called")
    stored.refresh_from_db()
    assert (stored.resource_id, stored.recovery_point) == ("r-9", "stripe_called")


def test_releasing_a_key_that_did_nothing_forgets_it_and_only_it():
    acquire(key="someone-elses")
    idempotency_key_release(idem=acquire())
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["someone-elses"]


def test_releasing_a_key_that_created_something_keeps_it_unlocked():
    idem = acquire()
    idempotency_key_set_resource(idem=idem, resource_id="s-1")
    idempotency_key_release(idem=idem)

    stored = IdempotencyKey.objects.get()
    assert (stored.resource_id, stored.locked_at) == ("s-1", None)
    assert acquire().resource_id == "s-1"  # the retry resumes at once, no 409


def test_releasing_never_deletes_a_stored_response():
    idem = acquire()
    idempotency_key_complete(idem=idem, status=400, body=b"{}", content_type="application/json")
    stale = IdempotencyKey.objects.get()
    stale.response_status = None  # a copy taken before completion, released late
    idempotency_key_release(idem=stale)
    assert IdempotencyKey.objects.get().response_status == 400


def test_purge_deletes_only_keys_older_than_the_cutoff():
    start = timezone.now()
    with time_machine.travel(start - timedelta(hours=25), tick=False):
        acquire(key="old")
    with time_machine.travel(start - timedelta(hours=23), tick=False):
        acquire(key="young")
    with time_machine.travel(start, tick=False):
        assert idempotency_keys_purge(older_than=timedelta(hours=24)) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["young"]


def test_each_step_writes_only_its_own_columns():
    """A step saves the columns it owns, so it never puts back a stale copy of the others
    (e.g. a response stored meanwhile by the request that took the key over)."""
    idem = acquire()
    IdempotencyKey.objects.filter(pk=idem.pk).update(response_content_type="elsewhere")

    idempotency_key_set_resource(idem=idem, resource_id="s-1")
    assert IdempotencyKey.objects.get().response_content_type == "elsewhere"

    IdempotencyKey.objects.filter(pk=idem.pk).update(resource_id="s-2")
    idempotency_key_complete(idem=idem, status=201, body=b"{}", content_type="application/json")
    assert IdempotencyKey.objects.get().resource_id == "s-2"

    IdempotencyKey.objects.filter(pk=idem.pk).update(response_status=None, request_path="/moved/")
    idempotency_key_release(idem=idem)
    assert IdempotencyKey.objects.get().request_path == "/moved/"


def test_forgetting_a_refused_resource_frees_the_key_for_the_corrected_request():
    idem = acquire()
    idempotency_key_set_resource(idem=idem, resource_id="refund-1", recovery_point="reserved")
    IdempotencyKey.objects.filter(pk=idem.pk).update(request_path="/moved/")

    idempotency_key_forget_resource(idem=idem)
    stored = IdempotencyKey.objects.get()
    assert (stored.resource_id, stored.recovery_point) == ("", "started")
    assert stored.request_path == "/moved/"  # only its own columns are written

    idempotency_key_release(idem=idem)  # nothing was created: the key goes
    assert not IdempotencyKey.objects.exists()
