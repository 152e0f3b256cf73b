"""Stripe Connect: connected accounts, onboarding links, transfers and application fees."""

from typing import Any

from payments.stripe_api.core import (
    StripeResult,
    call,
    client,
    idempotency_key,
    post_options,
)

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
    return call(
        client().v1.accounts.create,
        params=params,
        options=post_options(idempotency_key("account", owner_key)),
    )


def account_retrieve(stripe_id: str) -> StripeResult:
    return call(client().v1.accounts.retrieve, stripe_id)


def account_link_create(
    *, request_id: object, account: str, refresh_url: str, return_url: str
) -> StripeResult:
    """A short-lived onboarding link (a new one per request: old ones expire)."""
    return call(
        client().v1.account_links.create,
        params={
            "account": account,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        },
        options=post_options(idempotency_key("account_link", request_id)),
    )


def transfer_retrieve(stripe_id: str) -> StripeResult:
    """A transfer to a connected account, with its reversals (first page)."""
    return call(client().v1.transfers.retrieve, stripe_id)


def application_fee_retrieve(stripe_id: str) -> StripeResult:
    """An application fee, with its refunds (first page)."""
    return call(client().v1.application_fees.retrieve, stripe_id)
