"""Reads of the callbacks sent to API clients: which ones a redelivery should send again."""

from typing import Any

from django.db.models import QuerySet

from payments.models import CallbackEvent, PaymentSession
from payments.models.callbacks import CallbackStatus


def callback_ids_for_redelivery(*, failed: bool, session_id: Any = None) -> list[str]:
    """Failed callbacks (optionally of one session), for ``redeliver_callbacks --failed``."""
    if not failed:
        return []
    query = CallbackEvent.objects.filter(status=CallbackStatus.FAILED)
    if session_id is not None:
        query = query.filter(session_id=session_id)
    return list(query.values_list("pk", flat=True))


def callback_ids_latest_or_undelivered(
    *, sessions: QuerySet[PaymentSession]
) -> dict[object, set[str]]:
    """Per session (of these, those with callbacks) its latest callback and any not delivered:
    what the admin's redelivery sends again (receivers dedupe by event id and ignore older
    sequences)."""
    latest: dict[object, tuple[int, str]] = {}
    wanted: dict[object, set[str]] = {}
    rows = CallbackEvent.objects.filter(session__in=sessions).values_list(
        "pk", "session_id", "sequence", "status"
    )
    for callback_id, session_id, sequence, status in rows:
        if status != CallbackStatus.DELIVERED:
            wanted.setdefault(session_id, set()).add(callback_id)
        if sequence > latest.get(session_id, (0, ""))[0]:
            latest[session_id] = (sequence, callback_id)
    for session_id, (_, callback_id) in latest.items():
        wanted.setdefault(session_id, set()).add(callback_id)
    return wanted
