"""Billing Portal sessions (`POST /v1/billing_portal/sessions`): a `url` on the emulator where
the customer updates the card and cancels subscriptions (the page is `portal_page.py`)."""

from __future__ import annotations

from typing import Any

from .. import errors, ids
from ..context import Context
from ..routing import route

DEFAULT_CONFIGURATION = "bpc_emulator_default"


@route("POST", "/v1/billing_portal/sessions")
def create_portal_session(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    if not params.get("customer"):
        raise errors.parameter_missing("customer")
    customer = ctx.store.fetch(params["customer"], "customer", param="customer")
    if customer.get("deleted"):
        raise errors.resource_missing("customer", customer["id"], param="customer")
    if params.get("flow_data"):
        raise errors.invalid_request(
            "The emulator's portal does not support `flow_data` (deep links).", param="flow_data"
        )
    return_url = params.get("return_url")
    if return_url and not return_url.startswith(("http://", "https://")):
        raise errors.invalid_request("Not a valid URL", param="return_url", code="url_invalid")
    session_id = ids.new_id("bps")
    session = {
        "id": session_id,
        "object": "billing_portal.session",
        "after_expiration": None,
        "configuration": params.get("configuration") or DEFAULT_CONFIGURATION,
        "created": ctx.now(),
        "customer": customer["id"],
        "customer_account": None,
        "flow": None,
        "livemode": False,
        "locale": params.get("locale"),
        "on_behalf_of": params.get("on_behalf_of"),
        "return_url": return_url,
        "url": f"{ctx.base_url}/p/session/{session_id}",
    }
    return ctx.store.add(session)
