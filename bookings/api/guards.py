"""The bookings API's own defences and error envelope (bookings never imports payments).

Its JSON parser refuses, with 400 and before the database sees them, what PostgreSQL cannot
store or Python cannot parse safely: bodies over 256 KiB (413), nesting deeper than 16
levels (checked before parsing), NUL characters and lone surrogates in any string or key.
"""

import json
import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.views import exception_handler as drf_exception_handler

MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 16


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


def too_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether ``[``/``{`` nest deeper than ``limit`` outside strings (no parsing)."""
    depth, in_string, escaped = 0, False, False
    for byte in raw.translate(None, bytes(b for b in range(256) if b not in b'[]{}"\\')):
        if in_string:
            escaped, in_string = (False, True) if escaped else (byte == 0x5C, byte != 0x22)
        elif byte == 0x22:
            in_string = True
        else:
            depth += 1 if byte in b"[{" else -1
            if depth > limit:
                return True
    return False


def _unstorable(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value or any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_unstorable(key) or _unstorable(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_unstorable(item) for item in value)
    return False


class GuardedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(MAX_BODY_BYTES + 1)
        if len(raw) > MAX_BODY_BYTES:
            raise BodyTooLarge(f"The body is over {MAX_BODY_BYTES} bytes.")
        if too_deep(raw):
            raise exceptions.ParseError(f"The JSON is nested more than {MAX_DEPTH} levels deep.")
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError as error:
            raise exceptions.ParseError(f"JSON parse error - {error}") from None
        if _unstorable(data):
            raise exceptions.ParseError(
                "The body contains a NUL character (\\u0000), an unpaired surrogate or a "
                "number out of range, none of which can be stored."
            )
        return data


def _first_error(detail: Any, prefix: str = "") -> tuple[str | None, str]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            return _first_error(value, f"{prefix}.{name}" if prefix and name else name or prefix)
    if isinstance(detail, list) and detail:
        return _first_error(detail[0], prefix)
    return (prefix or None), str(detail)


def exception_handler(error: Exception, context: dict):
    """``{"error": {"type", "code", "message", "param"}}`` for every DRF error, and for
    Django's ``Http404`` (``get_object_or_404``) and ``PermissionDenied``, which DRF's own
    handler answers as ``{"detail": ...}``."""
    if isinstance(error, Http404):
        error = exceptions.NotFound(str(error) or None)
    elif isinstance(error, DjangoPermissionDenied):
        error = exceptions.PermissionDenied(str(error) or None)
    response = drf_exception_handler(error, context)
    if response is None or not isinstance(error, exceptions.APIException):
        return response
    if isinstance(error, exceptions.ValidationError):
        param, message = _first_error(error.detail)
        code = "invalid_" + param.split(".")[0] if param else "invalid_request"
        message = f"{param}: {message}" if param else message
    else:
        param, code, message = None, error.default_code, str(error.detail)
        if isinstance(error.get_codes(), str):
            code = error.get_codes()
    kind = "api_error" if response.status_code >= 500 else "invalid_request_error"
    response.data = {"error": {"type": kind, "code": code, "message": message, "param": param}}
    return response


@csrf_exempt  # a POST with a session cookie would get the CSRF middleware's HTML 403 first
def not_found(request, unmatched: str = ""):
    """Any path under bookings' prefix that names no endpoint (last in ``bookings.api.urls``),
    e.g. a booking id that is not a UUID: the envelope, not Django's HTML page."""
    error = {
        "type": "invalid_request_error",
        "code": "not_found",
        "message": f"No endpoint at {request.path}.",
        "param": None,
    }
    return JsonResponse({"error": error}, status=404)
