"""Payees' Stripe Connect accounts (``ConnectedAccount``) and their account types."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class AccountType(models.TextChoices):
    EXPRESS = "express", "Express"
    STANDARD = "standard", "Standard"


class ConnectedAccount(models.Model):
    """A payee's Stripe account (Stripe Connect): a teacher, a cleaner, a seller.

    Linked to a Django user (who onboards through an Account Link) or to an external payee
    reference an API client chose (e.g. ``cleaner:42``). Stripe is the source of truth for the
    flags; ``account.updated`` webhooks keep them current.
    """

    stripe_account_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=10, choices=AccountType.choices, default=AccountType.EXPRESS)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments_connected_account",
    )
    # Namespaced per API client: two clients may each register "cleaner:42" as their own.
    payee_reference = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    api_client = models.ForeignKey(
        "payments.APIClient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="connected_accounts",
    )
    email = models.EmailField(max_length=254, blank=True)
    country = models.CharField(max_length=2, blank=True)
    details_submitted = models.BooleanField(default=False)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    # `created` of the account.updated event applied last: an older event arriving late is
    # not allowed to turn the flags back.
    stripe_event_created = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=AccountType.values), name="payments_connect_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(stripe_account_id__startswith="acct_"),
                name="payments_connect_account_id_shape",
            ),
            models.UniqueConstraint(
                fields=["api_client", "payee_reference"],
                name="payments_connect_client_reference_unique",
            ),
            # An account belongs to one user or to one API client, never to both.
            models.CheckConstraint(
                condition=Q(api_client__isnull=True) | Q(user__isnull=True),
                name="payments_connect_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stripe_account_id} ({self.type})"

    @property
    def can_take_charges(self) -> bool:
        return self.charges_enabled
