"""Building blocks of the payments admin: big-table defaults, read-only admins and inlines."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from payments.money import format_money
from payments.selectors import queryset_count_estimate

STATUS_COLOURS = {
    "succeeded": "#1a7f37",
    "partially_refunded": "#9a6700",
    "refunded": "#8250df",
    "failed": "#cf222e",
    "canceled": "#57606a",
    "expired": "#57606a",
    "processing": "#0969da",
    "pending": "#0969da",
    "created": "#0969da",
    "delivered": "#1a7f37",
    "processed": "#1a7f37",
    "ignored": "#57606a",
    "parked": "#9a6700",
    "received": "#0969da",
}


class EstimatedCountPaginator(Paginator):
    """Counts with PostgreSQL's estimate once a list is large: ``COUNT(*)`` over a million
    rows costs more than the rest of the page together."""

    @cached_property
    def count(self) -> int:
        return queryset_count_estimate(self.object_list)


class BigTableAdmin(admin.ModelAdmin):
    """Defaults for tables that grow to millions of rows: no whole-table count, no facet
    counts, estimated pagination."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50


class ReadOnlyAdmin(BigTableAdmin):
    """Records written by the app or by Stripe: staff look, never edit."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LedgerMoney:
    """Ledger rows' and refunds' amounts with their currency (``£25.00``), for lists and
    inlines alike."""

    @admin.display(description="gross")
    def gross_(self, row) -> str:
        return format_money(row.gross, row.currency)

    @admin.display(description="fee")
    def fee_(self, row) -> str:
        return format_money(row.fee, row.currency)

    @admin.display(description="net")
    def net_(self, row) -> str:
        return format_money(row.net, row.currency)

    @admin.display(description="amount")
    def amount_(self, row) -> str:
        return format_money(row.amount, row.currency)


def coloured(status: str, label: str | None = None) -> str:
    return format_html(
        '<strong style="color: {}">{}</strong>',
        STATUS_COLOURS.get(status, "inherit"),
        label or status,
    )


def admin_link(model_name: str, pk: object, text: object) -> str:
    """A link to an object's admin page, from its id alone (no query for the object)."""
    if pk is None:
        return "-"
    url = reverse(f"admin:payments_{model_name}_change", args=[pk])
    return format_html('<a href="{}">{}</a>', url, text)
