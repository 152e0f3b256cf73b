"""``POST /api/payments/webhook/stripe/``: Stripe's events in.

A plain Django view, not DRF: it must see the raw body to verify ``Stripe-Signature``, it is
CSRF-exempt (Stripe has no cookie), and it is not wrapped in ``ATOMIC_REQUESTS`` because the
service commits the error of a failed event while rolling back its effects. Nothing touches
the database before the signature is verified. It is never throttled (a refused delivery is an
event lost until Stripe's retry), but a body over ``STRIPE_WEBHOOK_MAX_BODY_BYTES`` is 413
unread, and JSON nested deeper than Stripe ever sends is 400 before anything parses it.
"""

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from payments import exceptions as exc
from payments import stripe_api
from payments.api.errors import envelope_response
from payments.conf import payments_settings
from payments.services.webhook_payloads import (
    MalformedWebhookEvent,
    webhook_event_check,
    webhook_rejection_record,
)
from payments.services.webhooks import WebhookProcessingFailed, webhook_event_receive
from payments.storable import json_depth

# Stripe's events nest a few levels (data.object.payment_method_details.card.checks); this
# leaves room for expanded objects and stops input that would exhaust json.loads' recursion.
MAX_EVENT_DEPTH = 64


def _read_body(request: HttpRequest) -> bytes | JsonResponse:
    limit = int(payments_settings.STRIPE_WEBHOOK_MAX_BODY_BYTES)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return envelope_response(
            status_code=400,
            code="invalid_content_length",
            message="Content-Length is not a number.",
        )
    body = request.read(limit + 1) if length <= limit else b""
    if length > limit or len(body) > limit:
        return envelope_response(
            status_code=413,
            code="payload_too_large",
            message=f"The body is over {limit} bytes (STRIPE_WEBHOOK_MAX_BODY_BYTES).",
        )
    if json_depth(body) > MAX_EVENT_DEPTH:
        return envelope_response(
            status_code=400,
            code="invalid_payload",
            message=f"The body is nested more than {MAX_EVENT_DEPTH} levels deep.",
        )
    return body


@transaction.non_atomic_requests
@csrf_exempt
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        response = envelope_response(
            status_code=405,
            code="method_not_allowed",
            message=f"Method {request.method} not allowed.",
        )
        response["Allow"] = "POST"
        return response
    body = _read_body(request)
    if isinstance(body, JsonResponse):
        return body
    try:
        event = stripe_api.webhook_event_verify(
            payload=body,
            signature_header=request.headers.get("Stripe-Signature", ""),
            secrets=list(payments_settings.STRIPE_WEBHOOK_SECRETS),
            tolerance=int(payments_settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS),
        )
        webhook_event_check(event)
    except MalformedWebhookEvent as error:
        webhook_rejection_record(payload=body, reason=error.message)
        return envelope_response(status_code=400, code=error.code, message=error.message)
    except exc.InvalidWebhookSignature as error:
        if error.code == "invalid_payload":  # signed, but not a Stripe event
            webhook_rejection_record(payload=body, reason=error.message)
        return envelope_response(status_code=400, code=error.code, message=error.message)
    try:
        result = webhook_event_receive(event=event)
    except WebhookProcessingFailed as error:
        return envelope_response(
            status_code=500,
            code="webhook_processing_failed",
            message=f"Event {error.event_id} could not be processed; it was recorded and "
            "Stripe's retry will process it again.",
        )
    return JsonResponse({"received": True, "id": result.event_id, "status": result.status})
