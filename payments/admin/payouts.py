"""Payouts, read-only: a list filtered by status and currency, and each payout with its
contents inline and its totals (gross, fees, refunds, net = the payout amount, checked)."""

from django.contrib import admin
from django.utils.html import format_html

from payments.admin.base import LedgerMoney, ReadOnlyAdmin, ReadOnlyInline, admin_link, coloured
from payments.models import Payout, PayoutItem
from payments.money import format_money
from payments.selectors.payouts import ADDS_UP, MANUAL, PAYOUT_TYPES, payout_summary

_STATUS_COLOURS = {"paid": "succeeded", "failed": "failed", "canceled": "failed"}


class PayoutItemInline(LedgerMoney, ReadOnlyInline):
    model = PayoutItem
    fields = ["stripe_balance_transaction_id", "type", "amount_", "fee_", "net_", "source_id",
              "session_"]  # fmt: skip
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(type__in=PAYOUT_TYPES)

    @admin.display(description="session")
    def session_(self, row: PayoutItem) -> str:
        return admin_link("paymentsession", row.session_id, str(row.session_id or "")[:8])


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["stripe_payout_id", "status_", "amount_", "currency", "automatic",
                    "arrival_date", "stripe_account", "stripe_created"]  # fmt: skip
    list_filter = ["status", "currency", "automatic"]
    search_fields = ["=stripe_payout_id"]
    ordering = ["-stripe_created", "-id"]
    readonly_fields = ["stripe_payout_id", "stripe_account", "status", "amount_", "currency",
                       "automatic", "arrival_date", "failure_code", "failure_message",
                       "stripe_created", "contents_fetched_at", "totals"]  # fmt: skip
    fields = readonly_fields
    inlines = [PayoutItemInline]

    @admin.display(description="status")
    def status_(self, payout: Payout) -> str:
        return coloured(_STATUS_COLOURS.get(payout.status, payout.status),
                        payout.get_status_display())  # fmt: skip

    @admin.display(description="amount")
    def amount_(self, payout: Payout) -> str:
        return format_money(payout.amount, payout.currency)

    @admin.display(description="contents")
    def totals(self, payout: Payout) -> str:
        summary = payout_summary(payout=payout)
        colour = "succeeded" if summary.check in (ADDS_UP, MANUAL) else "failed"
        check = coloured(colour, summary.check_text)
        if not summary.items:
            return check
        money = {name: format_money(getattr(summary, name), payout.currency)
                 for name in ("gross", "fees", "refunds", "net", "amount")}  # fmt: skip
        return format_html(
            "gross {} &minus; fees {} &minus; refunds {} = net {} (payout {})<br>{}",
            money["gross"], money["fees"], money["refunds"], money["net"], money["amount"], check,
        )  # fmt: skip
