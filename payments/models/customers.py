from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class Customer(models.Model):
    """A payer, one per email address, mirrored by one Stripe customer."""

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
            models.UniqueConstraint(Lower("email"), name="payments_customer_email_unique"),
        ]

    def __str__(self) -> str:
        return self.email
