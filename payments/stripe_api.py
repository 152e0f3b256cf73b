"""The only module that imports ``stripe``.

Each function makes exactly one SDK call, takes and returns plain values (integer minor units,
dicts), and turns ``stripe`` errors into ``payments.exceptions``. Every POST carries an
idempotency key derived from one of our own row ids, so a retried call can never create a
second object at Stripe.
"""

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import stripe

from payments import exceptions as exc
from payments.conf import payments_settings


@dataclass(frozen=True)
class StripeResult:
    """A Stripe object as a plain dict, and the request id of the call (for the audit log)."""

    data: dict[str, Any]
    request_id: str = ""

    @property
    def id(self) -> str:
        return self.data["id"]


def idempotency_key(kind: str, our_id: object, attempt: int = 0) -> str:
    """The idempotency key for creating a ``kind`` of Stripe object for our row ``our_id``."""
    suffix = f":{attempt}" if attempt else ""
    return f"payments:{kind}:{our_id}{suffix}"


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


def _client() -> stripe.StripeClient:
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


def _call(method: Callable[..., Any], *args: Any, **kwargs: Any) -> StripeResult:
    with _translated_errors():
        obj = method(*args, **kwargs)
    response = obj.last_response
    # Fakes such as localstripe send no Request-Id header.
    return StripeResult(obj.to_dict(), (response.request_id or "") if response else "")


def _post_options(key: str) -> dict[str, Any]:
    return {"idempotency_key": key}


def _metadata(session_id: object, extra: dict[str, Any] | None = None) -> dict[str, str]:
    meta = {str(k): str(v) for k, v in (extra or {}).items()}
    meta["payments_session_id"] = str(session_id)
    return meta


# -- customers ---------------------------------------------------------------------------------


def customer_create(
    *, customer_id: object, email: str, name: str = "", phone: str = ""
) -> StripeResult:
    params: dict[str, Any] = {
        "email": email,
        "metadata": {"payments_customer_id": str(customer_id)},
    }
    if name:
        params["name"] = name
    if phone:
        params["phone"] = phone
    return _call(
        _client().v1.customers.create,
        params=params,
        options=_post_options(idempotency_key("customer", customer_id)),
    )


def customer_retrieve(stripe_id: str) -> StripeResult:
    return _call(_client().v1.customers.retrieve, stripe_id)


def customer_default_payment_method_set(
    *, customer_id: object, stripe_customer_id: str, payment_method: str, request_id: object
) -> StripeResult:
    """Make ``payment_method`` the customer's default (``invoice_settings``).

    ``request_id`` is ours for this change, so setting A, B, then A again is three updates.
    """
    return _call(
        _client().v1.customers.update,
        stripe_customer_id,
        params={"invoice_settings": {"default_payment_method": payment_method}},
        options=_post_options(
            idempotency_key("customer_default_pm", f"{customer_id}:{request_id}")
        ),
    )


# -- payment methods ---------------------------------------------------------------------------


def payment_method_attach(
    *, request_id: object, stripe_customer_id: str, payment_method: str
) -> StripeResult:
    """Save a card (``pm_...`` or a test token) to a customer; declined cards are refused."""
    return _call(
        _client().v1.payment_methods.attach,
        payment_method,
        params={"customer": stripe_customer_id},
        options=_post_options(idempotency_key("payment_method_attach", request_id)),
    )


def payment_method_detach(*, customer_id: object, payment_method: str) -> StripeResult:
    return _call(
        _client().v1.payment_methods.detach,
        payment_method,
        options=_post_options(
            idempotency_key("payment_method_detach", f"{customer_id}:{payment_method}")
        ),
    )


def payment_method_retrieve(stripe_id: str) -> StripeResult:
    return _call(_client().v1.payment_methods.retrieve, stripe_id)


def customer_payment_method_list(*, stripe_customer_id: str, limit: int = 100) -> StripeResult:
    """The customer's saved cards, newest first (one page: people keep a handful)."""
    return _call(
        _client().v1.customers.payment_methods.list,
        stripe_customer_id,
        params={"type": "card", "limit": limit},
    )


# -- checkout sessions -------------------------------------------------------------------------


def checkout_session_create(
    *,
    session_id: object,
    amount: int,
    currency: str,
    description: str,
    success_url: str,
    cancel_url: str,
    expires_at: int,
    stripe_customer_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    destination_params: dict[str, Any] | None = None,
) -> StripeResult:
    """Create a one-line, one-off Checkout Session for our ``session_id``."""
    meta = _metadata(session_id, metadata)
    intent_data: dict[str, Any] = {"metadata": meta, **(destination_params or {})}
    if description:
        intent_data["description"] = description
    params: dict[str, Any] = {
        "mode": "payment",
        "client_reference_id": str(session_id),
        "metadata": meta,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "expires_at": expires_at,
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": currency,
                    "unit_amount": amount,
                    "product_data": {"name": description or "Payment"},
                },
            }
        ],
        "payment_intent_data": intent_data,
    }
    if stripe_customer_id:
        params["customer"] = stripe_customer_id
    return _call(
        _client().v1.checkout.sessions.create,
        params=params,
        options=_post_options(idempotency_key("checkout_session", session_id)),
    )


def checkout_session_retrieve(stripe_id: str) -> StripeResult:
    return _call(_client().v1.checkout.sessions.retrieve, stripe_id)


def checkout_session_expire(*, session_id: object, stripe_id: str) -> StripeResult:
    return _call(
        _client().v1.checkout.sessions.expire,
        stripe_id,
        options=_post_options(idempotency_key("checkout_session_expire", session_id)),
    )


# -- payment intents ---------------------------------------------------------------------------


