"""Customers: a payer as one owner (an API client or a user) knows it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class Customer(models.Model):
    """A payer as one owner knows it, mirrored by one Stripe customer.

    Every customer has exactly one owner: an API client (one customer per client and e-mail
    address, made by its checkouts) or an end user (their own customer, for backend charges
    and saved cards). Two owners never share a row, so what one sends is never shown to, nor
    overwritten by, another. Rows with neither owner are legacy rows no lookup reaches.
    """

    api_client = models.ForeignKey(
        "payments.APIClient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments_customer",
    )
    stripe_customer_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "api_client",
                condition=Q(api_client__isnull=False),
                name="payments_customer_client_email_unique",
            ),
            models.CheckConstraint(
                condition=Q(api_client__isnull=True) | Q(user__isnull=True),
                name="payments_customer_one_owner",
            ),
        ]
        # Staff search by e-mail across owners (selectors.sessions.customer_ids_with_email).
        indexes = [models.Index(Lower("email"), name="payments_customer_email_idx")]

    def __str__(self) -> str:
        return self.email
