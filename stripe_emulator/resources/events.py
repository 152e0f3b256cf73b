"""Events: retrieve and list (newest first), filtered by type, types[] and created."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from .. import errors
from ..context import Context
from ..listing import paginate
from ..routing import route


def check_list(params: dict[str, Any]) -> None:
    if params.get("type") and params.get("types"):
        raise errors.invalid_request(
            "You may only specify one of these parameters: type, types.", param="types"
        )
    if len(params.get("types") or []) > 20:
        raise errors.invalid_request("You may pass at most 20 event types.", param="types")


@route("GET", "/v1/events/{id}")
def retrieve_event(ctx: Context) -> dict[str, Any]:
    return ctx.store.fetch(ctx.args["id"], "event")


@route("GET", "/v1/events", check=check_list)
def list_events(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    patterns = params.get("types") or ([params["type"]] if params.get("type") else ["*"])
    rows = [
        event
        for event in ctx.store.events
        if any(fnmatchcase(event["type"], pattern) for pattern in patterns)
    ]
    return paginate(ctx.store, rows, params, "/v1/events", "event")
