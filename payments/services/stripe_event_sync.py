"""Recovering missed webhooks: replay the events Stripe lists through the webhook path.

``sync_stripe_events`` (the command) runs it, e.g. from cron; every event goes through
``webhook_event_receive``, so one already received is skipped like a redelivered webhook. An
event about an object no session has claimed yet is parked (stored, applied when the object
is linked): counted as parked unless a later event of the same run linked it and applied it.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from payments import stripe_api
from payments.models import WebhookEvent
from payments.models.webhooks import WebhookEventStatus
from payments.services.webhooks import WebhookProcessingFailed, webhook_event_receive


@dataclass
class EventSyncResult:
    """What ``stripe_events_sync`` did, by outcome."""

    applied: int = 0
    ignored: int = 0
    skipped: int = 0
    parked: int = 0
    failed: list[str] = field(default_factory=list)


def stripe_events_sync(
    *, since: timedelta, page_size: int = 100, max_pages: int = 1000
) -> EventSyncResult:
    """Fetch the events Stripe created in the last ``since`` and feed each one through
    ``webhook_event_receive``, oldest first. Events already stored are skipped by the same
    deduplication that handles redelivered webhooks, so this is safe to run at any time."""
    created_gte = int((timezone.now() - since).timestamp())
    events: list[dict[str, Any]] = []
    starting_after = None
    for _ in range(max_pages):
        page = stripe_api.event_list(
            created_gte=created_gte, starting_after=starting_after, limit=page_size
        ).data
        events += page.get("data") or []
        if not page.get("has_more") or not page.get("data"):
            break
        starting_after = page["data"][-1]["id"]
    result, parked_ids = EventSyncResult(), []
    for event in reversed(events):  # The Events API lists newest first.
        try:
            outcome = webhook_event_receive(event=event)
        except WebhookProcessingFailed as error:
            result.failed.append(f"{error.event_id}: {error.error}")
            continue
        if outcome.status == WebhookEventStatus.PROCESSED:
            result.applied += 1
        elif outcome.status == WebhookEventStatus.PARKED:
            parked_ids.append(outcome.event_id)
        elif outcome.status == WebhookEventStatus.IGNORED:
            result.ignored += 1
        else:
            result.skipped += 1
    still = WebhookEvent.objects.filter(
        stripe_event_id__in=parked_ids, status=WebhookEventStatus.PARKED
    ).count()
    result.parked, result.applied = still, result.applied + len(parked_ids) - still
    return result
