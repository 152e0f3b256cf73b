"""``customer.subscription.*`` events: the subscription row mirrors what Stripe says.

Status, period, scheduled cancellation and trial move only as Stripe's events say, and
order-proof: an event older (by Stripe's ``created``) than the newest one applied changes
nothing, and ``canceled``/``incomplete_expired`` are final (Stripe never revives them).

Every change is reported to the subscription's API client in the same transaction, as one
``subscription.*`` callback: ``created`` on first sight of the Stripe subscription, then
``canceled`` or ``past_due`` when the status becomes that, else ``updated``. A duplicate or
older event changes nothing and so sends nothing.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from payments.models import Subscription
from payments.models.callbacks import CallbackType
from payments.models.subscriptions import FINAL_SUBSCRIPTION_STATUSES, SubscriptionStatus
from payments.models.webhooks import WebhookEventStatus
from payments.services.callbacks import callback_create_for_subscription

# Bookkeeping, not news to the API client.
_UNREPORTED = frozenset({"stripe_event_created"})
_TYPE_FOR_STATUS = {
    SubscriptionStatus.CANCELED: CallbackType.SUBSCRIPTION_CANCELED,
    SubscriptionStatus.PAST_DUE: CallbackType.SUBSCRIPTION_PAST_DUE,
}


def _moment(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def subscription_row_lock(obj: dict[str, Any]) -> Subscription | None:
    """Our subscription for a Stripe subscription object, row-locked; ``None`` if not ours.

    By its Stripe id, else by our id in its metadata (an event may overtake the response
    that told us the Stripe id)."""
    rows = Subscription.objects.select_for_update()
    found = rows.filter(stripe_subscription_id=obj.get("id")).first() if obj.get("id") else None
    if found is not None:
        return found
    try:
        ours = uuid.UUID(str((obj.get("metadata") or {}).get("payments_subscription_id")))
    except ValueError:
        return None
    return rows.filter(pk=ours).first()


def subscription_values(obj: dict[str, Any]) -> dict[str, Any]:
    """The fields we mirror from a Stripe subscription (its period is on its items)."""
    items = ((obj.get("items") or {}).get("data")) or [{}]
    values = {
        "stripe_subscription_id": obj["id"],
        "current_period_start": _moment(items[0].get("current_period_start")),
        "current_period_end": _moment(items[0].get("current_period_end")),
        "cancel_at_period_end": bool(obj.get("cancel_at_period_end")),
        "canceled_at": _moment(obj.get("canceled_at")),
        "ended_at": _moment(obj.get("ended_at")),
        "trial_end": _moment(obj.get("trial_end")),
    }
    if obj.get("status") in SubscriptionStatus.values:
        values["status"] = obj["status"]
    return values


def subscription_apply(
    *, subscription: Subscription, obj: dict[str, Any], created: datetime | None, actor: str
) -> bool:
    """Mirror ``obj`` on the locked ``subscription`` unless it is older than what we have, and
    write the ``subscription.*`` callback of the change (``actor``: who reported it).

    ``created``: the event's time (``None`` for an API response, applied only before any
    event). Returns whether anything changed."""
    newest = subscription.stripe_event_created
    if newest is not None and (created is None or created < newest):
        return False
    values = subscription_values(obj)
    if subscription.status in FINAL_SUBSCRIPTION_STATUSES or (
        # Stripe never returns a subscription to incomplete (a same-second event may).
        values.get("status") == SubscriptionStatus.INCOMPLETE
        and subscription.status != SubscriptionStatus.INCOMPLETE
    ):
        values.pop("status", None)
    if created is not None:
        values["stripe_event_created"] = created
    changed = [name for name, value in values.items() if getattr(subscription, name) != value]
    if not changed:
        return False
    for name in changed:
        setattr(subscription, name, values[name])
    subscription.save(update_fields=[*changed, "updated_at"])
    _report(subscription, set(changed), actor)
    return True


def _report(subscription: Subscription, changed: set[str], actor: str) -> None:
    """The one callback of a change: ``created`` when we first learn the Stripe id."""
    if "stripe_subscription_id" in changed:
        callback_type = CallbackType.SUBSCRIPTION_CREATED
    elif "status" in changed and subscription.status in _TYPE_FOR_STATUS:
        callback_type = _TYPE_FOR_STATUS[subscription.status]
    elif changed - _UNREPORTED:
        callback_type = CallbackType.SUBSCRIPTION_UPDATED
    else:
        return
    callback_create_for_subscription(subscription=subscription, type=callback_type, actor=actor)


def subscription_event_apply(event: dict[str, Any]) -> str:
    """Apply one ``customer.subscription.*`` event (inside the webhook's transaction)."""
    subscription = subscription_row_lock(event["data"]["object"])
    if subscription is None:
        return WebhookEventStatus.IGNORED  # made outside this app
    subscription_apply(
        subscription=subscription,
        obj=event["data"]["object"],
        created=_moment(event.get("created")) or datetime.fromtimestamp(0, tz=UTC),
        actor=f"webhook:{event.get('id')}",
    )
    return WebhookEventStatus.PROCESSED


SUBSCRIPTION_EVENT_HANDLERS = {
    f"customer.subscription.{name}": subscription_event_apply
    for name in ("created", "updated", "deleted", "paused", "resumed", "trial_will_end")
}
