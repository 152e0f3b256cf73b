"""Stripe's documented rules that the SDK types cannot express, applied to every request.

- A parameter the pinned API version removed answers with the code Stripe documents for it
  (changelog 2026-09-30.endive: `payment_method_types` on PaymentIntent create/update/confirm
  and Checkout Session create -> 400 `payment_method_types_no_longer_supported`).
- Mutually exclusive parameters: `allowed_payment_method_types` excludes
  `excluded_payment_method_types`, `automatic_payment_methods` and
  `payment_method_configuration` (changelog 2026-07-29.dahlia); Checkout's `customer` excludes
  `customer_email` and `customer_creation`.
- Confirming a PaymentIntent whose payment methods may redirect needs a `return_url`
  (`redirect_capable` / `check_return_url`, used by the PaymentIntent handlers).

Metadata limits (50 keys, 40-character keys, 500-character values) live in `params.Map`.
"""

from __future__ import annotations

from typing import Any

from . import errors
from .sdk_endpoints import normalise

PI_CREATE = ("POST", "/v1/payment_intents")
PI_UPDATE = ("POST", "/v1/payment_intents/{}")
PI_CONFIRM = ("POST", "/v1/payment_intents/{}/confirm")
CHECKOUT_CREATE = ("POST", "/v1/checkout/sessions")

REMOVED: dict[str, tuple[frozenset[tuple[str, str]], str, str]] = {
    "payment_method_types": (
        frozenset({PI_CREATE, PI_UPDATE, PI_CONFIRM, CHECKOUT_CREATE}),
        "payment_method_types_no_longer_supported",
        "The `payment_method_types` parameter is no longer supported on API version {version}. "
        "Use dynamic payment methods (`automatic_payment_methods`), "
        "`allowed_payment_method_types` or `excluded_payment_method_types` instead.",
    ),
}

# Each group: at most one of these parameters per request.
EXCLUSIVE: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    PI_CREATE: (
        ("allowed_payment_method_types", "excluded_payment_method_types"),
        ("allowed_payment_method_types", "automatic_payment_methods"),
        ("allowed_payment_method_types", "payment_method_configuration"),
    ),
    PI_UPDATE: (("allowed_payment_method_types", "excluded_payment_method_types"),),
    PI_CONFIRM: (("allowed_payment_method_types", "excluded_payment_method_types"),),
    CHECKOUT_CREATE: (
        ("allowed_payment_method_types", "excluded_payment_method_types"),
        ("allowed_payment_method_types", "payment_method_configuration"),
        ("customer", "customer_email"),
        ("customer", "customer_creation"),
    ),
}

RETURN_URL_REQUIRED = (
    "A `return_url` must be specified because this Payment Intent is configured to "
    "automatically accept the payment methods enabled in the Dashboard, some of which may "
    "require a full page redirect to succeed. If you do not want to accept redirect-based "
    "payment methods, set `automatic_payment_methods[enabled]` to `true` and "
    "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and "
    "Payment Intents."
)


def check_removed(method: str, pattern: str, raw: dict[str, Any], version: str) -> None:
    """Refuse a parameter the modelled API version removed, with Stripe's documented code."""
    endpoint = normalise(method, pattern)
    for name, (endpoints, code, message) in REMOVED.items():
        if name in raw and endpoint in endpoints:
            raise errors.invalid_request(message.format(version=version), param=name, code=code)


def check_exclusive(method: str, pattern: str, params: dict[str, Any]) -> None:
    for group in EXCLUSIVE.get(normalise(method, pattern), ()):
        present = [name for name in group if params.get(name) not in (None, "")]
        if len(present) > 1:
            raise errors.invalid_request(
                f"You may only specify one of these parameters: {', '.join(group)}.",
                param=present[-1],
            )


def redirect_capable(automatic_payment_methods: dict[str, Any] | None) -> bool:
    """Dynamic payment methods that have not been told `allow_redirects=never`."""
    if not automatic_payment_methods or not automatic_payment_methods.get("enabled"):
        return False
    return automatic_payment_methods.get("allow_redirects") != "never"


def check_return_url(automatic_payment_methods: dict[str, Any] | None, return_url: Any) -> None:
    if redirect_capable(automatic_payment_methods) and not return_url:
        raise errors.invalid_request(RETURN_URL_REQUIRED, param="return_url")
