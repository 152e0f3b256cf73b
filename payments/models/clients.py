"""API clients (other services that ask for payments) and their hashed API keys."""

import secrets

from django.db import models
from rest_framework_api_key.models import AbstractAPIKey

from payments.callback_urls import validate_callback_url


def new_callback_secret() -> str:
    return "cbsec_" + secrets.token_urlsafe(32)


class APIClient(models.Model):
    """Another service that asks for payments (a bookings app, a shop, an invoicing tool)."""

    name = models.CharField(max_length=100, unique=True)
    callback_url = models.URLField(max_length=2000, blank=True, validators=[validate_callback_url])
    callback_secret = models.CharField(max_length=100, default=new_callback_secret)
    # Empty list: any payable type.
    allowed_payable_types = models.JSONField(default=list, blank=True)
    # Overrides PAYMENTS["PLATFORM_FEE"] for this client's payments (payments.fees): a rule
    # such as "15%" or rules by payable type {"default": "10%", "job": "15%"}. Null: global.
    platform_fee = models.JSONField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "API client"

    def __str__(self) -> str:
        return self.name

    def may_use_payable_type(self, payable_type: str) -> bool:
        return not self.allowed_payable_types or payable_type in self.allowed_payable_types


class APIClientKey(AbstractAPIKey):
    """A hashed API key of a client; a client may hold several while rotating."""

    client = models.ForeignKey(APIClient, on_delete=models.CASCADE, related_name="api_keys")

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API client key"
