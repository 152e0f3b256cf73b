"""Object fragments shared by several resources."""

from __future__ import annotations

from typing import Any

ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")


def address(values: dict[str, Any] | None = None) -> dict[str, Any]:
    values = values or {}
    return {field: values.get(field) for field in ADDRESS_FIELDS}


def billing_details(values: dict[str, Any] | None = None) -> dict[str, Any]:
    values = values or {}
    return {
        "address": address(values.get("address")),
        "email": values.get("email"),
        "name": values.get("name"),
        "phone": values.get("phone"),
        "tax_id": values.get("tax_id"),
    }


def owner_mismatch(payment_method: dict[str, Any], customer_id: str | None) -> bool:
    """True when a PaymentMethod saved to one customer is used for another (or for none)."""
    owner = payment_method.get("customer")
    return owner is not None and owner != customer_id
