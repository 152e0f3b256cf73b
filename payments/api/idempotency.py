"""``Idempotency-Key`` handling for POST endpoints that create something.

The first completed response to a key is stored and replayed byte for byte, with
``Idempotent-Replayed: true``. Not stored: validation errors before any work began, and 5xx
answers (the work can be resumed by retrying with the same key).
"""

import hashlib
import json

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from payments import exceptions as exc
from payments.api.base import PaymentsAPIView
from payments.api.permissions import idempotency_scope
from payments.models import IdempotencyKey
from payments.services.idempotency import (
    idempotency_key_acquire,
    idempotency_key_complete,
    idempotency_key_release,
)

HEADER = "Idempotency-Key"
BODY_FIELD = "idempotency_key"
MAX_KEY_LENGTH = 255

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type={"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    location=OpenApiParameter.HEADER,
    required=True,
    description="1-255 characters, unique per request you mean to make once. A retry with the "
    "same key and body replays the first answer (header `Idempotent-Replayed: true`). The body "
    "field `idempotency_key` is accepted instead, for the original API.",
)


def idempotency_key_from(request) -> str:
    key = request.headers.get(HEADER)
    if key is None and hasattr(request.data, "get"):
        key = request.data.get(BODY_FIELD)
    if key is None or key == "":
        raise exc.IdempotencyKeyRequired(
            f"The {HEADER} header is required for this request: send a unique value (e.g. a "
            "UUID) and reuse it only to retry the same request.",
            param=HEADER,
        )
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH:
        raise exc.IdempotencyKeyInvalid(
            f"{HEADER} must be a string of 1 to {MAX_KEY_LENGTH} characters.", param=HEADER
        )
    return key


def request_fingerprint(*, method: str, path: str, data) -> str:
    """A hash of what makes two requests "the same request" for an idempotency key."""
    if hasattr(data, "getlist"):
        data = {key: data.getlist(key) for key in data}
    if isinstance(data, dict):
        data = {key: value for key, value in data.items() if key != BODY_FIELD}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def _replay(idem: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(
        bytes(idem.response_body or b""),
        status=idem.response_status,
        content_type=idem.response_content_type or "application/json",
    )
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotentCreateView(PaymentsAPIView):
    """A POST that runs ``perform_create_idempotently`` at most once per Idempotency-Key."""

    def perform_create_idempotently(self, request, idem: IdempotencyKey, *args, **kwargs):
        raise NotImplementedError

    def fingerprint_data(self, request):
        """What identifies the request body; a view may leave out what must not be stored
        even as a hash (raw card data)."""
        return request.data

    def post(self, request, *args, **kwargs):
        idem = idempotency_key_acquire(
            scope=idempotency_scope(request),
            key=idempotency_key_from(request),
            method=request.method,
            path=request.path,
            fingerprint=request_fingerprint(
                method=request.method, path=request.path, data=self.fingerprint_data(request)
            ),
        )
        if idem.is_complete:
            return _replay(idem)
        try:
            response = self.perform_create_idempotently(request, idem, *args, **kwargs)
        except Exception as error:
            try:
                response = self.handle_exception(error)
            except Exception:
                idempotency_key_release(idem=idem)
                raise
        return self._finish(idem, response)

    def _finish(self, idem: IdempotencyKey, response: Response) -> HttpResponse:
        content = JSONRenderer().render(response.data)
        if response.status_code >= 500 or (response.status_code >= 400 and not idem.resource_id):
            idempotency_key_release(idem=idem)
        else:
            idempotency_key_complete(
                idem=idem,
                status=response.status_code,
                body=content,
                content_type="application/json",
            )
        final = HttpResponse(content, status=response.status_code, content_type="application/json")
        for header in ("Location", "Retry-After"):
            if response.has_header(header):
                final[header] = response[header]
        return final
