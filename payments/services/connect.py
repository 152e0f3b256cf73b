"""Stripe Connect: payees' accounts, onboarding links, destination charges' split.

A payment with a payee is a *destination charge*: the customer pays the platform, Stripe
transfers the money to the payee's connected account and collects ``application_fee_amount``
(the platform fee from ``payments.fees``) back. The payee is named by its Stripe account id
(``payee_account``) or by the reference an API client registered it under
(``payee_reference``); its account must be able to take charges (onboarding finished).
Who may pay which payee: ``payments.selectors.connect.payable_accounts``.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from payments import exceptions as exc
from payments import stripe_api
from payments.conf import payments_settings
from payments.fees import fee_rule_for, fee_split
from payments.models import APIClient, ConnectedAccount, PaymentSession
from payments.models.connect import AccountType
from payments.models.webhooks import WebhookEventStatus
from payments.selectors.connect import payable_accounts
from payments.services.people import user_email


class PayeeNotFound(exc.PaymentsError):
    code = "payee_not_found"


class PayeeNotReady(exc.PaymentsError):
    code = "payee_cannot_take_charges"


@dataclass(frozen=True)
class Destination:
    """Who a payment goes to and how it is split; the keyword arguments of the session."""

    connected_account: ConnectedAccount
    payee_reference: str
    platform_fee: int
    payee_amount: int


@dataclass(frozen=True)
class Onboarding:
    account: ConnectedAccount
    url: str
    expires_at: int


def payee_destination(
    *,
    api_client: APIClient | None,
    payable_type: str,
    amount: int,
    currency: str,
    payee_account: str = "",
    payee_reference: str = "",
) -> Destination | None:
    """The destination of a payment that names a payee (``None`` when it names none).

    Raises ``PayeeNotFound`` (400) for a payee the caller may not pay (see
    ``payable_accounts``: another owner's payee answers exactly as one that does not exist)
    and ``PayeeNotReady`` (400) while its onboarding is unfinished.
    """
    if not payee_account and not payee_reference:
        return None
    accounts = payable_accounts(api_client=api_client)
    if payee_account:
        accounts = accounts.filter(stripe_account_id=payee_account)
    if payee_reference:
        # References are an API client's private names; end users have none to use.
        accounts = accounts.filter(payee_reference=payee_reference, api_client__isnull=False)
    account = accounts.first()
    param = "payee_account" if payee_account else "payee_reference"
    if account is None:
        raise PayeeNotFound(
            f"No connected account for {param} '{payee_account or payee_reference}'.",
            param=param,
        )
    if not account.can_take_charges:
        raise PayeeNotReady(
            f"The payee's account {account.stripe_account_id} cannot take charges yet: its "
            "onboarding is not finished (charges_enabled is false).",
            param=param,
        )
    policies = [api_client.platform_fee if api_client else None, payments_settings.PLATFORM_FEE]
    rule = fee_rule_for(payable_type=payable_type, policies=policies)
    split = fee_split(amount=amount, currency=currency, rule=rule)
    return Destination(
        connected_account=account,
        payee_reference=account.payee_reference or "",
        platform_fee=split.platform_fee,
        payee_amount=split.payee_amount,
    )


def destination_params(session: PaymentSession) -> dict[str, Any] | None:
    """The PaymentIntent parameters that make the session's charge a destination charge."""
    if session.connected_account_id is None:
        return None
    return {
        "application_fee_amount": session.platform_fee,
        "transfer_data": {"destination": session.connected_account.stripe_account_id},
    }


# -- accounts and onboarding -------------------------------------------------------------------


def _account_for(*, owner_key: str, email: str, **fields: Any) -> ConnectedAccount:
    """Create the owner's Stripe account (idempotent on ``owner_key``) and our row for it."""
    result = stripe_api.account_create(
        owner_key=owner_key, account_type=AccountType.EXPRESS, email=email
    )
    with transaction.atomic():
        ConnectedAccount.objects.bulk_create(
            [
                ConnectedAccount(
                    stripe_account_id=result.id,
                    type=result.data.get("type") or AccountType.EXPRESS,
                    email=email,
                    country=result.data.get("country") or "",
                    **fields,
                )
            ],
            ignore_conflicts=True,
        )
        return ConnectedAccount.objects.get(stripe_account_id=result.id)


def connected_account_onboard(
    *,
    user=None,
    api_client: APIClient | None = None,
    payee_reference: str = "",
    email: str = "",
    return_url: str = "",
    refresh_url: str = "",
) -> Onboarding:
    """The user's (or an API client's payee's) Express account, created on first use, and a
    fresh onboarding link for it (network calls)."""
    if user is not None:
        account = ConnectedAccount.objects.filter(user=user).first() or _account_for(
            owner_key=f"user:{user.pk}", email=user_email(user), user=user
        )
    else:
        # References are namespaced per client: another client's use of the same string is
        # neither found nor revealed; this client simply gets its own payee.
        account = ConnectedAccount.objects.filter(
            api_client=api_client, payee_reference=payee_reference
        ).first() or _account_for(
            owner_key=f"payee:{api_client.pk}:{payee_reference}",
            email=email,
            api_client=api_client,
            payee_reference=payee_reference,
        )
    link = stripe_api.account_link_create(
        request_id=uuid.uuid4(),
        account=account.stripe_account_id,
        refresh_url=refresh_url or payments_settings.CONNECT_REFRESH_URL,
        return_url=return_url or payments_settings.CONNECT_RETURN_URL,
    ).data
    return Onboarding(account=account, url=link["url"], expires_at=int(link["expires_at"]))


# -- webhooks ----------------------------------------------------------------------------------


def account_updated(event: dict[str, Any]) -> str:
    """``account.updated``: bring our copy of the account's flags up to date.

    Runs in the webhook's transaction; no network call. An event older than the one applied
    last is ignored, so a late delivery cannot turn charges back off.
    """
    obj = event["data"]["object"]
    account = (
        ConnectedAccount.objects.select_for_update()
        .filter(stripe_account_id=obj.get("id") or event.get("account") or "")
        .first()
    )
    created = int(event.get("created") or 0)
    if account is None or created < account.stripe_event_created:
        return WebhookEventStatus.IGNORED
    account.details_submitted = bool(obj.get("details_submitted"))
    account.charges_enabled = bool(obj.get("charges_enabled"))
    account.payouts_enabled = bool(obj.get("payouts_enabled"))
    account.email = obj.get("email") or account.email
    account.stripe_event_created = created
    account.save()
    return WebhookEventStatus.PROCESSED


# Stripe events about objects that are not payments, by type: ``handler(event) -> status``.
ACCOUNT_EVENT_HANDLERS = {"account.updated": account_updated}
