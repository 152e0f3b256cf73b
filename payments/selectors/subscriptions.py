"""Subscription reads for the API: what each caller may see, with the list's filters."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from payments.models import APIClient, PaymentSession, Subscription
from payments.models.sessions import Flow
from payments.selectors.sessions import NEWEST_FIRST, customer_ids_with_email


@dataclass(frozen=True)
class SubscriptionFilters:
    """What a list of subscriptions may be narrowed by; ``None`` means "any"."""

    status: str | None = None
    payable_type: str | None = None
    payable_id: str | None = None
    customer_email: str | None = None

    def apply(self, queryset: QuerySet[Subscription]) -> QuerySet[Subscription]:
        if self.status:
            queryset = queryset.filter(status=self.status)
        if self.payable_type:
            queryset = queryset.filter(payable_type=self.payable_type)
        if self.payable_id:
            queryset = queryset.filter(payable_id=self.payable_id)
        if self.customer_email:
            queryset = queryset.filter(customer__in=customer_ids_with_email(self.customer_email))
        return queryset


def subscriptions_visible_to(
    *, api_client: APIClient | None, user=None, filters: SubscriptionFilters | None = None
) -> QuerySet[Subscription]:
    """The subscriptions a caller may see and manage, newest first, each with its invoices'
    payment sessions (oldest first): an API client the ones it created; a staff user all; any
    other signed-in person their own; anyone else none."""
    invoices = PaymentSession.objects.filter(flow=Flow.SUBSCRIPTION_INVOICE).order_by(
        "created_at", "id"
    )
    queryset = (
        Subscription.objects.select_related("customer")
        .prefetch_related(Prefetch("sessions", queryset=invoices, to_attr="invoice_sessions"))
        .order_by(*NEWEST_FIRST)
    )
    if api_client is not None:
        queryset = queryset.filter(api_client=api_client)
    elif user is not None and user.is_authenticated and user.is_staff:
        pass
    elif user is not None and user.is_authenticated:
        queryset = queryset.filter(user=user)
    else:
        queryset = queryset.none()
    return (filters or SubscriptionFilters()).apply(queryset)
