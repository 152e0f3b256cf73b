"""One error envelope for every error the API returns:

``{"error": {"type": ..., "code": ..., "message": ..., "param": ..., "details": {...}}}``
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from payments import exceptions as exc

logger = logging.getLogger(__name__)

# Seconds a client waits before retrying while the database is away (a restart, a failover).
DATABASE_RETRY_AFTER = 5


def error_body(
    *, type: str, code: str, message: str, param: str | None = None, details: Any = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"type": type, "code": code, "message": message, "param": param}
    if details is not None:
        error["details"] = details
    return {"error": error}


def _first_error(detail: Any, prefix: str = "") -> tuple[str | None, str]:
    """The first (param, message) of a nested DRF validation detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            child = f"{prefix}.{name}" if prefix and name else (name or prefix)
            param, message = _first_error(value, child)
            return param or None, message
    if isinstance(detail, list) and detail:
        return _first_error(detail[0], prefix)
    return (prefix or None), str(detail)


def _validation_response(error: drf_exceptions.ValidationError) -> Response:
    param, message = _first_error(error.detail)
    body = error_body(
        type="invalid_request_error",
        code="invalid_" + param.split(".")[0] if param else "invalid_request",
        message=f"{param}: {message}" if param else message,
        param=param,
        details=error.detail,
    )
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def payments_error_response(error: exc.PaymentsError) -> Response:
    kind = "provider_error" if isinstance(error, exc.ProviderError) else "invalid_request_error"
    if isinstance(error, exc.CardDeclined):
        kind = "card_error"
    body = error_body(type=kind, code=error.code, message=error.message, param=error.param)
    if isinstance(error, exc.CardDeclined):
        body["error"]["decline_code"] = error.decline_code
    response = Response(body, status=error.http_status)
    if getattr(error, "retry_after", None):
        response["Retry-After"] = str(error.retry_after)
    return response


_KINDS = {401: "authentication_error", 403: "permission_error"}


def _kind(status_code: int) -> str:
    return "api_error" if status_code >= 500 else _KINDS.get(status_code, "invalid_request_error")


def exception_handler(error: Exception, context: dict) -> Response:
    """The app's views' handler (``get_exception_handler``): every error in the envelope,
    including DRF's 404/405/406/415/429 and, logged, an unexpected exception's 500."""
    if isinstance(error, exc.PaymentsError):
        return payments_error_response(error)
    if isinstance(error, drf_exceptions.ValidationError):
        return _validation_response(error)
    if isinstance(error, Http404):
        error = drf_exceptions.NotFound(str(error) or None)
    elif isinstance(error, DjangoPermissionDenied):
        error = drf_exceptions.PermissionDenied(str(error) or None)
    if isinstance(error, OperationalError | InterfaceError):
        return _database_unavailable(error, context)
    response = drf_exception_handler(error, context)
    if response is None:
        logger.exception("Unexpected error in %s", context.get("view").__class__.__name__)
        set_rollback()
        return Response(
            error_body(
                type="api_error",
                code="internal_error",
                message="Something went wrong on our side; nothing was changed. Retry later.",
            ),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(error, drf_exceptions.APIException):
        code = error.get_codes() if isinstance(error.get_codes(), str) else error.default_code
        detail = error.detail
        if isinstance(detail, dict):  # simplejwt's InvalidToken: {"detail": ..., "messages": ...}
            code, detail = detail.get("code", code), detail.get("detail", detail)
        response.data = error_body(
            type=_kind(response.status_code),
            code=str(code),
            message=str(detail),
            param=getattr(error, "param", None),
        )
    return response


def _database_unavailable(error: Exception, context: dict) -> Response:
    """PostgreSQL (or PgBouncer in front of it) is briefly away, restarting or failing over:
    a 503 to retry, like Stripe being away, not a bug's 500. What the request committed
    before is kept; its retry with the same Idempotency-Key resumes it."""
    logger.warning("Database unavailable in %s: %s", context.get("view").__class__.__name__, error)
    set_rollback()
    response = Response(
        error_body(
            type="api_error",
            code="database_unavailable",
            message="Our database is briefly unavailable. Retry the request (with the same "
            f"Idempotency-Key) after {DATABASE_RETRY_AFTER} seconds.",
        ),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
    )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def envelope_response(*, status_code: int, code: str, message: str) -> JsonResponse:
    """The envelope from a plain Django view (the webhook, the API's catch-all 404)."""
    body = error_body(type=_kind(status_code), code=code, message=message)
    return JsonResponse(body, status=status_code)


@csrf_exempt  # a POST with a session cookie would get the CSRF middleware's HTML 403 first
def not_found(request: HttpRequest, unmatched: str = "") -> JsonResponse:
    """Any path under the app's prefix that names no endpoint (last in ``payments.urls``)."""
    return envelope_response(
        status_code=404,
        code="not_found",
        message=f"No endpoint at {request.path}. The API's paths are in its OpenAPI schema.",
    )


class ErrorDetailSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=[
            "invalid_request_error",
            "authentication_error",
            "permission_error",
            "card_error",
            "provider_error",
            "api_error",
        ]
    )
    code = serializers.CharField(help_text="Machine-readable, e.g. idempotency_key_reused.")
    message = serializers.CharField(help_text="For people: what is wrong and what to do.")
    param = serializers.CharField(allow_null=True, help_text="The field or header at fault.")
    decline_code = serializers.CharField(required=False)
    details = serializers.JSONField(required=False, help_text="Per-field validation errors.")


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()
