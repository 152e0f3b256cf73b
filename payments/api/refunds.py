"""``/api/payments/sessions/{id}/refunds/``: refund a paid session, list its refunds.

The request and response shapes, then the view."""

import uuid

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from payments import exceptions as exc
from payments.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, IdempotentCreateView
from payments.api.permissions import IsAPIClientOrStaff, actor_for, api_client_of
from payments.api.schema import IDEMPOTENT_STRIPE_CALL, RETRY_AFTER, error_responses
from payments.api.serializers import StrictIntegerField
from payments.models import PaymentSession, Refund
from payments.models.refunds import RefundReason
from payments.money import format_money
from payments.selectors.refunds import refund_list
from payments.selectors.sessions import sessions_visible_to
from payments.services.idempotency import (
    idempotency_key_forget_resource,
    idempotency_key_set_resource,
)
from payments.services.refunds import refund_create


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


class RefundListCreateView(IdempotentCreateView):
    """The owning API client or a staff user; anyone else gets 404."""

    permission_classes = [IsAPIClientOrStaff]

    def _session(self, request, pk) -> PaymentSession:
        visible = sessions_visible_to(api_client=api_client_of(request), user=request.user)
        return get_object_or_404(visible, pk=pk)

    @extend_schema(
        operation_id="session_refunds_list",
        summary="The refunds of a payment session, oldest first",
        parameters=[RETRY_AFTER],
        responses=error_responses(
            {200: RefundSerializer(many=True)}, 404, notes={404: "No such session, or not yours."}
        ),
    )
    def get(self, request, pk):
        refunds = refund_list(session=self._session(request, pk))
        return Response(RefundSerializer(refunds, many=True).data)

    @extend_schema(
        operation_id="session_refund_create",
        summary="Refund all or part of a paid session",
        description="400 `refund_exceeds_refundable` when `amount` is more than what is left "
        "(pending refunds count), 400 `not_refundable` when the session is not paid.",
        request=RefundRequestSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, RETRY_AFTER],
        responses=error_responses(
            {201: RefundSerializer},
            *IDEMPOTENT_STRIPE_CALL,
            404,
            notes={404: "No such session, or not yours."},
        ),
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform_create_idempotently(self, request, idem, pk):
        session = self._session(request, pk)
        serializer = RefundRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if idem.resource_id:  # A retry: resume the refund the first request started.
            refund_id = uuid.UUID(idem.resource_id)
        else:
            refund_id = uuid.uuid4()
            idempotency_key_set_resource(
                idem=idem, resource_id=refund_id, recovery_point="refund_started"
            )
        try:
            refund = refund_create(
                session_id=session.pk,
                amount=serializer.validated_data.get("amount"),
                reason=serializer.validated_data["reason"],
                requested_by=actor_for(request),
                refund_id=refund_id,
            )
        except (exc.NotRefundable, exc.RefundExceedsRefundable):
            # Refused before any refund was written: the key stays free for the correction.
            idempotency_key_forget_resource(idem=idem)
            raise
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)
