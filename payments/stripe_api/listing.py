"""Lists that walk Stripe page by page: objects created in a time window, a charge's refunds,
and the finders that walk them for the one object our row made.

Each function makes one kind of SDK call (a list) and follows Stripe's pages with the SDK's
auto-paging, ``page_size`` objects at a time, so a caller iterating the result never holds
more than one page: memory stays bounded however many objects the window holds. Objects come
out as plain dicts, newest first; ``stripe`` errors become ``payments.exceptions``, also
when a later page fails.
"""

from collections.abc import Callable, Iterator
from typing import Any

from payments.stripe_api.core import _translated_errors, client

# Stripe's largest page.
MAX_PAGE_SIZE = 100


def _pages(method: Callable[..., Any], params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    params = {**params, "limit": max(1, min(int(params.get("limit") or 100), MAX_PAGE_SIZE))}
    with _translated_errors():
        first = method(params=params)
        for obj in first.auto_paging_iter():
            yield obj.to_dict()


def _window(created_gte: int, created_lt: int | None) -> dict[str, int]:
    window = {"gte": created_gte}
    if created_lt is not None:
        window["lt"] = created_lt
    return window


def checkout_session_iter(
    *, created_gte: int, created_lt: int | None = None, page_size: int = 100
) -> Iterator[dict[str, Any]]:
    """Every Checkout Session created in ``[created_gte, created_lt)``."""
    params = {"created": _window(created_gte, created_lt), "limit": page_size}
    return _pages(client().v1.checkout.sessions.list, params)


def payment_intent_iter(
    *, created_gte: int, created_lt: int | None = None, page_size: int = 100
) -> Iterator[dict[str, Any]]:
    """Every PaymentIntent created in ``[created_gte, created_lt)``."""
    params = {"created": _window(created_gte, created_lt), "limit": page_size}
    return _pages(client().v1.payment_intents.list, params)


def balance_transaction_iter(
    *, created_gte: int, created_lt: int | None = None, page_size: int = 100
) -> Iterator[dict[str, Any]]:
    """Every balance transaction (charge, refund, dispute, ...) created in the window."""
    params = {"created": _window(created_gte, created_lt), "limit": page_size}
    return _pages(client().v1.balance_transactions.list, params)


def charge_refund_iter(*, charge: str, page_size: int = 100) -> Iterator[dict[str, Any]]:
    """Every refund of ``charge``, with its balance transaction expanded (gross, fee, net)."""
    params = {"charge": charge, "limit": page_size, "expand": ["data.balance_transaction"]}
    return _pages(client().v1.refunds.list, params)


# -- finding what a request whose answer was an error made (or did not make) ------------------


def _first_with_metadata(
    objects: Iterator[dict[str, Any]], key: str, value: object
) -> dict[str, Any] | None:
    wanted = str(value)
    return next((obj for obj in objects if (obj.get("metadata") or {}).get(key) == wanted), None)


def refund_find(*, payment_intent: str, refund_id: object) -> dict[str, Any] | None:
    """The refund of ``payment_intent`` that Stripe made for our refund ``refund_id``, if any."""
    params = {"payment_intent": payment_intent, "limit": MAX_PAGE_SIZE}
    refunds = _pages(client().v1.refunds.list, params)
    return _first_with_metadata(refunds, "payments_refund_id", refund_id)


def _created_for(
    method: Callable[..., Any], session_id: object, created_gte: int, customer: str | None
) -> dict[str, Any] | None:
    params: dict[str, Any] = {"created": {"gte": created_gte}, "limit": MAX_PAGE_SIZE}
    if customer:
        params["customer"] = customer
    return _first_with_metadata(_pages(method, params), "payments_session_id", session_id)


def payment_intent_find(
    *, session_id: object, created_gte: int, stripe_customer_id: str | None = None
) -> dict[str, Any] | None:
    """The PaymentIntent made for our ``session_id`` (created at or after ``created_gte``, of
    ``stripe_customer_id`` when given: a bounded walk), if any."""
    method = client().v1.payment_intents.list
    return _created_for(method, session_id, created_gte, stripe_customer_id)


def checkout_session_find(
    *, session_id: object, created_gte: int, stripe_customer_id: str | None = None
) -> dict[str, Any] | None:
    """The Checkout Session made for our ``session_id``, as ``payment_intent_find``."""
    method = client().v1.checkout.sessions.list
    return _created_for(method, session_id, created_gte, stripe_customer_id)
