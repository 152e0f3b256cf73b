"""Hostile input in, a clear 4xx out, and nothing written.

PostgreSQL refuses ``\\u0000`` in text and JSON, and UTF-8 cannot encode a lone surrogate, so
either would reach the database as a 500. Deeply nested JSON would exhaust Python's recursion
in ``json.loads``; a huge body would be read into memory first. So, for the app's views:

- the body is capped (``PAYMENTS["MAX_BODY_BYTES"]``): 413 before it is read;
- JSON nesting deeper than ``PAYMENTS["MAX_JSON_DEPTH"]`` is refused before it is parsed;
- NUL characters and lone surrogates in any string or key, and numbers that overflow
  (``1e400``, ``NaN``) are refused after parsing, naming where they are;
- the query string, URL parts, ``Idempotency-Key`` and ``Authorization`` get the same check.
"""

import json
import math
from collections.abc import Mapping
from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

from payments.conf import payments_settings
from payments.storable import json_depth, unstorable


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


class InvalidInput(ParseError):
    """400 naming the field (``param``) whose text or number cannot be stored."""

    default_code = "invalid_input"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None):
        super().__init__(message, code=code)
        self.param = param


def max_body_bytes() -> int:
    return int(payments_settings.MAX_BODY_BYTES)


def check_content_length(request) -> None:
    """413 when the declared body is over the cap, before anything reads it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise InvalidInput("Content-Length is not a number.", param="Content-Length") from None
    limit = max_body_bytes()
    if length > limit:
        raise PayloadTooLarge(
            f"The body is {length} bytes; at most {limit} are accepted (MAX_BODY_BYTES)."
        )


def check_text(data: Any, *, where: str = "") -> None:
    for param, problem in unstorable(data, where):
        raise InvalidInput(f"{param}: {problem}.", param=param)


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise InvalidInput(f"The number {text[:40]} is out of range.", code="number_out_of_range")
    return number


def _no_constants(name: str) -> None:
    raise InvalidInput(f"{name} is not a JSON number.", code="number_out_of_range")


class GuardedJSONParser(JSONParser):
    """DRF's JSON parser behind the checks above (the module docstring)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = max_body_bytes()
        raw = stream.read(limit + 1)  # never more than the cap, whatever Content-Length said
        if len(raw) > limit:
            raise PayloadTooLarge(f"The body is over {limit} bytes (MAX_BODY_BYTES).")
        max_depth = int(payments_settings.MAX_JSON_DEPTH)
        if json_depth(raw) > max_depth:
            raise InvalidInput(
                f"The JSON is nested more than {max_depth} levels deep.", code="json_too_deep"
            )
        encoding = parser_context.get("encoding") or "utf-8"
        try:
            data = json.loads(
                raw.decode(encoding),
                parse_float=_finite_float,
                parse_constant=_no_constants,
            )
        except InvalidInput:
            raise
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
            raise ParseError(f"JSON parse error - {error}") from None
        check_text(data)
        return data


def check_request_text(request, url_kwargs: Mapping[str, Any]) -> None:
    """NUL characters and surrogates in the query string, URL parts or the headers that
    reach the database (Idempotency-Key, the API key in Authorization)."""
    for name in request.GET:
        check_text(name, where="query")
        for value in request.GET.getlist(name):
            check_text(value, where=name)
    for name, value in url_kwargs.items():
        if isinstance(value, str):
            check_text(value, where=name)
    for header in ("Idempotency-Key", "Authorization"):
        value = request.headers.get(header)
        if value is not None:
            check_text(value, where=header)
