"""Who pays and who asks for payments, read-only: customers and API clients.

API clients and their keys are created with ``manage.py create_api_client``, which shows the
key once; the admin never shows keys or callback secrets.
"""

from django.contrib import admin
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.html import format_html

from payments.admin.base import ReadOnlyAdmin, ReadOnlyInline
from payments.models import APIClient, APIClientKey, Customer
from payments.selectors import customer_ids_with_email


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["email", "name", "phone", "stripe_customer_id", "created_at", "payments"]
    ordering = ["-created_at", "-id"]
    fields = ["email", "name", "phone", "user", "stripe_customer_id", "created_at", "payments"]
    readonly_fields = ["payments"]
    search_fields = ["email"]
    search_help_text = "A whole e-mail address (any case), a Stripe customer id, or part of a name."

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if "@" in term:
            return queryset.filter(pk__in=customer_ids_with_email(term)), False
        if term.startswith("cus_"):
            return queryset.filter(stripe_customer_id=term), False
        return queryset.annotate(name_lower=Lower("name")).filter(
            name_lower__contains=term.lower()
        ), False

    @admin.display(description="payments")
    def payments(self, customer: Customer) -> str:
        url = reverse("admin:payments_paymentsession_changelist")
        return format_html('<a href="{}?customer__id__exact={}">Payments</a>', url, customer.pk)


class KeyInline(ReadOnlyInline):
    model = APIClientKey
    fields = ["name", "prefix", "created", "expiry_date", "revoked"]
    readonly_fields = fields
    show_change_link = False


@admin.register(APIClient)
class APIClientAdmin(ReadOnlyAdmin):
    list_display = ["name", "callback_url", "is_active", "created_at"]
    list_filter = ["is_active"]
    ordering = ["name"]
    fields = ["name", "callback_url", "allowed_payable_types", "platform_fee", "is_active"]
    search_fields = ["name"]
    inlines = [KeyInline]
