"""One error envelope for every error the API returns:

``{"error": {"type": ..., "code": ..., "message": ..., "param": ..., "details": {...}}}``
"""

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from payments import exceptions as exc


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
    return Response(body, status=error.http_status)


def exception_handler(error: Exception, context: dict) -> Response | None:
    if isinstance(error, exc.PaymentsError):
        return payments_error_response(error)
    if isinstance(error, drf_exceptions.ValidationError):
        return _validation_response(error)
    response = drf_exception_handler(error, context)
    if response is None:
        return None
    if isinstance(error, drf_exceptions.APIException):
        code = error.get_codes() if isinstance(error.get_codes(), str) else error.default_code
        kind = {401: "authentication_error", 403: "permission_error"}.get(
            response.status_code, "invalid_request_error"
        )
        detail = error.detail
        if isinstance(detail, dict):  # simplejwt's InvalidToken: {"detail": ..., "messages": ...}
            code, detail = detail.get("code", code), detail.get("detail", detail)
        response.data = error_body(type=kind, code=str(code), message=str(detail))
    return response


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


def _error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


ERROR_RESPONSES = {
    400: _error_response("Invalid request: the field named in `param` is wrong."),
    401: _error_response("Missing or invalid credentials."),
    403: _error_response("Not allowed."),
    409: _error_response("idempotency_key_in_use: the first request is still running."),
    422: _error_response("idempotency_key_reused: the key came with another request."),
    502: _error_response("Stripe refused the request."),
    503: _error_response("provider_unavailable: Stripe could not be reached; retry."),
}
