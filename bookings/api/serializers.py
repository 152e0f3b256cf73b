"""Request validation and response shapes of the bookings API."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bookings.models import Booking, Membership, Service


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


class MembershipCreateSerializer(serializers.Serializer):
    service = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.filter(is_active=True, membership_amount__gt=0),
        help_text="The slug of a service that offers a membership.",
        error_messages={"does_not_exist": "There is no membership of a service '{value}'."},
    )
    customer_name = serializers.CharField(max_length=200)
    customer_email = serializers.EmailField(max_length=254)
    test_clock = serializers.RegexField(
        r"^clock_[A-Za-z0-9_]+$",
        max_length=255,
        required=False,
        help_text="Test mode only: a Stripe test clock (clock_...) to fast-forward renewals on; "
        "payments refuses it with a live Stripe key.",
    )


class MembershipSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    checkout_url = serializers.SerializerMethodField(
        help_text="Send the customer here to pay the first month; null once there is none."
    )
    is_active = serializers.BooleanField(
        read_only=True, help_text="Bookings of the service need no deposit while true."
    )

    class Meta:
        model = Membership
        fields = [
            "id",
            "service",
            "customer_name",
            "customer_email",
            "amount",
            "currency",
            "status",
            "is_active",
            "current_period_end",
            "cancel_at_period_end",
            "subscription_id",
            "checkout_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "amount": {"help_text": "Per month, minor units, from the service."},
            "status": {"help_text": "The payments subscription's status, e.g. active, past_due."},
        }

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_checkout_url(self, membership: Membership) -> str | None:
        return membership.checkout_url or None


class MembershipPortalSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The Billing Portal page: update the card, cancel.")


class PaymentCallbackSerializer(serializers.Serializer):
    """A callback from payments (the receiver checks its signature before reading it)."""

    id = serializers.CharField(max_length=64, help_text="Unique event id; duplicates are no-ops.")
    type = serializers.CharField(max_length=50, help_text="e.g. payment.succeeded")
    created = serializers.IntegerField(help_text="Unix time the event was created.")
    sequence = serializers.IntegerField(
        min_value=1, help_text="Grows per payment session (per subscription for subscription.*)."
    )
    data = serializers.DictField(
        help_text="The payment session (or the subscription), as the payments API shows it."
    )


class CallbackResultSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[
            "applied",
            "duplicate",
            "stale",
            "unknown_booking",
            "other_session",
            "unknown_membership",
            "other_subscription",
        ]
    )


class BookingErrorDetailSerializer(serializers.Serializer):
    type = serializers.CharField()
    code = serializers.CharField(help_text="e.g. payments_unavailable, invalid_signature.")
    message = serializers.CharField(help_text="For people: what is wrong and what to do.")
    param = serializers.CharField(allow_null=True)


class BookingErrorSerializer(serializers.Serializer):
    error = BookingErrorDetailSerializer()
