"""Reads of the callbacks sent to API clients: which ones a redelivery should send again."""

from typing import Any

from payments.models import CallbackEvent
from payments.models.callbacks import CallbackStatus


def callback_ids_for_redelivery(*, failed: bool, session_id: Any = None) -> list[str]:
    """Failed callbacks (optionally of one session), for ``redeliver_callbacks --failed``."""
    if not failed:
        return []
    query = CallbackEvent.objects.filter(status=CallbackStatus.FAILED)
    if session_id is not None:
        query = query.filter(session_id=session_id)
    return list(query.values_list("pk", flat=True))
