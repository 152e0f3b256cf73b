"""What each bookings operation can answer, for the OpenAPI schema: bookings' own small helper
(it never imports payments), every error status in bookings' envelope (``BookingError``)."""

from drf_spectacular.utils import OpenApiResponse

from bookings.api.serializers import BookingErrorSerializer

DESCRIPTIONS = {
    400: "Invalid request: the field or header named in `param` is wrong.",
    404: "No such booking (or no endpoint at this path, e.g. an id that is not a UUID).",
    413: "payload_too_large: the body is over 256 KiB.",
    415: "unsupported_media_type: send `Content-Type: application/json`.",
    422: "idempotency_key_reused: the key came with another request.",
    502: "payments_rejected: payments refused our request (check PAYMENTS_API_KEY).",
    503: "payments_unavailable: payments could not be reached; retry the request.",
}

# An operation that parses a JSON body: malformed, oversized or not JSON.
WITH_BODY = (400, 413, 415)
# An operation that calls the payments API.
CALLS_PAYMENTS = (502, 503)


def error_responses(success: dict, *codes: int, notes: dict[int, str] | None = None) -> dict:
    """``{**success, status: envelope, ...}`` for ``extend_schema(responses=...)``; ``notes``
    replaces the standard description of a status."""
    notes = notes or {}
    errors = {
        code: OpenApiResponse(
            BookingErrorSerializer, description=notes.get(code, DESCRIPTIONS[code])
        )
        for code in sorted(set(codes))
    }
    return {**success, **errors}
