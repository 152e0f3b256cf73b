"""Callback deliveries to API clients, read-only, with a "redeliver" action."""

import uuid

from django.contrib import admin, messages
from django.db.models import Q

from payments.admin.base import ReadOnlyAdmin, ReadOnlyInline, admin_link, coloured
from payments.models import CallbackAttempt, CallbackEvent
from payments.services.callbacks import callback_redeliver


@admin.action(description="Redeliver selected callbacks", permissions=["redeliver"])
def redeliver(modeladmin, request, queryset):
    queued = callback_redeliver(callback_ids=list(queryset.values_list("pk", flat=True)))
    modeladmin.message_user(request, f"Queued {queued} callbacks for delivery.", messages.SUCCESS)


class AttemptInline(ReadOnlyInline):
    model = CallbackAttempt
    fields = ["created_at", "url", "status_code", "latency_ms", "error"]
    readonly_fields = fields
    show_change_link = False


@admin.register(CallbackEvent)
class CallbackEventAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "type",
        "sequence",
        "status_",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
        "subject",
    ]
    list_filter = ["status", "type"]
    list_select_related = ["api_client"]
    ordering = ["-created_at", "-id"]
    search_fields = ["id"]
    search_help_text = (
        "A callback event id (evt_...), or a payment session or subscription id, exactly."
    )
    actions = [redeliver]
    inlines = [AttemptInline]
    readonly_fields = ["subject"]

    def has_redeliver_permission(self, request) -> bool:
        return request.user.has_perm("payments.change_callbackevent")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            subject = uuid.UUID(term)
        except ValueError:  # a callback event id (or nothing we have)
            return queryset.filter(pk=term), False
        return queryset.filter(Q(session_id=subject) | Q(subscription_id=subject)), False

    @admin.display(description="status")
    def status_(self, callback: CallbackEvent) -> str:
        return coloured(callback.status)

    @admin.display(description="about")
    def subject(self, callback: CallbackEvent) -> str:
        """The payment session or the subscription the callback reports on."""
        if callback.subscription_id is not None:
            return admin_link(
                "subscription", callback.subscription_id, str(callback.subscription_id)[:8]
            )
        return admin_link("paymentsession", callback.session_id, str(callback.session_id)[:8])
