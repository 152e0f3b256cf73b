"""Stripe's webhook events as stored, read-only, with a "reprocess" action."""

from django.contrib import admin, messages

from payments.admin.base import ReadOnlyAdmin, admin_link, coloured
from payments.models import WebhookEvent
from payments.models.webhooks import WebhookEventStatus
from payments.services.webhooks import WebhookProcessingFailed, webhook_event_receive

_DONE = {WebhookEventStatus.PROCESSED, WebhookEventStatus.IGNORED}


@admin.action(description="Reprocess selected events", permissions=["reprocess"])
def reprocess_events(modeladmin, request, queryset):
    """Feed each failed (or never finished) event through the webhook's own processing path,
    as if Stripe delivered it again. Events already applied are skipped: a replay of them
    would change nothing."""
    counts = {"processed": 0, "ignored": 0, "skipped": 0}
    for stored in queryset.only("id", "stripe_event_id", "status", "payload"):
        if stored.status in _DONE:
            counts["skipped"] += 1
            continue
        try:
            result = webhook_event_receive(event=stored.payload)
        except WebhookProcessingFailed as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
            continue
        counts[result.status if result.status in counts else "skipped"] += 1
    summary = ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
    modeladmin.message_user(request, f"Reprocessed: {summary}.", messages.INFO)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = [
        "received_at",
        "stripe_event_id",
        "type",
        "status_",
        "attempts",
        "session_",
        "waiting_for",  # a parked event's PaymentIntent or charge id
    ]
    list_filter = ["status", "livemode"]
    ordering = ["-received_at", "-id"]
    search_fields = ["stripe_event_id"]
    search_help_text = "A Stripe event id (evt_...), exactly."
    actions = [reprocess_events]
    readonly_fields = ["session_"]

    def has_reprocess_permission(self, request) -> bool:
        return request.user.has_perm("payments.change_webhookevent")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (queryset.filter(stripe_event_id=term) if term else queryset), False

    @admin.display(description="status")
    def status_(self, event: WebhookEvent) -> str:
        return coloured(event.status)

    @admin.display(description="session")
    def session_(self, event: WebhookEvent) -> str:
        return admin_link("paymentsession", event.session_id, str(event.session_id)[:8])
