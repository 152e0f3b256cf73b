"""Lists that walk Stripe page by page: objects created in a time window, a charge's refunds.

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
