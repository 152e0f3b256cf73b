"""Who may call the API, in one module: the API-key authentication, every permission class
(API clients, staff, people) and what the views need to know of the caller (its client, the
actor named in audit rows, its idempotency scope). What a caller may *see* is a selector."""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework_api_key.permissions import KeyParser

from payments.models import APIClient, APIClientKey


class APIClientKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Api-Key <key>``: ``request.auth`` is the key; the user stays anonymous."""

    keyword = "Api-Key"

    def authenticate(self, request):
        key = KeyParser().get(request)
        if key is None:
            return None
        try:
            api_key = APIClientKey.objects.get_from_key(key)
        except APIClientKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.") from None
        if api_key.has_expired or not api_key.client.is_active:
            raise exceptions.AuthenticationFailed("This API key or its client is disabled.")
        return AnonymousUser(), api_key

    def authenticate_header(self, request):
        return self.keyword


class APIClientKeyScheme(OpenApiAuthenticationExtension):
    target_class = APIClientKeyAuthentication
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`, as printed by `manage.py create_api_client`.",
        }


def api_client_of(request) -> APIClient | None:
    return request.auth.client if isinstance(request.auth, APIClientKey) else None


def is_staff(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.is_staff)


class IsAuthenticatedCaller(permissions.BasePermission):
    """The app's default: an API client or a signed-in person (views narrow it further)."""

    message = "Authenticate with an API key (Authorization: Api-Key <key>) or a Bearer token."

    def has_permission(self, request, view) -> bool:
        user = getattr(request, "user", None)
        return api_client_of(request) is not None or bool(user and user.is_authenticated)


class IsAPIClientOrStaff(permissions.BasePermission):
    message = "Authenticate with an API key (Authorization: Api-Key <key>) or as a staff user."

    def has_permission(self, request, view) -> bool:
        return api_client_of(request) is not None or is_staff(request)


class IsAPIClient(permissions.BasePermission):
    message = "Only API clients (Authorization: Api-Key <key>) may create payments."

    def has_permission(self, request, view) -> bool:
        return api_client_of(request) is not None


class IsPerson(permissions.BasePermission):
    message = "Sign in as a person: Authorization: Bearer <token from /api/auth/token/>."

    def has_permission(self, request, view) -> bool:
        user = getattr(request, "user", None)
        return bool(user and user.is_authenticated and api_client_of(request) is None)


class IsPersonOrAPIClient(permissions.BasePermission):
    message = "Sign in as a person (Bearer token) or use an API key."

    def has_permission(self, request, view) -> bool:
        return api_client_of(request) is not None or IsPerson().has_permission(request, view)


def actor_for(request) -> str:
    client = api_client_of(request)
    if client is not None:
        return f"client:{client.name}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"{'staff' if user.is_staff else 'user'}:{user.get_username()}"
    return "anonymous"


def idempotency_scope(request) -> str:
    """Idempotency keys are private to one API client (or one user)."""
    client = api_client_of(request)
    if client is not None:
        return f"client:{client.pk}"
    return f"user:{request.user.pk}"
