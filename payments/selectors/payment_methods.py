"""Reads of a person's saved cards: Stripe is the source of truth, nothing is mirrored here.

Cards are PaymentMethods attached to the user's Stripe customer; the default is the
customer's ``invoice_settings.default_payment_method``. The writes (attach, detach, set the
default) are in ``payments.services.payment_methods``.
"""

from dataclasses import dataclass
from typing import Any

from payments import stripe_api
from payments.models import Customer


@dataclass(frozen=True)
class SavedCard:
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool


def saved_card_from(payment_method: dict[str, Any], default_id: str | None) -> SavedCard:
    """A Stripe PaymentMethod as the API shows a saved card."""
    card = payment_method.get("card") or {}
    return SavedCard(
        id=payment_method["id"],
        brand=card.get("brand") or "",
        last4=card.get("last4") or "",
        exp_month=card.get("exp_month") or 0,
        exp_year=card.get("exp_year") or 0,
        is_default=payment_method["id"] == default_id,
    )


def default_payment_method_id(customer: Customer) -> str | None:
    """The id of the customer's default card at Stripe, or ``None``."""
    data = stripe_api.customer_retrieve(customer.stripe_customer_id).data
    default = (data.get("invoice_settings") or {}).get("default_payment_method")
    return default.get("id") if isinstance(default, dict) else default


def payment_method_list_for_user(*, user) -> list[SavedCard]:
    """The user's saved cards, newest first."""
    customer = Customer.objects.filter(user=user).first()
    if customer is None or not customer.stripe_customer_id:
        return []
    page = stripe_api.customer_payment_method_list(stripe_customer_id=customer.stripe_customer_id)
    default_id = default_payment_method_id(customer)
    return [saved_card_from(payment_method, default_id) for payment_method in page.data["data"]]
