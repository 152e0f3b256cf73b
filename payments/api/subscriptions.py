"""``/api/payments/subscriptions/``: start a subscription for a payable, list and read them
with their invoices, cancel, resume and open the Billing Portal.

API clients (``Api-Key``) see and manage the subscriptions they created; a signed-in person
(Bearer JWT) their own; staff all. Anyone else's is a 404. Thin: parse, call one service or
selector, serialise (the serializers are in ``payments.api.subscription_serializers``).
"""

import dataclasses
import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from payments import exceptions as exc
from payments.api.base import PaymentsAPIMixin
from payments.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, IdempotentCreateView
from payments.api.pagination import LIMIT_PARAMETER, SessionCursorPagination
from payments.api.permissions import IsPersonOrAPIClient, api_client_of
from payments.api.schema import IDEMPOTENT_STRIPE_CALL, RETRY_AFTER, error_responses
from payments.api.subscription_serializers import (
    CHECKOUT,
    IdempotencyKeyBodySerializer,
    PortalURLSerializer,
    SubscriptionCancelSerializer,
    SubscriptionCreatedSerializer,
    SubscriptionCreateSerializer,
    SubscriptionFilterSerializer,
    SubscriptionPortalSerializer,
    SubscriptionSerializer,
)
from payments.models import IdempotencyKey, Subscription
from payments.selectors.subscriptions import SubscriptionFilters, subscriptions_visible_to
from payments.services.customers import customer_get_or_create
from payments.services.idempotency import (
    idempotency_key_forget_resource,
    idempotency_key_set_resource,
)
from payments.services.people import customer_for_user
from payments.services.subscriptions import (
    SubscriptionOwner,
    SubscriptionTerms,
    subscription_cancel,
    subscription_create_checkout,
    subscription_create_elements,
    subscription_payee_check,
    subscription_portal_url,
    subscription_price_terms,
    subscription_resume,
)

NOT_YOURS = {404: "No such subscription of yours."}


def _visible(request, filters: SubscriptionFilters | None = None):
    return subscriptions_visible_to(
        api_client=api_client_of(request), user=request.user, filters=filters
    )


def _terms(request, data: dict) -> SubscriptionTerms:
    """The validated request as the service's terms: the price read from Stripe when given by
    id, the customer the caller's own (its client's for that e-mail, or the person's)."""
    if "price" in data:
        amount, currency, interval, count = subscription_price_terms(price=data["price"])
    else:
        amount, currency = data["amount"], data["currency"]
        interval, count = data["interval"], data["interval_count"]
    terms = SubscriptionTerms(
        customer=None,
        payable_type=data["payable_type"],
        payable_id=data["payable_id"],
        amount=amount,
        currency=currency,
        interval=interval,
        interval_count=count,
        price=data.get("price", ""),
        trial_days=data.get("trial_days"),
        metadata=data["metadata"],
        test_clock=data.get("test_clock", ""),
        payee_account=data["payee_account"],
        payee_reference=data["payee_reference"],
    )
    client = api_client_of(request)
    subscription_payee_check(api_client=client, terms=terms)  # a 400 before any write
    customer = (
        customer_get_or_create(api_client=client, **data["customer"])
        if client is not None
        else customer_for_user(user=request.user)
    )
    return dataclasses.replace(terms, customer=customer)


def _claimed_id(idem: IdempotencyKey) -> uuid.UUID:
    """The id of the subscription this request makes: the first attempt's on a retry, so the
    retry resumes it (and Stripe replays its calls) rather than making a second one."""
    if idem.resource_id:
        return uuid.UUID(idem.resource_id)
    subscription_id = uuid.uuid4()
    idempotency_key_set_resource(idem=idem, resource_id=subscription_id)
    return subscription_id


def _start(request, data: dict, terms: SubscriptionTerms, owner: SubscriptionOwner) -> dict:
    client = api_client_of(request)
    if data["flow"] == CHECKOUT:
        subscription, url = subscription_create_checkout(
            api_client=client,
            terms=terms,
            success_url=data["success_url"],
            cancel_url=data["cancel_url"],
            owner=owner,
        )
        extra = {"checkout_url": url, "client_secret": None}
    else:
        start = subscription_create_elements(api_client=client, terms=terms, owner=owner)
        subscription = start.subscription
        extra = {"checkout_url": None, "client_secret": start.client_secret or None}
    subscription = _visible(request).get(pk=subscription.pk)
    return {**SubscriptionSerializer(subscription).data, "flow": data["flow"], **extra}


