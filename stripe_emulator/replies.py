"""HTTP replies the dispatcher hands to the server: JSON, HTML and redirects."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .context import API_VERSION
from .errors import StripeError


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # execute, then close the connection without answering


def json_reply(status: int, payload: Any, request_id: str | None = None) -> Reply:
    headers = {
        "Content-Type": "application/json",
        "Cache-Control": "no-cache, no-store",
        "Stripe-Version": API_VERSION,
    }
    if request_id:
        headers["Request-Id"] = request_id
    return Reply(status, json.dumps(payload, indent=2).encode(), headers)


def error_reply(error: StripeError, request_id: str | None) -> Reply:
    return json_reply(error.status, error.body(request_id), request_id)


def html_reply(html: str, status: int = 200) -> Reply:
    return Reply(status, html.encode(), {"Content-Type": "text/html; charset=utf-8"})


def redirect(location: str) -> Reply:
    return Reply(303, b"", {"Location": location})
