"""Subscriptions: start one for a payable, cancel it, undo a scheduled cancel, open the portal.

The row is written before Stripe is called (its id is the idempotency key and the metadata
Stripe's events carry back), the Stripe subscription is made ``default_incomplete``, and the
first invoice's session is made at once with its PaymentIntent, so the customer can pay with
Elements and that payment's events find their session. From then on status moves only as
Stripe's events say (``subscription_events``, ``subscription_invoices``).
"""

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from payments import exceptions as exc
from payments import stripe_api
from payments.models import APIClient, Customer, Subscription
from payments.models.subscriptions import FINAL_SUBSCRIPTION_STATUSES, Interval
from payments.money import normalize_currency
from payments.services.connect import payee_destination
from payments.services.customers import customer_ensure_stripe
from payments.services.subscription_events import subscription_apply
from payments.services.subscription_invoices import invoice_session_ensure, invoice_session_link

MAX_INTERVAL_COUNT = {"day": 1095, "week": 156, "month": 36, "year": 3}  # Stripe: three years


@dataclass(frozen=True)
class SubscriptionStart:
    """A subscription made at Stripe and what the customer needs to pay its first invoice."""

    subscription: Subscription
    client_secret: str


def _validated(amount: int, currency: str, interval: str, interval_count: int) -> str:
    if interval not in Interval.values:
        raise exc.PaymentsError(
            f"interval must be one of {', '.join(Interval.values)}.", param="interval"
        )
    if not 1 <= interval_count <= MAX_INTERVAL_COUNT[interval]:
        raise exc.PaymentsError(
            f"interval_count must be 1 to {MAX_INTERVAL_COUNT[interval]} for {interval}.",
            param="interval_count",
        )
    if amount <= 0:
        raise exc.PaymentsError("amount must be a positive number of minor units.", param="amount")
    return normalize_currency(currency)


@dataclass(frozen=True)
class SubscriptionOwner:
    """Who owns a new subscription besides its API client (an end user subscribing
    themselves), and the id to give it: a retry of one API request passes the same id, so it
    resumes that subscription (Stripe's idempotency keys derive from it) instead of making
    another."""

    user: Any = None
    subscription_id: uuid.UUID | None = None


@dataclass(frozen=True)
class SubscriptionTerms:
    """What is paid for, by whom, how much and how often (shared by both flows)."""

    customer: Customer
    payable_type: str
    payable_id: str
    amount: int
    currency: str
    interval: str
    interval_count: int = 1
    price: str = ""
    trial_days: int | None = None
    metadata: dict[str, Any] | None = None
    test_clock: str = ""
    # A marketplace payee (as for one-off payments): every invoice's charge goes to it.
    payee_account: str = ""
    payee_reference: str = ""

    @property
    def stripe_metadata(self) -> dict[str, Any]:
        return {
            **(self.metadata or {}),
            "payable_type": self.payable_type,
            "payable_id": self.payable_id,
        }


class FeeNotExpressible(exc.PaymentsError):
    code = "fee_not_expressible"


def subscription_payee_check(*, api_client: APIClient | None, terms: SubscriptionTerms) -> None:
    """Refuse a payee the caller may not pay, or whose fee Stripe Billing cannot charge, before
    anything is written (``terms.customer`` is not used: call it before making the customer)."""
    _connect_params(api_client, terms)


def _connect_params(api_client: APIClient | None, terms: SubscriptionTerms) -> dict | None:
    """Stripe's subscription parameters that make every invoice's charge a destination charge
    to the payee, with the platform fee of ``payments.fees`` (``None`` without a payee).

    Stripe Billing takes a subscription's fee only as ``application_fee_percent`` (two
    decimals) of each invoice; an invoice's ``application_fee_amount`` can be set only while
    it is a draft, and the first invoice is never one. So the percent is derived from the fee
    policy's amount for the price: the two-decimal percent whose fee is less than half a minor
    unit from the policy's fee, so that Stripe's rounding gives exactly the policy's fee. When
    none is (a large price with an odd fixed part), a 400 naming the payee says so rather than
    charging a fee that differs from the policy. Raises ``PayeeNotFound``/``PayeeNotReady``
    like one-off payments. No network call, nothing written."""
    if not terms.payee_account and not terms.payee_reference:
        return None
    currency = _validated(terms.amount, terms.currency, terms.interval, terms.interval_count)
    destination = payee_destination(
        api_client=api_client,
        payable_type=terms.payable_type,
        amount=terms.amount,
        currency=currency,
        payee_account=terms.payee_account,
        payee_reference=terms.payee_reference,
    )
    if destination is None:
        return None
    fee, amount = destination.platform_fee, terms.amount
    hundredths = (2 * fee * 10000 + amount) // (2 * amount)  # the percent in hundredths, half up
    if abs(amount * hundredths - fee * 10000) * 2 >= 10000:
        raise FeeNotExpressible(
            f"The platform fee of {fee} on {amount} is not a percentage Stripe Billing can "
            "charge on every invoice (two decimals); change the amount or the fee policy.",
            param="payee_reference" if terms.payee_reference else "payee_account",
        )
    return {
        "application_fee_percent": float(Decimal(hundredths) / 100),
        "transfer_data": {"destination": destination.connected_account.stripe_account_id},
    }


