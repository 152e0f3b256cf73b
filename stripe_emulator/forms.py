"""Decode request parameters the way Stripe does: `a[b][c]=`, `a[0]=`, `a[]=` and JSON bodies."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from .errors import invalid_request


def parse_form(text: str) -> dict[str, Any]:
    """Turn a form-encoded string into nested dicts; array indices stay string keys here.

    `params.Arr` turns `{"0": .., "1": ..}` into a list, so the schema decides what is a list.
    """
    root: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        _assign(root, _split_key(key), value, key)
    return root


def parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    if not body:
        return {}
    text = body.decode("utf-8")
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise invalid_request(f"Invalid JSON body: {exc}") from None
        if not isinstance(data, dict):
            raise invalid_request("The JSON body must be an object.")
        return data
    return parse_form(text)


def _split_key(key: str) -> list[str]:
    head, bracket, rest = key.partition("[")
    parts = [head]
    while bracket:
        inner, closing, rest = rest.partition("]")
        if not closing:
            raise invalid_request(f"Invalid parameter name: {key}", param=key)
        parts.append(inner)
        _, bracket, rest = rest.partition("[")
    return parts


def _assign(node: dict[str, Any], parts: list[str], value: str, full_key: str) -> None:
    for index, part in enumerate(parts):
        if part == "":
            part = str(len(node))
        last = index == len(parts) - 1
        if last:
            if isinstance(node.get(part), dict):
                raise invalid_request(f"Invalid value for {full_key}: expected a hash")
            node[part] = value
            return
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise invalid_request(f"Invalid value for {full_key}: not a hash", param=full_key)
        node = child
