"""The core of the Stripe adapter, and the only module that imports ``stripe``.

Each function makes exactly one SDK call, takes and returns plain values (integer minor units,
dicts), and turns ``stripe`` errors into ``payments.exceptions``. Every POST carries an
idempotency key derived from one of our own row ids, so a retried call can never create a
second object at Stripe.
"""

import functools
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import stripe

from payments import exceptions as exc
from payments.conf import payments_settings
from payments.stripe_api.events import webhook_event_parse


@dataclass(frozen=True)
class StripeResult:
    """A Stripe object as a plain dict, and the request id of the call (for the audit log)."""

    data: dict[str, Any]
    request_id: str = ""

    @property
    def id(self) -> str:
        return self.data["id"]


def sdk_api_version() -> str:
    """The Stripe API version the installed SDK's types were generated for."""
    return str(stripe.api_version)


def idempotency_key(kind: str, our_id: object, attempt: int = 0) -> str:
    """The idempotency key for creating a ``kind`` of Stripe object for our row ``our_id``.

    It travels as an HTTP header, so an id with characters a header cannot carry (a payee
    reference a client chose, say) is replaced by its SHA-256: still one key per id."""
    suffix = f":{attempt}" if attempt else ""
    text = str(our_id)
    if not (text.isascii() and text.isprintable()) or len(text) > 200:
        text = "sha256-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"payments:{kind}:{text}{suffix}"


@functools.lru_cache(maxsize=8)
def _build_client(
    api_key: str, api_base: str, api_version: str, timeout: float, retries: int
) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        stripe_version=api_version,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def client() -> stripe.StripeClient:
    s = payments_settings
    if not s.STRIPE_SECRET_KEY:
        raise exc.ProviderAuthenticationFailed(
            "STRIPE_SECRET_KEY is not configured.", code="provider_not_configured"
        )
    return _build_client(
        s.STRIPE_SECRET_KEY,
        s.STRIPE_API_BASE.rstrip("/"),
        s.STRIPE_API_VERSION,
        float(s.STRIPE_TIMEOUT_SECONDS),
        int(s.STRIPE_MAX_NETWORK_RETRIES),
    )


def _error_fields(error: stripe.StripeError) -> dict[str, Any]:
    body = error.json_body.get("error", {}) if isinstance(error.json_body, dict) else {}
    return {
        "code": body.get("code") or None,
        "param": body.get("param") or None,
        "request_id": error.request_id or "",
        "http_status": error.http_status,
    }


@contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        yield
    except stripe.CardError as e:
        body = e.json_body.get("error", {}) if isinstance(e.json_body, dict) else {}
        fields = _error_fields(e)
        fields["code"] = fields["code"] or "card_declined"
        raise exc.CardDeclined(
            e.user_message or "The card was declined.",
            decline_code=body.get("decline_code", ""),
            payment_intent=body.get("payment_intent"),
            **fields,
        ) from e
    except stripe.IdempotencyError as e:
        raise exc.ProviderIdempotencyConflict(str(e.user_message), **_error_fields(e)) from e
    except stripe.InvalidRequestError as e:
        raise exc.InvalidProviderRequest(str(e.user_message), **_error_fields(e)) from e
    except (stripe.AuthenticationError, stripe.PermissionError) as e:
        raise exc.ProviderAuthenticationFailed(str(e.user_message), **_error_fields(e)) from e
    except stripe.RateLimitError as e:
        raise exc.ProviderRateLimited(str(e.user_message), **_error_fields(e)) from e
    except (stripe.APIConnectionError, stripe.APIError) as e:
        fields = _error_fields(e)
        fields["code"] = "provider_unavailable"
        raise exc.ProviderUnavailable(
            "Stripe could not be reached or failed; the request can be retried.",
            **fields,
        ) from e
    except stripe.StripeError as e:
        raise exc.ProviderError(str(e.user_message), **_error_fields(e)) from e


def call(method: Callable[..., Any], *args: Any, **kwargs: Any) -> StripeResult:
    with _translated_errors():
        obj = method(*args, **kwargs)
    response = obj.last_response
    # Fakes such as localstripe send no Request-Id header.
    return StripeResult(obj.to_dict(), (response.request_id or "") if response else "")


def post_options(key: str) -> dict[str, Any]:
    return {"idempotency_key": key}


def session_metadata(session_id: object, extra: dict[str, Any] | None = None) -> dict[str, str]:
    meta = {str(k): str(v) for k, v in (extra or {}).items()}
    meta["payments_session_id"] = str(session_id)
    return meta


def webhook_event_verify(
    *, payload: bytes, signature_header: str, secrets: list[str], tolerance: int
) -> dict[str, Any]:
    """Check ``Stripe-Signature`` against every secret (rotation) and return the event dict.

    Raises ``InvalidWebhookSignature`` naming what is wrong; reads nothing from the database.
    """
    if not secrets:
        raise exc.InvalidWebhookSignature("No webhook signing secret is configured.")
    if not signature_header:
        raise exc.InvalidWebhookSignature("The Stripe-Signature header is missing.")
    last_error = ""
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance)
            break
        except stripe.SignatureVerificationError as e:
            last_error = str(e.user_message)
    else:
        raise exc.InvalidWebhookSignature(f"Invalid Stripe-Signature: {last_error}")
    return webhook_event_parse(payload)