def _prepare(
    api_client: APIClient | None,
    terms: SubscriptionTerms,
    owner: SubscriptionOwner | None = None,
) -> tuple[Subscription, str]:
    """Validate, give the customer its Stripe customer, write our row (or find the one this
    request wrote before, when ``owner.subscription_id`` is given), make the price."""
    owner = owner or SubscriptionOwner()
    currency = _validated(terms.amount, terms.currency, terms.interval, terms.interval_count)
    customer = _customer_on_clock(terms.customer, terms.test_clock)
    subscription, _ = Subscription.objects.get_or_create(
        pk=owner.subscription_id or uuid.uuid4(),
        defaults={
            "api_client": api_client,
            "user": owner.user,
            "customer": customer,
            "payable_type": terms.payable_type,
            "payable_id": terms.payable_id,
            "amount": terms.amount,
            "currency": currency,
            "interval": terms.interval,
            "interval_count": terms.interval_count,
            "stripe_price_id": terms.price,
            "metadata": terms.metadata or {},
        },
    )
    if subscription.stripe_price_id:  # given, or made by this request's first attempt
        return subscription, subscription.stripe_price_id
    price = stripe_api.price_create(
        request_id=subscription.pk,
        amount=terms.amount,
        currency=currency,
        interval=terms.interval,
        interval_count=terms.interval_count,
        product_name=f"{terms.payable_type} {terms.payable_id}",
    ).id
    subscription.stripe_price_id = price
    subscription.save(update_fields=["stripe_price_id", "updated_at"])
    return subscription, price


def _customer_on_clock(customer: Customer, test_clock: str) -> Customer:
    """The customer at Stripe, on ``test_clock`` when given. Stripe puts a customer on a clock
    only when it creates it, so a customer already at Stripe on no (or another) clock is a 400
    naming ``test_clock``: its renewals could not be fast-forwarded."""
    existed = bool(customer.stripe_customer_id)
    try:
        customer = customer_ensure_stripe(customer=customer, test_clock=test_clock)
    except exc.InvalidProviderRequest as error:
        if test_clock and error.param == "test_clock":
            raise exc.PaymentsError(f"test_clock: {error.message}", param="test_clock") from error
        raise
    if test_clock and existed:
        on = stripe_api.customer_retrieve(customer.stripe_customer_id).data.get("test_clock")
        on = on.get("id") if isinstance(on, dict) else on
        if on != test_clock:
            where = f"test clock {on}" if on else "no test clock"
            raise exc.PaymentsError(
                f"test_clock: customer {customer.email} is already at Stripe "
                f"({customer.stripe_customer_id}) on {where}"
                "; Stripe sets a customer's clock only when it creates the customer: use a "
                "new customer e-mail for a subscription on this clock.",
                param="test_clock",
            )
    return customer


def subscription_price_terms(*, price: str) -> tuple[int, str, str, int]:
    """The amount, currency, interval and interval count of an existing recurring Stripe
    price, to subscribe to it by id. A price Stripe does not have is a 400 naming ``price``."""
    try:
        found = stripe_api.price_retrieve(price).data
    except exc.InvalidProviderRequest as error:
        if error.provider_http_status == 404:
            raise exc.PaymentsError(f"No such price: '{price}'.", param="price") from error
        raise
    recurring = found.get("recurring") or {}
    if not recurring or not found.get("unit_amount") or not found.get("active", True):
        raise exc.PaymentsError(
            "price must be an active recurring price with a unit amount.", param="price"
        )
    count = recurring.get("interval_count") or 1
    return found["unit_amount"], found["currency"], recurring["interval"], count


def subscription_create_elements(
    *,
    api_client: APIClient | None,
    terms: SubscriptionTerms,
    owner: SubscriptionOwner | None = None,
) -> SubscriptionStart:
    """Subscribe ``terms.customer`` to pay the payable every ``interval_count`` ``interval``s.

    Answers with the first invoice's PaymentIntent ``client_secret`` (empty for a trial):
    Stripe Elements confirms it in the browser. ``test_clock`` (test mode only) puts a new
    Stripe customer on that clock, so renewals can be fast-forwarded."""
    connect_params = _connect_params(api_client, terms)
    subscription, price = _prepare(api_client, terms, owner)
    made = stripe_api.subscription_create(
        subscription_id=subscription.pk,
        stripe_customer_id=subscription.customer.stripe_customer_id,
        price=price,
        trial_days=terms.trial_days,
        metadata=terms.stripe_metadata,
        connect_params=connect_params,
    ).data
    return _record_start(subscription, made)


