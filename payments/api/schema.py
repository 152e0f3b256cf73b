"""What the OpenAPI schema says an operation can answer: one helper instead of a dict per view.

``error_responses(...)`` builds the ``responses=`` of ``extend_schema``: the success shapes
plus every error status the operation can return, each with the error envelope
(``payments.api.errors.ErrorSerializer``). The statuses every authenticated operation can
answer (401, 403, 429, and 503 while the database is away) are always there; callers name
the others.
"""

from django.utils.module_loading import import_string
from drf_spectacular.extensions import OpenApiSerializerFieldExtension, OpenApiViewExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from payments.api.errors import ErrorSerializer
from payments.conf import payments_settings
from payments.money import minimum_charge

DESCRIPTIONS = {
    400: "Invalid request: the field or header named in `param` is wrong.",
    401: "Missing, invalid or expired credentials.",
    402: "card_declined: the card was declined; `decline_code` says why.",
    403: "These credentials may not use this operation.",
    404: "No such object, or not yours.",
    409: "idempotency_key_in_use: the first request with this key is still running; retry "
    "after `Retry-After` seconds.",
    413: "payload_too_large: the body is larger than the configured cap.",
    415: "unsupported_media_type: send `Content-Type: application/json`.",
    422: "idempotency_key_reused: the key came with another request.",
    429: "throttled: too many requests; retry after `Retry-After` seconds.",
    502: "Stripe refused the request.",
    503: "provider_unavailable: Stripe could not be reached; retry. database_unavailable: our "
    "database is briefly away (a restart); retry after `Retry-After` seconds.",
}

# Every operation that checks credentials: a bad credential, a wrong kind of caller, a throttle,
# the database briefly away.
AUTHENTICATED = (401, 403, 429, 503)
# An operation that reads a JSON body: malformed, oversized or not JSON.
WITH_BODY = (400, 413, 415)
# A POST that takes an Idempotency-Key and calls Stripe.
IDEMPOTENT_STRIPE_CALL = (*WITH_BODY, 409, 422, 502, 503)

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[409, 429, 503],
    description="Seconds to wait before retrying: until the throttle lets the next request "
    "through (429), until the lock of the request still running with this Idempotency-Key "
    "runs out (409, `idempotency_key_in_use`), or while the database is away (503, "
    "`database_unavailable`).",
)


def error_responses(
    success: dict, *codes: int, public: bool = False, notes: dict[int, str] | None = None
) -> dict:
    """``{**success, status: envelope, ...}`` for ``extend_schema(responses=...)``.

    ``codes`` are the error statuses beyond 401/403/429 (left out for ``public`` operations,
    which still get 429); ``notes`` replaces the standard description of a status.
    """
    notes = notes or {}
    wanted = {*codes, 429, 503} if public else {*codes, *AUTHENTICATED}
    errors = {
        code: OpenApiResponse(ErrorSerializer, description=notes.get(code, DESCRIPTIONS[code]))
        for code in sorted(wanted)
    }
    return {**success, **errors}


class TokenObtainPairSchema(OpenApiViewExtension):
    """simplejwt's token views, with the statuses they answer (in the error envelope)."""

    target_class = "rest_framework_simplejwt.views.TokenObtainPairView"
    match_subclasses = True
    serializer = "rest_framework_simplejwt.serializers.TokenObtainPairSerializer"

    def view_replacement(self):
        serializer = import_string(self.serializer)

        class Fixed(self.target):
            @extend_schema(
                parameters=[RETRY_AFTER],
                responses=error_responses(
                    {200: serializer},
                    *WITH_BODY,
                    401,
                    public=True,
                    notes={401: "Wrong username or password, or an invalid or expired token."},
                ),
            )
            def post(self, request, *args, **kwargs):
                return super().post(request, *args, **kwargs)  # pragma: no cover

        return Fixed


class TokenRefreshSchema(TokenObtainPairSchema):
    target_class = "rest_framework_simplejwt.views.TokenRefreshView"
    serializer = "rest_framework_simplejwt.serializers.TokenRefreshSerializer"


def _lowest_minimum_charge() -> int:
    return min(minimum_charge(code) for code in payments_settings.CURRENCIES)


class AmountFieldSchema(OpenApiSerializerFieldExtension):
    """Bounds of an amount to charge: the lowest minimum of the accepted currencies (each
    currency's own minimum is in the description) and MAX_AMOUNT."""

    target_class = "payments.api.serializers.AmountField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "integer",
            "minimum": _lowest_minimum_charge(),
            "maximum": int(payments_settings.MAX_AMOUNT),
        }


class CurrencyFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "payments.api.serializers.CurrencyField"

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "enum": list(payments_settings.CURRENCIES)}
