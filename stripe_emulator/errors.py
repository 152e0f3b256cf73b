"""Stripe-shaped API errors raised by handlers and turned into JSON by the dispatcher."""

from __future__ import annotations

from typing import Any

DOCS = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """An error the emulator answers with, in the shape of Stripe's `{"error": {...}}` body."""

    def __init__(
        self,
        status: int,
        error_type: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.extra = dict(extra or {})

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {}
        if self.code:
            error["code"] = self.code
        if self.decline_code:
            error["decline_code"] = self.decline_code
        if self.code:
            error["doc_url"] = DOCS + self.code.replace("_", "-")
        error["message"] = self.message
        if self.param is not None:
            error["param"] = self.param
        error.update(self.extra)
        if request_id:
            error["request_log_url"] = (
                f"https://dashboard.stripe.com/test/logs/{request_id}?t=emulator"
            )
        error["type"] = self.error_type
        return {"error": error}


def invalid_request(
    message: str, *, param: str | None = None, code: str | None = None, status: int = 400
) -> StripeError:
    return StripeError(status, "invalid_request_error", message, code=code, param=param)


def resource_missing(object_name: str, object_id: str, *, param: str = "id") -> StripeError:
    """404 for the object addressed by the URL, 400 for one named in a parameter (as Stripe)."""
    status = 404 if param == "id" else 400
    return invalid_request(
        f"No such {object_name}: '{object_id}'",
        param=param,
        code="resource_missing",
        status=status,
    )


def parameter_unknown(name: str) -> StripeError:
    return invalid_request(
        f"Received unknown parameter: {name}", param=name, code="parameter_unknown"
    )


def parameter_missing(name: str) -> StripeError:
    return invalid_request(f"Missing required param: {name}.", param=name, code="parameter_missing")


def unexpected_state(message: str, *, code: str, param: str | None = None) -> StripeError:
    return invalid_request(message, param=param, code=code)


def card_error(
    code: str,
    message: str,
    *,
    decline_code: str | None = None,
    param: str | None = None,
    extra: dict[str, Any] | None = None,
) -> StripeError:
    return StripeError(
        402, "card_error", message, code=code, param=param, decline_code=decline_code, extra=extra
    )


def api_error(status: int = 500, message: str | None = None) -> StripeError:
    if status == 429:
        # Stripe's error types are api_error, card_error, idempotency_error and
        # invalid_request_error; a rate limit is told by the 429 status and `rate_limit` code.
        return StripeError(
            429,
            "invalid_request_error",
            message or "Too many requests hit the API too quickly.",
            code="rate_limit",
        )
    return StripeError(
        status,
        "api_error",
        message or "An unknown error occurred while processing your request (emulated fault).",
    )


def idempotency_error(message: str, *, status: int = 400, code: str | None = None) -> StripeError:
    return StripeError(status, "idempotency_error", message, code=code)


def authentication_error(message: str) -> StripeError:
    return StripeError(401, "invalid_request_error", message)
