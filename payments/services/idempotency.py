"""Idempotency keys for our own API, after Stripe and the IETF ``Idempotency-Key`` draft.

A key is claimed in its own short transaction (INSERT … ON CONFLICT DO NOTHING, then a row
lock), so 50 concurrent requests with one key see exactly one winner. The winner records how
far it got (``resource_id``, ``recovery_point``) as it goes, and finally the response, which
every later request with the same key and body gets back verbatim.
"""

import math
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from payments import exceptions as exc
from payments.conf import payments_settings
from payments.models import IdempotencyKey


@transaction.atomic
def idempotency_key_acquire(
    *, scope: str, key: str, method: str, path: str, fingerprint: str
) -> IdempotencyKey:
    """Claim ``key`` for this request, or return its stored response (``is_complete``).

    Raises ``IdempotencyKeyReused`` when the key came with another request, and
    ``IdempotencyKeyInUse`` while another request holds it.
    """
    now = timezone.now()
    IdempotencyKey.objects.bulk_create(
        [
            IdempotencyKey(
                scope=scope,
                key=key,
                request_method=method,
                request_path=path,
                request_fingerprint=fingerprint,
                locked_at=None,
            )
        ],
        ignore_conflicts=True,
    )
    idem = IdempotencyKey.objects.select_for_update().get(scope=scope, key=key)
    if idem.request_fingerprint != fingerprint:
        raise exc.IdempotencyKeyReused(
            "This Idempotency-Key was already used with a different request. Use a new key for "
            "a new request.",
            param="Idempotency-Key",
        )
    if idem.is_complete:
        return idem
    lock_timeout = timedelta(seconds=payments_settings.IDEMPOTENCY_LOCK_SECONDS)
    if idem.locked_at is not None and idem.locked_at > now - lock_timeout:
        left = (idem.locked_at + lock_timeout - now).total_seconds()
        raise exc.IdempotencyKeyInUse(
            "A request with this Idempotency-Key is still being processed. Retry later.",
            param="Idempotency-Key",
            retry_after=max(1, math.ceil(left)),
        )
    idem.locked_at = now
    idem.save(update_fields=["locked_at", "updated_at"])
    return idem


def idempotency_key_set_resource(
    *, idem: IdempotencyKey, resource_id: object, recovery_point: str = "resource_created"
) -> None:
    """Remember what the request created, so a retry resumes it instead of creating another."""
    idem.resource_id = str(resource_id)
    idem.recovery_point = recovery_point
    idem.save(update_fields=["resource_id", "recovery_point", "updated_at"])


def idempotency_key_forget_resource(*, idem: IdempotencyKey) -> None:
    """The request was refused before it created what it had named (e.g. a refund over the
    refundable amount): forget it, so the key is released, not spent, and the corrected
    request with the same key can go ahead."""
    idem.resource_id = ""
    idem.recovery_point = "started"
    idem.save(update_fields=["resource_id", "recovery_point", "updated_at"])


def idempotency_key_complete(
    *, idem: IdempotencyKey, status: int, body: bytes, content_type: str
) -> None:
    """Store the final response and release the key."""
    idem.response_status = status
    idem.response_body = body
    idem.response_content_type = content_type
    idem.recovery_point = "finished"
    idem.locked_at = None
    idem.save(
        update_fields=[
            "response_status",
            "response_body",
            "response_content_type",
            "recovery_point",
            "locked_at",
            "updated_at",
        ]
    )


def idempotency_key_release(*, idem: IdempotencyKey) -> None:
    """Let a retry with the same key try again: forget the key if nothing was done yet."""
    if not idem.resource_id:
        IdempotencyKey.objects.filter(pk=idem.pk, response_status__isnull=True).delete()
        return
    idem.locked_at = None
    idem.save(update_fields=["locked_at", "updated_at"])


def idempotency_keys_purge(*, older_than: timedelta) -> int:
    """Delete keys created before ``older_than`` ago. Returns how many went."""
    cutoff = timezone.now() - older_than
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