def subscription_create_checkout(
    *,
    api_client: APIClient | None,
    terms: SubscriptionTerms,
    success_url: str,
    cancel_url: str,
    owner: SubscriptionOwner | None = None,
) -> tuple[Subscription, str]:
    """Subscribe through Stripe Checkout (``mode=subscription``): our row and the page's URL.

    Stripe makes the subscription when the customer pays; its events (which carry our id in
    the metadata) fill in the row and make the first invoice's session."""
    connect_params = _connect_params(api_client, terms)
    subscription, price = _prepare(api_client, terms, owner)
    session = stripe_api.checkout_session_create_subscription(
        subscription_id=subscription.pk,
        stripe_customer_id=subscription.customer.stripe_customer_id,
        price=price,
        success_url=success_url,
        cancel_url=cancel_url,
        trial_days=terms.trial_days,
        metadata=terms.stripe_metadata,
        connect_params=connect_params,
    ).data
    return subscription, session["url"]


@transaction.atomic
def _record_start(subscription: Subscription, made: dict[str, Any]) -> SubscriptionStart:
    locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
    # Applied only if no event has yet (events are newer than this response).
    subscription_apply(subscription=locked, obj=made, created=None, actor="api")
    if locked.stripe_subscription_id is None:
        locked.stripe_subscription_id = made["id"]
        locked.save(update_fields=["stripe_subscription_id", "updated_at"])
    invoice = made.get("latest_invoice") if isinstance(made.get("latest_invoice"), dict) else {}
    secret = ((invoice.get("confirmation_secret") or {}).get("client_secret")) or ""
    session = (
        invoice_session_ensure(subscription=locked, invoice=invoice, actor="api")
        if invoice
        else None
    )
    if session is not None and secret:
        invoice_session_link(
            session=session, payment_intent=secret.split("_secret_")[0], charge=None
        )
        if not session.client_secret:
            session.client_secret = secret
            session.save(update_fields=["client_secret", "updated_at"])
    return SubscriptionStart(subscription=locked, client_secret=secret)


def subscription_cancel(
    *, subscription: Subscription, at_period_end: bool, request_id: object
) -> dict[str, Any]:
    """Cancel now, or schedule the cancel for the period's end. The row changes when Stripe's
    event arrives. ``request_id``: our id of this request (its idempotency key)."""
    key = f"{subscription.pk}:{request_id}"
    if at_period_end:
        return stripe_api.subscription_cancel_at_period_end_set(
            request_id=key, stripe_id=_stripe_id(subscription), cancel_at_period_end=True
        ).data
    stripe_id = _stripe_id(subscription)
    try:
        return stripe_api.subscription_cancel(request_id=key, stripe_id=stripe_id).data
    except exc.InvalidProviderRequest:
        # Stripe keeps no idempotency for a cancel (a DELETE): a retry after a lost answer is
        # refused as already canceled, which is what was asked.
        current = stripe_api.subscription_retrieve(stripe_id).data
        if current.get("status") == "canceled":
            return current
        raise


def subscription_resume(*, subscription: Subscription, request_id: object) -> dict[str, Any]:
    """Undo a cancellation scheduled for the period's end."""
    return stripe_api.subscription_cancel_at_period_end_set(
        request_id=f"{subscription.pk}:{request_id}",
        stripe_id=_stripe_id(subscription),
        cancel_at_period_end=False,
    ).data


def subscription_portal_url(
    *, subscription: Subscription, return_url: str, request_id: object
) -> str:
    """A Stripe Billing Portal session where the customer updates the card or cancels."""
    return stripe_api.billing_portal_session_create(
        request_id=f"{subscription.pk}:{request_id}",
        stripe_customer_id=subscription.customer.stripe_customer_id,
        return_url=return_url,
    ).data["url"]


def _stripe_id(subscription: Subscription) -> str:
    if subscription.status in FINAL_SUBSCRIPTION_STATUSES:
        raise exc.InvalidTransition(
            f"This subscription has ended ({subscription.status}).", code="subscription_ended"
        )
    if not subscription.stripe_subscription_id:
        raise exc.PaymentsError(
            "This subscription was never created at Stripe.", code="subscription_not_started"
        )
    return subscription.stripe_subscription_id
