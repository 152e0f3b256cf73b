"""Starting payments: a Stripe Checkout Session or a PaymentIntent for one payable.

Both run the atomic phases of ``payment_starts`` (our session row; the Stripe call with an
idempotency key derived from its id; Stripe's answer recorded and the session ``pending``).
A retry with the same Idempotency-Key resumes at the first phase not yet done.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from payments import stripe_api
from payments.conf import payments_settings
from payments.models import APIClient, IdempotencyKey, PaymentSession
from payments.models.logs import LogEvent
from payments.models.sessions import Flow
from payments.services.customers import customer_get_or_create
from payments.services.payment_starts import (
    payment_session_for_request,
    payment_start_call,
    payment_start_record,
)
from payments.states import PaymentStatus


@dataclass(frozen=True)
class PaymentRequest:
    payable_type: str
    payable_id: str
    amount: int
    currency: str
    description: str
    customer: dict[str, str]
    metadata: dict[str, str]
    success_url: str = ""
    cancel_url: str = ""
    # A marketplace payee (Stripe Connect): its account id, or the reference it was registered as.
    payee_account: str = ""
    payee_reference: str = ""


def _session_for(
    *,
    request: PaymentRequest,
    flow: str,
    api_client: APIClient,
    actor: str,
    idem: IdempotencyKey,
) -> PaymentSession:
    """Phase 1: the session this request created before, or a new one."""
    return payment_session_for_request(
        idem=idem,
        actor=actor,
        request=request,
        flow=flow,
        customer=lambda: customer_get_or_create(api_client=api_client, **request.customer),
        api_client=api_client,
        success_url=request.success_url,
        cancel_url=request.cancel_url,
        expires_at=timezone.now() + timedelta(seconds=payments_settings.CHECKOUT_EXPIRES_SECONDS),
    )


def checkout_session_start(
    *, request: PaymentRequest, api_client: APIClient, actor: str, idem: IdempotencyKey
) -> PaymentSession:
    """Create (or resume) the session and its Stripe Checkout Session. Network call."""
    session = _session_for(
        request=request, flow=Flow.CHECKOUT, api_client=api_client, actor=actor, idem=idem
    )
    if session.stripe_checkout_session_id:
        return session
    result = payment_start_call(
        session=session,
        actor=actor,
        call=stripe_api.checkout_session_create,
        success_url=session.success_url,
        cancel_url=session.cancel_url,
        expires_at=int(session.expires_at.timestamp()),
    )
    return payment_start_record(
        session_id=session.pk,
        values={"stripe_checkout_session_id": result.id, "checkout_url": result.data.get("url")},
        event_type=LogEvent.CHECKOUT_CREATED,
        result=result,
        actor=actor,
        new_status=PaymentStatus.PENDING,
    )


def payment_intent_start(
    *, request: PaymentRequest, api_client: APIClient, actor: str, idem: IdempotencyKey
) -> PaymentSession:
    """Create (or resume) the session and a PaymentIntent for Stripe Elements. Network call."""
    session = _session_for(
        request=request, flow=Flow.PAYMENT_INTENT, api_client=api_client, actor=actor, idem=idem
    )
    if session.stripe_payment_intent_id:
        return session
    result = payment_start_call(session=session, actor=actor, call=stripe_api.payment_intent_create)
    return payment_start_record(
        session_id=session.pk,
        values={
            "stripe_payment_intent_id": result.id,
            "client_secret": result.data.get("client_secret"),
        },
        event_type=LogEvent.INTENT_CREATED,
        result=result,
        actor=actor,
        new_status=PaymentStatus.PENDING,
    )
