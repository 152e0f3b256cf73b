from django.contrib import admin

from bookings.models import Booking, ProcessedCallback, Service


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "price_amount", "deposit_amount", "currency", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


class ProcessedCallbackInline(admin.TabularInline):
    model = ProcessedCallback
    extra = 0
    can_delete = False
    fields = readonly_fields = ["event_id", "type", "sequence", "outcome", "received_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["id", "service", "customer_name", "starts_at", "status", "payment_status"]
    list_filter = ["status", "service"]
    search_fields = ["id", "customer_name", "customer_email", "payment_session_id"]
    readonly_fields = [
        "payment_session_id",
        "checkout_url",
        "payment_status",
        "amount_refunded",
        "last_callback_sequence",
        "idempotency_key",
        "created_at",
        "updated_at",
        "confirmed_at",
        "cancelled_at",
    ]
    inlines = [ProcessedCallbackInline]
