"""A small HTTP client for the payments API. Bookings knows payments only through this.

Settings (read at call time): ``PAYMENTS_API_URL`` (e.g. ``https://pay.example.com/api/payments/``)
and ``PAYMENTS_API_KEY``. Connection errors, timeouts and 5xx answers are retried a couple of
times; POSTs are retried with the same ``Idempotency-Key``, which payments honours, so a retry
can never start a second payment.
"""

from typing import Any
from urllib.parse import urljoin

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

CONNECT_TIMEOUT_SECONDS = 3
# Payments calls Stripe while we wait; give it time to answer (or to report Stripe is down).
READ_TIMEOUT_SECONDS = 25
RETRY_STATUSES = (500, 502, 503, 504)


class PaymentsError(Exception):
    """Payments could not do what we asked. ``message`` is meant for people."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class PaymentsUnavailable(PaymentsError):
    """Payments (or Stripe behind it) could not be reached; the same request may be retried."""


class PaymentsRejected(PaymentsError):
    """Payments refused the request (4xx): configuration or a bug on our side."""


def _session() -> requests.Session:
    retry = Retry(
        total=2,
        connect=2,
        read=0,  # a read timeout already waited long; the caller's retry resumes the request
        status=2,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,  # POSTs too: they carry an Idempotency-Key
        backoff_factor=0.1,
        raise_on_status=False,
        respect_retry_after_header=False,
    )
    http = requests.Session()
    http.mount("http://", HTTPAdapter(max_retries=retry))
    http.mount("https://", HTTPAdapter(max_retries=retry))
    return http


def _url(path: str) -> str:
    base = getattr(settings, "PAYMENTS_API_URL", "")
    if not base:
        raise PaymentsUnavailable(
            "PAYMENTS_API_URL is not set: bookings does not know where the payments API is."
        )
    return urljoin(base if base.endswith("/") else base + "/", path)


def _headers(idempotency_key: str | None = None) -> dict[str, str]:
    headers = {
        "Authorization": f"Api-Key {getattr(settings, 'PAYMENTS_API_KEY', '')}",
        "Accept": "application/json",
    }
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    return headers


def _error_of(response: requests.Response) -> tuple[str, str]:
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    return str(error.get("code") or ""), str(error.get("message") or response.reason)


def _request(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    url = _url(path)
    try:
        with _session() as http:
            response = http.request(
                method, url, timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS), **kwargs
            )
    except requests.RequestException as error:
        raise PaymentsUnavailable(
            f"The payments service at {url} could not be reached ({type(error).__name__})."
        ) from error
    if response.ok:
        try:
            return response.json()
        except ValueError as error:
            raise PaymentsUnavailable(
                f"The payments service at {url} answered {response.status_code} without JSON: "
                "is PAYMENTS_API_URL the payments API?"
            ) from error
    code, message = _error_of(response)
    # 409: the same request is still running at payments; retrying shortly will replay it.
    if response.status_code >= 500 or response.status_code == 409:
        raise PaymentsUnavailable(
            f"The payments service is unavailable: {message}",
            status=response.status_code,
            code=code,
        )
    raise PaymentsRejected(
        f"The payments service refused the request ({response.status_code} {code}): {message}",
        status=response.status_code,
        code=code,
    )


def checkout_create(*, idempotency_key: str, body: dict[str, Any]) -> dict[str, Any]:
    """``POST checkout/``: a Stripe Checkout payment; answers the payments session."""
    return _request("POST", "checkout/", json=body, headers=_headers(idempotency_key))


def session_retrieve(*, session_id: str) -> dict[str, Any]:
    """``GET sessions/{id}/``: the payments session as payments sees it now."""
    return _request("GET", f"sessions/{session_id}/", headers=_headers())


def subscription_create(*, idempotency_key: str, body: dict[str, Any]) -> dict[str, Any]:
    """``POST subscriptions/``: a recurring payment; answers the subscription (with
    ``checkout_url`` for ``"flow": "checkout"``)."""
    return _request("POST", "subscriptions/", json=body, headers=_headers(idempotency_key))


def subscription_cancel(
    *, subscription_id: str, idempotency_key: str, at_period_end: bool
) -> dict[str, Any]:
    """``POST subscriptions/{id}/cancel/``: now, or at the end of the paid period. Payments
    answers at once; the subscription's status changes with its ``subscription.*`` callback."""
    return _request(
        "POST",
        f"subscriptions/{subscription_id}/cancel/",
        json={"at_period_end": at_period_end},
        headers=_headers(idempotency_key),
    )


def subscription_portal(
    *, subscription_id: str, idempotency_key: str, return_url: str
) -> dict[str, Any]:
    """``POST subscriptions/{id}/portal/``: ``{"url": ...}``, the Billing Portal page where
    the customer updates the card (which pays an overdue renewal) or cancels."""
    return _request(
        "POST",
        f"subscriptions/{subscription_id}/portal/",
        json={"return_url": return_url},
        headers=_headers(idempotency_key),
    )
