"""Webhook endpoints: create, list, retrieve, update, delete; each one receives its events.

An enabled endpoint gets every event whose type is in its `enabled_events` (`*` = all),
signed with its own secret. The secret is shown only in the create response, as Stripe
does. A `connect` endpoint receives the events of connected accounts (those carrying
`account`), any other endpoint the platform's own events.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .. import errors, ids
from ..context import API_VERSION, Context
from ..listing import paginate
from ..params import merge_metadata
from ..routing import route
from ..store import Store, public


def targets(store: Store, event: dict[str, Any]) -> list[tuple[str, str]]:
    """(url, secret) of every enabled endpoint that wants `event`, oldest endpoint first."""
    endpoints = sorted(store.all("webhook_endpoint"), key=store.sort_key)
    return [
        (endpoint["url"], store.meta(endpoint["id"])["secret"])
        for endpoint in endpoints
        if endpoint.get("status") == "enabled" and _wants(store, endpoint, event)
    ]


def _wants(store: Store, endpoint: dict[str, Any], event: dict[str, Any]) -> bool:
    wanted = endpoint["enabled_events"]
    connect = bool(store.meta(endpoint["id"]).get("connect"))
    return ("*" in wanted or event["type"] in wanted) and connect == bool(event.get("account"))


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise errors.invalid_request(f"Invalid URL: {url}", param="url", code="url_invalid")
    return url


def _check_events(events: list[str]) -> list[str]:
    if not events:
        raise errors.parameter_missing("enabled_events")
    for index, name in enumerate(events):
        if name != "*" and "." not in name:
            raise errors.invalid_request(
                f"Invalid enabled_events[{index}]: must be '*' or an event type such as "
                f"'charge.succeeded', not '{name}'",
                param=f"enabled_events[{index}]",
            )
    return events


@route("POST", "/v1/webhook_endpoints")
def create_endpoint(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    endpoint = {
        "id": ids.new_id("we"),
        "object": "webhook_endpoint",
        "api_version": params.get("api_version") or API_VERSION,
        "application": None,
        "created": ctx.now(),
        "description": params.get("description"),
        "enabled_events": _check_events(params["enabled_events"]),
        "livemode": False,
        "metadata": params.get("metadata") or {},
        "status": "enabled",
        "url": _check_url(params["url"]),
    }
    secret = "whsec_" + ids.random_token(32)
    ctx.store.add(endpoint, secret=secret, connect=bool(params.get("connect")))
    return {**public(endpoint), "secret": secret}


def _endpoint(ctx: Context) -> dict[str, Any]:
    return ctx.store.fetch(ctx.args["id"], "webhook_endpoint")


@route("GET", "/v1/webhook_endpoints/{id}")
def retrieve_endpoint(ctx: Context) -> dict[str, Any]:
    return _endpoint(ctx)


@route("POST", "/v1/webhook_endpoints/{id}")
def update_endpoint(ctx: Context) -> dict[str, Any]:
    endpoint, params = _endpoint(ctx), ctx.params
    if params.get("url") is not None:
        endpoint["url"] = _check_url(params["url"])
    if params.get("enabled_events") is not None:
        endpoint["enabled_events"] = _check_events(params["enabled_events"])
    if "description" in params:
        endpoint["description"] = params["description"]
    if params.get("disabled") is not None:
        endpoint["status"] = "disabled" if params["disabled"] else "enabled"
    endpoint["metadata"] = merge_metadata(endpoint["metadata"], params.get("metadata"))
    return endpoint


@route("DELETE", "/v1/webhook_endpoints/{id}")
def delete_endpoint(ctx: Context) -> dict[str, Any]:
    endpoint = _endpoint(ctx)
    del ctx.store.objects[endpoint["id"]]
    return {"id": endpoint["id"], "object": "webhook_endpoint", "deleted": True}


@route("GET", "/v1/webhook_endpoints")
def list_endpoints(ctx: Context) -> dict[str, Any]:
    rows = ctx.store.all("webhook_endpoint")
    return paginate(ctx.store, rows, ctx.params, "/v1/webhook_endpoints", "webhook_endpoint")
