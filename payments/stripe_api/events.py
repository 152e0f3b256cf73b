"""The shape of a Stripe webhook body once its signature is verified: pure, no SDK.

``webhook_event_verify`` (core.py) checks the ``Stripe-Signature`` with the SDK, then this
module decides whether the signed bytes are a Stripe event the app can read at all.
"""

import json
from typing import Any

from payments import exceptions as exc


def _refuse(message: str) -> exc.InvalidWebhookSignature:
    return exc.InvalidWebhookSignature(message, code="invalid_payload")


def webhook_event_parse(payload: bytes) -> dict[str, Any]:
    """The event dict of a verified body, or ``InvalidWebhookSignature`` (code
    ``invalid_payload``) saying why the body is not a Stripe event."""
    try:
        event = json.loads(payload)
    except ValueError as e:
        raise _refuse("The body is not JSON.") from e
    if not isinstance(event, dict) or event.get("object") != "event" or not event.get("id"):
        raise _refuse("The body is not a Stripe event.")
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise _refuse("The event has no data.object.")
    return event
