from django.contrib import admin

from bookings.models import Booking, Membership, ProcessedCallback, Service


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "price_amount",
        "deposit_amount",
        "membership_amount",
        "currency",
        "is_active",
    ]
    prepopulated_fields = {"slug": ["name"]}


class ProcessedCallbackInline(admin.TabularInline):
    model = ProcessedCallback
    extra = 0
    can_delete = False
    fields = readonly_fields = ["event_id", "type", "sequence", "outcome", "received_at"]
    fk_name = "booking"

    def has_add_permission(self, request, obj=None):
        return False


class MembershipCallbackInline(ProcessedCallbackInline):
    fk_name = "membership"


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


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["id", "service", "customer_email", "status", "current_period_end"]
    list_filter = ["status", "service"]
    search_fields = ["id", "customer_name", "customer_email", "subscription_id"]
    readonly_fields = [
        "subscription_id",
        "checkout_url",
        "status",
        "current_period_end",
        "cancel_at_period_end",
        "last_callback_sequence",
        "created_at",
        "updated_at",
    ]
    inlines = [MembershipCallbackInline]
