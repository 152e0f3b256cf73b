"""``POST /api/payments/webhook/stripe/``: Stripe's events in.

A plain Django view, not DRF: it must see the raw body to verify ``Stripe-Signature``, it is
CSRF-exempt (Stripe has no cookie), and it is not wrapped in ``ATOMIC_REQUESTS`` because the
service commits the error of a failed event while rolling back its effects. Nothing touches
the database before the signature is verified.
"""

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments import exceptions as exc
from payments import stripe_api
from payments.api.errors import error_body
from payments.conf import payments_settings
from payments.services.webhooks import WebhookProcessingFailed, webhook_event_receive


def _error(status: int, code: str, message: str) -> JsonResponse:
    kind = "api_error" if status >= 500 else "invalid_request_error"
    return JsonResponse(error_body(type=kind, code=code, message=message), status=status)


@transaction.non_atomic_requests
@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    limit = int(payments_settings.STRIPE_WEBHOOK_MAX_BODY_BYTES)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "invalid_content_length", "Content-Length is not a number.")
    if length > limit:
        return _error(
            413,
            "payload_too_large",
            f"The body is {length} bytes; STRIPE_WEBHOOK_MAX_BODY_BYTES allows {limit}.",
        )
    try:
        event = stripe_api.webhook_event_verify(
            payload=request.body,
            signature_header=request.headers.get("Stripe-Signature", ""),
            secrets=list(payments_settings.STRIPE_WEBHOOK_SECRETS),
            tolerance=int(payments_settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS),
        )
    except exc.InvalidWebhookSignature as error:
        return _error(400, error.code, error.message)
    try:
        result = webhook_event_receive(event=event)
    except WebhookProcessingFailed as error:
        return _error(
            500,
            "webhook_processing_failed",
            f"Event {error.event_id} could not be processed; it was recorded and Stripe's "
            "retry will process it again.",
        )
    return JsonResponse({"received": True, "id": result.event_id, "status": result.status})