class SubscriptionListCreateView(IdempotentCreateView, generics.ListAPIView):
    permission_classes = [IsPersonOrAPIClient]
    serializer_class = SubscriptionSerializer
    pagination_class = SessionCursorPagination

    def get_queryset(self):
        filters = SubscriptionFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return _visible(self.request, filters=filters.filters())

    @extend_schema(
        operation_id="subscriptions_list",
        summary="List your subscriptions, newest first, each with its invoices",
        parameters=[SubscriptionFilterSerializer, LIMIT_PARAMETER, RETRY_AFTER],
        responses=error_responses({200: SubscriptionSerializer(many=True)}, 400),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="subscription_create",
        summary="Subscribe a customer to pay for a payable every interval",
        description="A price as `amount` + `currency` + `interval` (+ `interval_count`), or an "
        "existing Stripe `price`: exactly one of the two. `flow` checkout answers "
        "`checkout_url`; elements answers `client_secret`. The status then follows Stripe's "
        "events.",
        request=SubscriptionCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, RETRY_AFTER],
        responses=error_responses(
            {201: SubscriptionCreatedSerializer},
            *IDEMPOTENT_STRIPE_CALL,
            notes={
                400: "Invalid request: the field named in `param` is wrong (also: a price or "
                "test_clock Stripe does not have, test_clock with a live key, both or neither "
                "price forms, URLs with the wrong flow)."
            },
        ),
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform_create_idempotently(self, request, idem, *args, **kwargs):
        serializer = SubscriptionCreateSerializer(
            data=request.data, context={"api_client": api_client_of(request)}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        terms = _terms(request, data)
        user = None if api_client_of(request) is not None else request.user
        owner = SubscriptionOwner(user=user, subscription_id=_claimed_id(idem))
        try:
            body = _start(request, data, terms, owner)
        except exc.PaymentsError as error:
            # Refused before our row was written: the key is not spent (as for validation).
            if (
                error.http_status < 500
                and not Subscription.objects.filter(pk=owner.subscription_id).exists()
            ):
                idempotency_key_forget_resource(idem=idem)
            raise
        return Response(body, status=status.HTTP_201_CREATED)


class SubscriptionDetailView(PaymentsAPIMixin, generics.RetrieveAPIView):
    permission_classes = [IsPersonOrAPIClient]
    serializer_class = SubscriptionSerializer

    def get_queryset(self):
        return _visible(self.request)

    @extend_schema(
        operation_id="subscription_retrieve",
        summary="One subscription with its invoices (their payment sessions)",
        parameters=[RETRY_AFTER],
        responses=error_responses({200: SubscriptionSerializer}, 404, notes=NOT_YOURS),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class _SubscriptionActionView(IdempotentCreateView):
    """A POST on one of the caller's subscriptions; another's is a 404."""

    permission_classes = [IsPersonOrAPIClient]
    body_serializer = IdempotencyKeyBodySerializer

    def subscription(self, request, pk) -> Subscription:
        try:
            return _visible(request).get(pk=pk)
        except Subscription.DoesNotExist:
            raise NotFound("No such subscription of yours.") from None

    def perform_create_idempotently(self, request, idem, *args, pk, **kwargs):
        subscription = self.subscription(request, pk)
        body = self.body_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not idem.resource_id:  # kept from here on: a retry after a 503 reuses idem.pk
            idempotency_key_set_resource(idem=idem, resource_id=subscription.pk)
        return self.act(subscription, body.validated_data, request_id=idem.pk)

    def act(self, subscription: Subscription, data: dict, *, request_id) -> Response:
        raise NotImplementedError

    def answer(self, subscription: Subscription) -> Response:
        subscription = _visible(self.request).get(pk=subscription.pk)
        return Response(SubscriptionSerializer(subscription).data, status=status.HTTP_202_ACCEPTED)


ACTION_ERRORS = (*IDEMPOTENT_STRIPE_CALL, 404)
ACTION_NOTES = {
    **NOT_YOURS,
    409: "subscription_ended: it is canceled or expired. Or idempotency_key_in_use: the first "
    "request with this key is still running; retry after `Retry-After` seconds.",
}
ACTION_RESPONSES = error_responses(
    {202: SubscriptionSerializer}, *ACTION_ERRORS, notes=ACTION_NOTES
)
ACCEPTED = (
    "202: Stripe has accepted the change; the subscription's fields change when Stripe's "
    "event arrives (a moment later), so read it again or wait for the callback."
)


class SubscriptionCancelView(_SubscriptionActionView):
    body_serializer = SubscriptionCancelSerializer

    @extend_schema(
        operation_id="subscription_cancel",
        summary="Cancel now, or at the end of the paid period",
        description=ACCEPTED,
        request=SubscriptionCancelSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, RETRY_AFTER],
        responses=ACTION_RESPONSES,
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def act(self, subscription, data, *, request_id):
        subscription_cancel(
            subscription=subscription, at_period_end=data["at_period_end"], request_id=request_id
        )
        return self.answer(subscription)


class SubscriptionResumeView(_SubscriptionActionView):
    @extend_schema(
        operation_id="subscription_resume",
        summary="Undo a cancellation scheduled for the end of the period",
        description=ACCEPTED,
        request=IdempotencyKeyBodySerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, RETRY_AFTER],
        responses=ACTION_RESPONSES,
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def act(self, subscription, data, *, request_id):
        subscription_resume(subscription=subscription, request_id=request_id)
        return self.answer(subscription)


class SubscriptionPortalView(_SubscriptionActionView):
    body_serializer = SubscriptionPortalSerializer

    @extend_schema(
        operation_id="subscription_portal",
        summary="A Stripe Billing Portal session: the customer updates the card or cancels",
        request=SubscriptionPortalSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, RETRY_AFTER],
        responses=error_responses({200: PortalURLSerializer}, *ACTION_ERRORS, notes=NOT_YOURS),
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def act(self, subscription, data, *, request_id):
        url = subscription_portal_url(
            subscription=subscription, return_url=data["return_url"], request_id=request_id
        )
        return Response({"url": url}, status=status.HTTP_200_OK)
