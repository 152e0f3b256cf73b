"""Payment sessions in the admin: a fast list over millions of rows, a read-only detail page
with the session's ledger, refunds, audit trail and callbacks, and staff actions."""

from django.contrib import admin
from django.urls import path
from django.utils.html import format_html

from payments.admin import actions
from payments.admin.base import LedgerMoney, ReadOnlyAdmin, ReadOnlyInline, admin_link, coloured
from payments.admin.dashboard import dashboard_view
from payments.admin.filters import CurrencyFilter, HasRefundsFilter, PayableTypeFilter
from payments.conf import payments_settings
from payments.models import CallbackEvent, PaymentLog, PaymentSession, Refund, Transaction
from payments.money import format_money
from payments.selectors import payment_session_search
from payments.selectors.sessions import NEWEST_FIRST


def stripe_dashboard_url(payment_intent_id: str) -> str:
    """The payment in Stripe's Dashboard (its test-mode pages unless the key is live)."""
    live = payments_settings.STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_"))
    return f"https://dashboard.stripe.com/{'' if live else 'test/'}payments/{payment_intent_id}"


class TransactionInline(LedgerMoney, ReadOnlyInline):
    model = Transaction
    verbose_name_plural = "ledger"
    fields = ["created_at", "kind", "status", "gross_", "fee_", "net_", "stripe_object_id"]
    readonly_fields = fields


class RefundInline(LedgerMoney, ReadOnlyInline):
    model = Refund
    fields = ["created_at", "amount_", "status", "reason", "stripe_refund_id", "requested_by"]
    readonly_fields = fields


class PaymentLogInline(ReadOnlyInline):
    model = PaymentLog
    verbose_name_plural = "audit log"
    fields = ["created_at", "event_type", "old_status", "new_status", "actor", "error_message"]
    readonly_fields = fields


class CallbackInline(ReadOnlyInline):
    model = CallbackEvent
    verbose_name_plural = "callback deliveries"
    fields = ["sequence", "type", "status", "attempts", "last_status_code", "delivered_at"]
    readonly_fields = fields


@admin.register(PaymentSession)
class PaymentSessionAdmin(ReadOnlyAdmin):
    list_display = [
        "short_id",
        "status_",
        "amount_",
        "refunded_",
        "customer_email",
        "payable",
        "card",
        "created_at",
        "paid_at",
    ]
    list_select_related = ["customer", "api_client"]
    list_filter = [
        "status",
        CurrencyFilter,
        PayableTypeFilter,
        "dispute_status",
        HasRefundsFilter,
        ("created_at", admin.DateFieldListFilter),
        ("paid_at", admin.DateFieldListFilter),
    ]
    date_hierarchy = "created_at"
    ordering = NEWEST_FIRST
    # Searching is ours (``get_search_results``); Django only needs a field to show the box.
    search_fields = ["payable_id"]
    search_help_text = (
        "Our id, a Stripe id (cs_, pi_, ch_, re_, cus_...), a customer's e-mail or name, or a "
        "payable id."
    )
    actions = [actions.refund_sessions, actions.export_csv, actions.redeliver_callbacks]
    inlines = [TransactionInline, RefundInline, PaymentLogInline, CallbackInline]
    fieldsets = [
        (None, {"fields": ["id", "status_", "amount_", "refunded_", "description", "flow"]}),
        ("Who and what", {"fields": ["customer_", "api_client", "payable", "metadata"]}),
        (
            "Stripe",
            {
                "fields": [
                    "stripe_link",
                    "stripe_checkout_session_id",
                    "stripe_payment_intent_id",
                    "stripe_charge_id",
                    "card",
                    "receipt_url",
                    "dispute_status",
                    "failure_code",
                    "failure_decline_code",
                    "failure_message",
                ]
            },
        ),
        (
            "Marketplace",
            {
                "fields": [
                    "platform_fee_",
                    "payee_amount_",
                    "connected_account",
                    "payee_reference",
                    "stripe_transfer_id",
                    "stripe_application_fee_id",
                ]
            },
        ),
        (
            "Times",
            {
                "fields": [
                    "created_at",
                    "updated_at",
                    "expires_at",
                    "paid_at",
                    "canceled_at",
                    "failure_alert_queued_at",
                    "receipt_queued_at",
                ]
            },
        ),
    ]
    readonly_fields = [
        "status_",
        "amount_",
        "refunded_",
        "customer_",
        "payable",
        "stripe_link",
        "card",
        "platform_fee_",
        "payee_amount_",
        "failure_alert_queued_at",
        "receipt_queued_at",
    ]

    # Sessions are created by the API and changed only by the state machine, so the admin is
    # read-only; staff with the change permission act through the actions, which call the
    # same services as the API.
    def has_refund_permission(self, request) -> bool:
        return request.user.has_perm("payments.change_paymentsession")

    def has_redeliver_permission(self, request) -> bool:
        return request.user.has_perm("payments.change_paymentsession")

    def get_search_results(self, request, queryset, search_term):
        return payment_session_search(queryset, search_term), False

    def get_urls(self):
        dashboard = self.admin_site.admin_view(dashboard_view(self))
        return [path("dashboard/", dashboard, name="payments_dashboard"), *super().get_urls()]

    @admin.display(description="id")
    def short_id(self, session: PaymentSession) -> str:
        return str(session.pk)[:8]

    @admin.display(description="status", ordering="status")
    def status_(self, session: PaymentSession) -> str:
        return coloured(session.status, session.get_status_display())

    # Not sortable: amounts in different currencies do not compare, and no index serves it.
    @admin.display(description="amount")
    def amount_(self, session: PaymentSession) -> str:
        return format_money(session.amount, session.currency)

    @admin.display(description="refunded")
    def refunded_(self, session: PaymentSession) -> str:
        if not session.amount_refunded:
            return "-"
        return format_money(session.amount_refunded, session.currency)

    @admin.display(description="customer")
    def customer_email(self, session: PaymentSession) -> str:
        return session.customer.email if session.customer else "-"

    @admin.display(description="customer")
    def customer_(self, session: PaymentSession) -> str:
        customer = session.customer
        if customer is None:
            return "-"
        return admin_link("customer", customer.pk, f"{customer.name} <{customer.email}>")

    @admin.display(description="payable")
    def payable(self, session: PaymentSession) -> str:
        return f"{session.payable_type} {session.payable_id}"

    @admin.display(description="card")
    def card(self, session: PaymentSession) -> str:
        if not session.card_last4:
            return "-"
        return f"{session.card_brand} •••• {session.card_last4}"

    @admin.display(description="platform fee")
    def platform_fee_(self, session: PaymentSession) -> str:
        return format_money(session.platform_fee, session.currency)

    @admin.display(description="payee amount")
    def payee_amount_(self, session: PaymentSession) -> str:
        if session.payee_amount is None:
            return "-"
        return format_money(session.payee_amount, session.currency)

    @admin.display(description="Stripe Dashboard")
    def stripe_link(self, session: PaymentSession) -> str:
        if not session.stripe_payment_intent_id:
            return "-"
        url = stripe_dashboard_url(session.stripe_payment_intent_id)
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)
