"""Request validation and response shapes of the bookings API."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bookings.models import Booking, Service


class BookingCreateSerializer(serializers.Serializer):
    service = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.filter(is_active=True),
        help_text="The service's slug, e.g. `haircut`.",
        error_messages={"does_not_exist": "There is no bookable service '{value}'."},
    )
    customer_name = serializers.CharField(max_length=200)
    customer_email = serializers.EmailField(max_length=254)
    starts_at = serializers.DateTimeField(help_text="ISO 8601 with a time zone.")

    def validate_starts_at(self, value):
        if value <= timezone.now():
            raise serializers.ValidationError("Must be in the future.")
        return value


class BookingSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    checkout_url = serializers.SerializerMethodField(
        help_text="Send the customer here to pay the deposit; null when none is due."
    )
    service_name = serializers.CharField(source="service.name", read_only=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "status",
            "service",
            "service_name",
            "customer_name",
            "customer_email",
            "starts_at",
            "deposit_amount",
            "currency",
            "payment_session_id",
            "checkout_url",
            "payment_status",
            "amount_refunded",
            "created_at",
            "updated_at",
            "confirmed_at",
            "cancelled_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "deposit_amount": {"help_text": "Minor units, from the service (2500 is £25.00)."},
            "payment_status": {"help_text": "The payment session's status at payments."},
        }

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_checkout_url(self, booking: Booking) -> str | None:
        return booking.checkout_url or None


class PaymentCallbackSerializer(serializers.Serializer):
    """A callback from payments (the receiver checks its signature before reading it)."""

    id = serializers.CharField(max_length=64, help_text="Unique event id; duplicates are no-ops.")
    type = serializers.CharField(max_length=50, help_text="e.g. payment.succeeded")
    created = serializers.IntegerField(help_text="Unix time the event was created.")
    sequence = serializers.IntegerField(min_value=1, help_text="Grows per payment session.")
    data = serializers.DictField(help_text="The payment session, as GET sessions/{id}/ shows it.")


class CallbackResultSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=["applied", "duplicate", "stale", "unknown_booking", "other_session"]
    )


class BookingErrorDetailSerializer(serializers.Serializer):
    type = serializers.CharField()
    code = serializers.CharField(help_text="e.g. payments_unavailable, invalid_signature.")
    message = serializers.CharField(help_text="For people: what is wrong and what to do.")
    param = serializers.CharField(allow_null=True)


class BookingErrorSerializer(serializers.Serializer):
    error = BookingErrorDetailSerializer()
