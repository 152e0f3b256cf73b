"""Subscriptions in the admin: a filtered, searchable list, a read-only detail page (every
field mirrors Stripe) with the subscription's invoices (their payment sessions), and a
"cancel at the period's end" action that goes through ``subscription_cancel``, as the API."""

import uuid

from django.contrib import admin, messages

from payments.admin.base import ReadOnlyAdmin, ReadOnlyInline, admin_link, coloured
from payments.admin.filters import CurrencyFilter
from payments.exceptions import PaymentsError
from payments.models import PaymentSession, Subscription
from payments.models.subscriptions import FINAL_SUBSCRIPTION_STATUSES
from payments.money import format_money
from payments.selectors.subscription_search import subscription_search
from payments.services.subscriptions import subscription_cancel

MAX_CANCELS_PER_ACTION = 50


class InvoiceInline(ReadOnlyInline):
    model = PaymentSession
    fk_name = "subscription"
    verbose_name = "invoice"
    verbose_name_plural = "invoices (payment sessions)"
    fields = ["created_at", "status", "amount_", "stripe_invoice_id", "paid_at", "failure_message"]
    readonly_fields = fields
    ordering = ["-created_at"]

    @admin.display(description="amount")
    def amount_(self, session: PaymentSession) -> str:
        return format_money(session.amount, session.currency)


@admin.action(description="Cancel at the end of the period", permissions=["cancel"])
def cancel_at_period_end(modeladmin, request, queryset):
    """Ask Stripe to cancel each selected subscription when its period ends; the rows change
    when Stripe's events arrive, as for a cancel through the API."""
    subscriptions = list(queryset[: MAX_CANCELS_PER_ACTION + 1])
    if len(subscriptions) > MAX_CANCELS_PER_ACTION:
        modeladmin.message_user(
            request, f"Cancel at most {MAX_CANCELS_PER_ACTION} at once.", messages.ERROR
        )
        return
    for subscription in subscriptions:
        if subscription.status in FINAL_SUBSCRIPTION_STATUSES:
            modeladmin.message_user(
                request, f"{subscription.pk}: already {subscription.status}.", messages.WARNING
            )
            continue
        try:
            subscription_cancel(
                subscription=subscription, at_period_end=True, request_id=uuid.uuid4()
            )
        except PaymentsError as error:
            modeladmin.message_user(request, f"{subscription.pk}: {error.message}", messages.ERROR)
            continue
        modeladmin.message_user(
            request,
            f"{subscription.pk}: Stripe cancels it at the end of the period; this page shows "
            "it when Stripe's event arrives.",
            messages.SUCCESS,
        )


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = [
        "short_id",
        "status_",
        "amount_",
        "every",
        "customer_email",
        "payable",
        "current_period_end",
        "cancel_at_period_end",
        "created_at",
    ]
    list_select_related = ["customer"]
    list_filter = ["status", "interval", CurrencyFilter, "cancel_at_period_end"]
    ordering = ["-created_at"]
    # Searching is ours (``get_search_results``); Django only needs a field to show the box.
    search_fields = ["payable_id"]
    search_help_text = (
        "Our id, a Stripe id (sub_, price_, cus_, in_), a customer's e-mail or name, or a "
        "payable id."
    )
    actions = [cancel_at_period_end]
    inlines = [InvoiceInline]
    fieldsets = [
        (None, {"fields": ["id", "status_", "amount_", "every", "metadata"]}),
        ("Who and what", {"fields": ["customer_", "api_client", "user", "payable"]}),
        (
            "Stripe",
            {
                "fields": [
                    "stripe_subscription_id",
                    "stripe_price_id",
                    "current_period_start",
                    "current_period_end",
                    "cancel_at_period_end",
                    "canceled_at",
                    "ended_at",
                    "trial_end",
                    "stripe_event_created",
                ]
            },
        ),
        ("Times", {"fields": ["created_at", "updated_at"]}),
    ]
    readonly_fields = [
        "status_",
        "amount_",
        "every",
        "customer_",
        "payable",
        "stripe_event_created",
    ]

    # The row mirrors Stripe: staff never edit it; with the change permission they may ask
    # Stripe to cancel, through the same service as the API.
    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("payments.change_subscription")

    def get_search_results(self, request, queryset, search_term):
        return subscription_search(queryset, search_term), False

    @admin.display(description="id")
    def short_id(self, subscription: Subscription) -> str:
        return str(subscription.pk)[:8]

    @admin.display(description="status", ordering="status")
    def status_(self, subscription: Subscription) -> str:
        return coloured(subscription.status, subscription.get_status_display())

    @admin.display(description="amount")
    def amount_(self, subscription: Subscription) -> str:
        return format_money(subscription.amount, subscription.currency)

    @admin.display(description="every")
    def every(self, subscription: Subscription) -> str:
        count = subscription.interval_count
        return subscription.interval if count == 1 else f"{count} {subscription.interval}s"

    @admin.display(description="customer")
    def customer_email(self, subscription: Subscription) -> str:
        return subscription.customer.email

    @admin.display(description="customer")
    def customer_(self, subscription: Subscription) -> str:
        customer = subscription.customer
        return admin_link("customer", customer.pk, f"{customer.name} <{customer.email}>")

    @admin.display(description="payable")
    def payable(self, subscription: Subscription) -> str:
        return f"{subscription.payable_type} {subscription.payable_id}"
