"""The `controller` and `settings` of an Account, as Stripe fills them in for each kind.

Who pays fees, who bears losses and who collects requirements follow from the account's
`type` (or the `controller` it was created with); the platform's own account is controlled
by itself (`controller.type = "account"`).
"""

from __future__ import annotations

from typing import Any

# type -> (fees payer, losses, requirement collection, dashboard)
_CONTROLLERS = {
    "express": ("application_express", "application", "stripe", "express"),
    "standard": ("account", "stripe", "stripe", "full"),
    "custom": ("application_custom", "application", "application", "none"),
}


def controller(account_type: str, requested: dict[str, Any] | None = None) -> dict[str, Any]:
    """A connected account's controller; `requested`: the `controller` create parameter."""
    payer, losses, collection, dashboard = _CONTROLLERS.get(account_type, _CONTROLLERS["custom"])
    requested = requested or {}
    return {
        "fees": {"payer": (requested.get("fees") or {}).get("payer") or payer},
        "is_controller": True,
        "losses": {"payments": (requested.get("losses") or {}).get("payments") or losses},
        "requirement_collection": requested.get("requirement_collection") or collection,
        "stripe_dashboard": {
            "type": (requested.get("stripe_dashboard") or {}).get("type") or dashboard
        },
        "type": "application",
    }


def platform_controller() -> dict[str, Any]:
    return {"type": "account"}


def settings(display_name: str | None, country: str) -> dict[str, Any]:
    return {
        "bacs_debit_payments": {"display_name": None, "service_user_number": None},
        "branding": {"icon": None, "logo": None, "primary_color": None, "secondary_color": None},
        "card_issuing": {"tos_acceptance": {"date": None, "ip": None}},
        "card_payments": {
            "decline_on": {"avs_failure": False, "cvc_failure": False},
            "statement_descriptor_prefix": None,
            "statement_descriptor_prefix_kana": None,
            "statement_descriptor_prefix_kanji": None,
        },
        "dashboard": {"display_name": display_name, "timezone": "Etc/UTC"},
        "invoices": {"default_account_tax_ids": None, "hosted_payment_method_save": "offer"},
        "payments": {
            "statement_descriptor": None,
            "statement_descriptor_kana": None,
            "statement_descriptor_kanji": None,
            "statement_descriptor_prefix_kana": None,
            "statement_descriptor_prefix_kanji": None,
        },
        "payouts": {
            "debit_negative_balances": True,
            "schedule": {"delay_days": 7 if country == "GB" else 2, "interval": "daily"},
            "statement_descriptor": None,
        },
        "sepa_debit_payments": {},
    }
