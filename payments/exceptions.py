"""The app's own errors. Nothing outside the Stripe adapter sees a ``stripe`` exception."""


class PaymentsError(Exception):
    """Base class. ``code`` is machine-readable; the message is for people."""

    code = "payments_error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None, param: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.param = param


class InvalidTransition(PaymentsError):
    code = "invalid_transition"
    http_status = 409


class NotRefundable(PaymentsError):
    code = "not_refundable"


class RefundExceedsRefundable(PaymentsError):
    code = "refund_exceeds_refundable"


# -- errors from the payment provider ---------------------------------------------------------


class ProviderError(PaymentsError):
    """Stripe answered with an error, or could not be reached."""

    code = "provider_error"
    http_status = 502

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        request_id: str = "",
        http_status: int | None = None,
    ):
        super().__init__(message, code=code, param=param)
        self.request_id = request_id or ""
        self.provider_http_status = http_status


class CardDeclined(ProviderError):
    """The card was declined (HTTP 402 at Stripe). ``decline_code`` says why."""

    code = "card_declined"
    http_status = 402

    def __init__(self, message: str, *, decline_code: str = "", payment_intent=None, **kw):
        super().__init__(message, **kw)
        self.decline_code = decline_code or ""
        self.payment_intent = payment_intent


class InvalidProviderRequest(ProviderError):
    """Stripe refused our parameters: a bug on our side or bad input that slipped through."""

    code = "provider_invalid_request"
    http_status = 502


class ProviderAuthenticationFailed(ProviderError):
    code = "provider_authentication_failed"
    http_status = 502


class ProviderRateLimited(ProviderError):
    code = "provider_rate_limited"
    http_status = 503


class ProviderUnavailable(ProviderError):
    """Stripe could not be reached, timed out, or failed on its side. Safe to retry."""

    code = "provider_unavailable"
    http_status = 503


class ProviderIdempotencyConflict(ProviderError):
    code = "provider_idempotency_conflict"
    http_status = 409


class InvalidWebhookSignature(PaymentsError):
    code = "invalid_signature"


# -- idempotency -------------------------------------------------------------------------------


class IdempotencyKeyRequired(PaymentsError):
    code = "idempotency_key_required"


class IdempotencyKeyInvalid(PaymentsError):
    code = "idempotency_key_invalid"


class IdempotencyKeyReused(PaymentsError):
    code = "idempotency_key_reused"
    http_status = 422


class IdempotencyKeyInUse(PaymentsError):
    code = "idempotency_key_in_use"
    http_status = 409

    def __init__(self, message: str, *, retry_after: int | None = None, **kw):
        super().__init__(message, **kw)
        # Seconds left on the other request's lock: sent as the answer's Retry-After.
        self.retry_after = retry_after
