"""The app's own records, read-only: ledger rows, refunds, the audit log."""

import json
import uuid

from django.contrib import admin
from django.db.models import Q
from django.utils.html import format_html

from payments.admin.base import LedgerMoney, ReadOnlyAdmin, admin_link, coloured
from payments.admin.filters import CurrencyFilter
from payments.models import PaymentLog, Refund, Transaction


def _session_link(row) -> str:
    return admin_link("paymentsession", row.session_id, str(row.session_id)[:8])


def _by_session_or(queryset, term: str, columns: list[str]):
    """A session id finds that session's rows; anything else is matched exactly against
    ``columns`` (indexed ones: no scan of a big table)."""
    term = term.strip()
    if not term:
        return queryset, False
    try:
        return queryset.filter(session_id=uuid.UUID(term)), False
    except ValueError:
        pass
    match = Q()
    for column in columns:
        match |= Q(**{column: term})
    return queryset.filter(match), False


@admin.register(Transaction)
class TransactionAdmin(LedgerMoney, ReadOnlyAdmin):
    list_display = ["created_at", "kind", "status", "gross_", "fee_", "net_", "session_", "ref"]
    list_filter = ["kind", "status", CurrencyFilter]
    ordering = ["-created_at", "-id"]
    search_fields = ["stripe_object_id"]
    search_help_text = "A session id, or a Stripe object or balance transaction id."

    def get_search_results(self, request, queryset, search_term):
        columns = ["stripe_object_id", "stripe_balance_transaction_id"]
        return _by_session_or(queryset, search_term, columns)

    @admin.display(description="session")
    def session_(self, row: Transaction) -> str:
        return _session_link(row)

    @admin.display(description="Stripe")
    def ref(self, row: Transaction) -> str:
        return row.stripe_object_id


@admin.register(Refund)
class RefundAdmin(LedgerMoney, ReadOnlyAdmin):
    list_display = ["created_at", "amount_", "status_", "reason", "session_", "requested_by"]
    list_filter = ["status", "reason"]
    ordering = ["-created_at", "-id"]
    search_fields = ["stripe_refund_id"]
    search_help_text = "A session id or a Stripe refund id (re_...)."

    def get_search_results(self, request, queryset, search_term):
        return _by_session_or(queryset, search_term, ["stripe_refund_id"])

    @admin.display(description="status")
    def status_(self, refund: Refund) -> str:
        return coloured(refund.status)

    @admin.display(description="session")
    def session_(self, refund: Refund) -> str:
        return _session_link(refund)


@admin.register(PaymentLog)
class PaymentLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event_type", "transition", "actor", "session_", "error"]
    list_filter = ["event_type"]
    ordering = ["-created_at", "-id"]
    search_fields = ["actor"]
    search_help_text = "A session id, an actor (e.g. stripe:evt_...) or a Stripe request id."
    # A row about a Stripe event shows the event's payload (stored once, on the event).
    exclude = ["payload", "webhook_event"]
    readonly_fields = ["payload_", "webhook_event_"]

    def get_search_results(self, request, queryset, search_term):
        return _by_session_or(queryset, search_term, ["actor", "stripe_request_id"])

    @admin.display(description="payload")
    def payload_(self, log: PaymentLog) -> str:
        payload = log.event_payload
        if payload is None:
            return "-"
        return format_html("<pre>{}</pre>", json.dumps(payload, indent=2, sort_keys=True))

    @admin.display(description="Stripe event")
    def webhook_event_(self, log: PaymentLog) -> str:
        if log.webhook_event_id is None:
            return "-"
        return admin_link("webhookevent", log.webhook_event_id, log.actor.removeprefix("stripe:"))

    @admin.display(description="status")
    def transition(self, log: PaymentLog) -> str:
        return f"{log.old_status} → {log.new_status}" if log.old_status else log.new_status

    @admin.display(description="session")
    def session_(self, log: PaymentLog) -> str:
        return _session_link(log)

    @admin.display(description="error")
    def error(self, log: PaymentLog) -> str:
        return log.error_message[:80]
