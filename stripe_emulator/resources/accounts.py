"""Stripe Connect accounts and Account Links, with a small onboarding page.

A new account cannot take charges until it is onboarded: through the page at the Account
Link's `url` (`/connect/onboarding/{token}`) or `POST /_emulator/accounts/{id}/onboard`.
Onboarding turns on `details_submitted`, `charges_enabled` and `payouts_enabled` and emits
`account.updated` (with `account` on the event, as Stripe does for connected accounts).
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from .. import errors, ids
from ..context import Context
from ..listing import paginate
from ..replies import Reply, html_reply, redirect
from ..routing import route
from . import account_settings

LINK_LIFETIME = 300
DUE = ["business_type", "external_account", "individual.first_name", "individual.last_name",
       "tos_acceptance.date", "tos_acceptance.ip"]  # fmt: skip


def _requirements(due: list[str]) -> dict[str, Any]:
    return {
        "alternatives": [], "current_deadline": None, "currently_due": list(due),
        "disabled_reason": "requirements.past_due" if due else None, "errors": [],
        "eventually_due": list(due), "past_due": list(due), "pending_verification": [],
    }  # fmt: skip


def new_account(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    account_type = params.get("type") or "custom"
    requested = [name for name, wanted in (params.get("capabilities") or {}).items() if wanted]
    account = {
        "id": ids.new_id("acct"),
        "object": "account",
        "business_profile": {"mcc": None, "name": None, "product_description": None,
                             "support_email": None, "url": None},
        "business_type": params.get("business_type"),
        "capabilities": {name: "inactive" for name in requested or ["card_payments", "transfers"]},
        "charges_enabled": False,
        "controller": account_settings.controller(account_type, params.get("controller")),
        "country": params.get("country") or "US",
        "created": ctx.now(),
        "default_currency": params.get("default_currency") or "usd",
        "details_submitted": False,
        "email": params.get("email"),
        "external_accounts": {"object": "list", "data": [], "has_more": False,
                              "total_count": 0, "url": "/v1/accounts/external_accounts"},
        "future_requirements": _requirements([]),
        "groups": None,
        "metadata": params.get("metadata") or {},
        "payouts_enabled": False,
        "requirements": _requirements(DUE),
        "settings": account_settings.settings(None, params.get("country") or "US"),
        "tos_acceptance": {"date": None, "ip": None, "user_agent": None},
        "type": account_type,
    }  # fmt: skip
    account["external_accounts"]["url"] = f"/v1/accounts/{account['id']}/external_accounts"
    return ctx.store.add(account)


def onboard(ctx: Context, account: dict[str, Any]) -> dict[str, Any]:
    """The payee finishes onboarding: the account can take charges and receive payouts."""
    previous = ctx.changed(
        account,
        details_submitted=True,
        charges_enabled=True,
        payouts_enabled=True,
        capabilities={name: "active" for name in account["capabilities"]},
        requirements=_requirements([]),
        tos_acceptance={"date": ctx.now(), "ip": "127.0.0.1", "user_agent": "emulator"},
    )
    if previous:
        ctx.emit("account.updated", account, previous, account=account["id"])
    return account


def can_receive_transfers(account: dict[str, Any]) -> bool:
    return account["capabilities"].get("transfers") == "active"


@route("POST", "/v1/accounts")
def create_account(ctx: Context) -> dict[str, Any]:
    return new_account(ctx, ctx.params)


def platform_account(ctx: Context) -> dict[str, Any]:
    """The account the API key belongs to: made on first use, onboarded, self-controlled."""
    meta = ctx.store.meta("platform_account")
    if meta.get("id") in ctx.store.objects:
        return ctx.store.objects[meta["id"]]
    account = new_account(ctx, {"type": "standard", "country": "GB", "default_currency": "gbp",
                                "email": "platform@example.com"})  # fmt: skip
    account.update(
        business_type="company",
        charges_enabled=True,
        controller=account_settings.platform_controller(),
        details_submitted=True,
        payouts_enabled=True,
        capabilities={name: "active" for name in account["capabilities"]},
        requirements=_requirements([]),
        settings=account_settings.settings("Emulated platform", "GB"),
    )
    meta["id"] = account["id"]
    return account


@route("GET", "/v1/account")
def retrieve_platform_account(ctx: Context) -> dict[str, Any]:
    return platform_account(ctx)


@route("GET", "/v1/accounts/{id}")
def retrieve_account(ctx: Context) -> dict[str, Any]:
    return ctx.store.fetch(ctx.args["id"], "account")


@route("GET", "/v1/accounts")
def list_accounts(ctx: Context) -> dict[str, Any]:
    platform = ctx.store.meta("platform_account").get("id")
    connected = [acct for acct in ctx.store.all("account") if acct["id"] != platform]
    return paginate(ctx.store, connected, ctx.params, "/v1/accounts", "account")


@route("POST", "/v1/account_links")
def create_account_link(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    account = ctx.store.fetch(params["account"], "account", param="account")
    if not params.get("return_url") and params["type"] == "account_onboarding":
        raise errors.parameter_missing("return_url")
    token = ids.random_token(24)
    created = ctx.now()
    ctx.store.meta(f"link_{token}").update(
        account=account["id"],
        refresh_url=params.get("refresh_url") or params.get("return_url"),
        return_url=params.get("return_url"),
        expires_at=created + LINK_LIFETIME,
    )
    return {
        "object": "account_link",
        "created": created,
        "expires_at": created + LINK_LIFETIME,
        "url": f"{ctx.base_url}/connect/onboarding/{token}",
    }


def _link(ctx: Context) -> dict[str, Any]:
    link = ctx.store.meta(f"link_{ctx.args['token']}")
    if "account" not in link:
        raise errors.resource_missing("account_link", ctx.args["token"])
    return link


@route("GET", "/connect/onboarding/{token}", schema={})
def onboarding_page(ctx: Context) -> Reply:
    link = _link(ctx)
    if link["expires_at"] < ctx.now():
        return redirect(link["refresh_url"])
    account = ctx.store.fetch(link["account"], "account")
    action = f"/connect/onboarding/{quote(ctx.args['token'])}"
    return html_reply(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Onboarding</title></head>"
        "<body><main><p>Test mode · Stripe emulator</p>"
        f"<h1>Get paid with {escape(account['id'])}</h1>"
        "<p>Stripe would collect identity and bank details here.</p>"
        f"<form method=post action='{action}'><button>Complete onboarding</button></form>"
        "</main></body></html>"
    )


@route("POST", "/connect/onboarding/{token}", schema={})
def submit_onboarding(ctx: Context) -> Reply:
    link = _link(ctx)
    if link["expires_at"] < ctx.now():
        return redirect(link["refresh_url"])
    onboard(ctx, ctx.store.fetch(link["account"], "account"))
    return redirect(link["return_url"])


@route("POST", "/_emulator/accounts/{id}/onboard", schema={})
def onboard_account(ctx: Context) -> dict[str, Any]:
    """Complete a connected account's onboarding without the page."""
    return onboard(ctx, ctx.store.fetch(ctx.args["id"], "account"))
