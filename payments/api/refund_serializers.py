"""Request and response shapes of the refunds endpoint."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments.api.serializers import StrictIntegerField
from payments.models import Refund
from payments.models.refunds import RefundReason
from payments.money import format_money


class RefundRequestSerializer(serializers.Serializer):
    amount = StrictIntegerField(
        required=False,
        min_value=1,
        help_text="Minor units; leave out to refund everything that is left.",
    )
    reason = serializers.ChoiceField(
        choices=RefundReason.choices, required=False, allow_blank=True, default=""
    )
    idempotency_key = serializers.CharField(
        required=False,
        write_only=True,
        max_length=255,
        help_text="Alternative to the Idempotency-Key header.",
    )


class RefundSerializer(serializers.ModelSerializer):
    amount_display = serializers.SerializerMethodField()

    class Meta:
        model = Refund
        fields = [
            "id",
            "session",
            "amount",
            "currency",
            "amount_display",
            "reason",
            "status",
            "stripe_refund_id",
            "requested_by",
            "failure_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(help_text="For people, e.g. £10.00."))
    def get_amount_display(self, refund: Refund) -> str:
        return format_money(refund.amount, refund.currency)
