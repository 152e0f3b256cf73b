"""Starting payments: a Stripe Checkout Session or a PaymentIntent for one payable.

Each start runs in atomic phases (Brandur Leach, "Implementing Stripe-like Idempotency Keys"):
1. one transaction writes our ``PaymentSession`` (status ``created``) and ties it to the
   request's idempotency key;
2. the Stripe call, outside any transaction, with an idempotency key derived from our session
   id, so a retry after a crash gets the same Stripe object back instead of a second one;
3. one transaction records Stripe's answer and moves the session to ``pending``.
A retry with the same Idempotency-Key resumes at the first phase not yet done.
"""

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from payments import stripe_api
from payments.conf import payments_settings
from payments.exceptions import ProviderError
from payments.models import APIClient, IdempotencyKey, PaymentSession
from payments.models.logs import LogEvent
from payments.models.sessions import Flow
from payments.services.audit import payment_log_create
from payments.services.connect import destination_params
from payments.services.customers import customer_ensure_stripe, customer_get_or_create
from payments.services.sessions import session_lock, session_transition
from payments.services.starts import payment_session_for_request, provider_error_log
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
        request_payload=asdict(request),
        customer=lambda: customer_get_or_create(api_client=api_client, **request.customer),
        api_client=api_client,
        payee_account=request.payee_account,
        payee_reference=request.payee_reference,
        flow=flow,
        payable_type=request.payable_type,
        payable_id=request.payable_id,
        amount=request.amount,
        currency=request.currency,
        description=request.description,
        metadata=request.metadata,
        success_url=request.success_url,
        cancel_url=request.cancel_url,
        expires_at=timezone.now() + timedelta(seconds=payments_settings.CHECKOUT_EXPIRES_SECONDS),
    )


def _call_stripe(*, session: PaymentSession, actor: str, call, **kwargs: Any):
    """Phase 2: one Stripe call; a failure is logged on the session and re-raised."""
    try:
        customer = customer_ensure_stripe(customer=session.customer)
        return call(stripe_customer_id=customer.stripe_customer_id, **kwargs)
    except ProviderError as error:
        provider_error_log(session=session, actor=actor, error=error)
        raise


def checkout_session_start(
    *, request: PaymentRequest, api_client: APIClient, actor: str, idem: IdempotencyKey
) -> PaymentSession:
    """Create (or resume) the session and its Stripe Checkout Session. Network call."""
    session = _session_for(
        request=request, flow=Flow.CHECKOUT, api_client=api_client, actor=actor, idem=idem
    )
    if session.stripe_checkout_session_id:
        return session
    result = _call_stripe(
        session=session,
        actor=actor,
        call=stripe_api.checkout_session_create,
        session_id=session.pk,
        amount=session.amount,
        currency=session.currency,
        description=session.description,
        success_url=session.success_url,
        cancel_url=session.cancel_url,
        expires_at=int(session.expires_at.timestamp()),
        metadata=session.metadata,
        destination_params=destination_params(session),
    )
    return _record_created(
        session_id=session.pk,
        values={"stripe_checkout_session_id": result.id, "checkout_url": result.data.get("url")},
        event_type=LogEvent.CHECKOUT_CREATED,
        result=result,
        actor=actor,
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
    result = _call_stripe(
        session=session,
        actor=actor,
        call=stripe_api.payment_intent_create,
        session_id=session.pk,
        amount=session.amount,
        currency=session.currency,
        description=session.description,
        metadata=session.metadata,
        destination_params=destination_params(session),
    )
    return _record_created(
        session_id=session.pk,
        values={
            "stripe_payment_intent_id": result.id,
            "client_secret": result.data.get("client_secret"),
        },
        event_type=LogEvent.INTENT_CREATED,
        result=result,
        actor=actor,
    )


def _record_created(
    *,
    session_id: object,
    values: dict[str, Any],
    event_type: str,
    result: stripe_api.StripeResult,
    actor: str,
) -> PaymentSession:
    """Phase 3: store the new Stripe object on the session (once: the first field of
    ``values`` is its id) and open the session for payment."""
    with transaction.atomic():
        session = session_lock(session_id=session_id)
        id_field = next(iter(values))
        if getattr(session, id_field):
            return session  # a concurrent retry recorded it first
        for name, value in values.items():
            setattr(session, name, value or "")
        session.save(update_fields=[*values, "updated_at"])
        payment_log_create(
            session=session,
            event_type=event_type,
            actor=actor,
            stripe_request_id=result.request_id,
            payload=result.data,
        )
        session_transition(session=session, new_status=PaymentStatus.PENDING, actor=actor)
    return session