def payment_intent_create(
    *,
    session_id: object,
    amount: int,
    currency: str,
    description: str = "",
    stripe_customer_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    payment_method: str | None = None,
    confirm: bool = False,
    off_session: bool = False,
    save_payment_method: bool = False,
    return_url: str | None = None,
    destination_params: dict[str, Any] | None = None,
) -> StripeResult:
    """Create (and, with ``confirm``, confirm in the same call) a PaymentIntent for our session."""
    params: dict[str, Any] = {
        "amount": amount,
        "currency": currency,
        "metadata": _metadata(session_id, metadata),
        **(destination_params or {}),
    }
    if description:
        params["description"] = description
    if stripe_customer_id:
        params["customer"] = stripe_customer_id
    if payment_method:
        params["payment_method"] = payment_method
        params["payment_method_types"] = ["card"]
    else:
        params["automatic_payment_methods"] = {"enabled": True}
    if confirm:
        params["confirm"] = True
        if off_session:
            params["off_session"] = True
        elif return_url:
            params["return_url"] = return_url
    if save_payment_method:
        params["setup_future_usage"] = "off_session"
    return _call(
        _client().v1.payment_intents.create,
        params=params,
        options=_post_options(idempotency_key("payment_intent", session_id)),
    )


def payment_intent_retrieve(stripe_id: str) -> StripeResult:
    return _call(_client().v1.payment_intents.retrieve, stripe_id)


def payment_intent_cancel(*, session_id: object, stripe_id: str) -> StripeResult:
    return _call(
        _client().v1.payment_intents.cancel,
        stripe_id,
        options=_post_options(idempotency_key("payment_intent_cancel", session_id)),
    )


# -- charges, balance transactions, refunds ----------------------------------------------------


def charge_retrieve(stripe_id: str) -> StripeResult:
    """A charge with its balance transaction expanded (Stripe's fee and net)."""
    return _call(
        _client().v1.charges.retrieve,
        stripe_id,
        params={"expand": ["balance_transaction"]},
    )


def balance_transaction_retrieve(stripe_id: str) -> StripeResult:
    return _call(_client().v1.balance_transactions.retrieve, stripe_id)


def refund_create(
    *,
    refund_id: object,
    session_id: object,
    payment_intent: str,
    amount: int,
    reason: str = "",
    reverse_transfer: bool = False,
) -> StripeResult:
    params: dict[str, Any] = {
        "payment_intent": payment_intent,
        "amount": amount,
        "metadata": {
            "payments_session_id": str(session_id),
            "payments_refund_id": str(refund_id),
        },
    }
    if reason:
        params["reason"] = reason
    if reverse_transfer:
        params["reverse_transfer"] = True
        params["refund_application_fee"] = True
    return _call(
        _client().v1.refunds.create,
        params=params,
        options=_post_options(idempotency_key("refund", refund_id)),
    )


def refund_list(
    *, charge: str, starting_after: str | None = None, limit: int = 100
) -> StripeResult:
    """One page of a charge's refunds, newest first."""
    params: dict[str, Any] = {"charge": charge, "limit": limit}
    if starting_after:
        params["starting_after"] = starting_after
    return _call(_client().v1.refunds.list, params=params)


# -- events and webhooks -----------------------------------------------------------------------


def event_list(
    *, created_gte: int, starting_after: str | None = None, limit: int = 100
) -> StripeResult:
    """One page of events created at or after ``created_gte``, newest first."""
    params: dict[str, Any] = {"created": {"gte": created_gte}, "limit": limit}
    if starting_after:
        params["starting_after"] = starting_after
    return _call(_client().v1.events.list, params=params)


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
    try:
        event = json.loads(payload)
    except ValueError as e:
        raise exc.InvalidWebhookSignature("The body is not JSON.", code="invalid_payload") from e
    if not isinstance(event, dict) or event.get("object") != "event" or not event.get("id"):
        raise exc.InvalidWebhookSignature("The body is not a Stripe event.", code="invalid_payload")
    if not isinstance(event.get("data"), dict) or not isinstance(event["data"].get("object"), dict):
        raise exc.InvalidWebhookSignature("The event has no data.object.", code="invalid_payload")
    return event


# -- Stripe Connect ----------------------------------------------------------------------------


def account_create(
    *, owner_key: str, account_type: str, email: str = "", country: str = ""
) -> StripeResult:
    """A connected account. ``owner_key`` names its one owner (``user:7``, ``payee:2:cleaner-9``)
    so a retry, or a second click, gets the same account back."""
    params: dict[str, Any] = {"type": account_type, "metadata": {"payments_owner": owner_key}}
    if email:
        params["email"] = email
    if country:
        params["country"] = country
    if account_type == "express":
        params["capabilities"] = {
            "card_payments": {"requested": True},
            "transfers": {"requested": True},
        }
    return _call(
        _client().v1.accounts.create,
        params=params,
        options=_post_options(idempotency_key("account", owner_key)),
    )


def account_retrieve(stripe_id: str) -> StripeResult:
    return _call(_client().v1.accounts.retrieve, stripe_id)


def account_link_create(
    *, request_id: object, account: str, refresh_url: str, return_url: str
) -> StripeResult:
    """A short-lived onboarding link (a new one per request: old ones expire)."""
    return _call(
        _client().v1.account_links.create,
        params={
            "account": account,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        },
        options=_post_options(idempotency_key("account_link", request_id)),
    )


def transfer_retrieve(stripe_id: str) -> StripeResult:
    """A transfer to a connected account, with its reversals (first page)."""
    return _call(_client().v1.transfers.retrieve, stripe_id)


def application_fee_retrieve(stripe_id: str) -> StripeResult:
    """An application fee, with its refunds (first page)."""
    return _call(_client().v1.application_fees.retrieve, stripe_id)
