"""Charging a person from the backend: create and confirm a PaymentIntent in one call.

Atomic phases, as in ``checkout``: (1) one transaction writes the ``PaymentSession`` (flow
``backend``) and ties it to the request's Idempotency-Key; (2) the Stripe call, with an
idempotency key derived from the session id, so a retry after a crash confirms nothing twice;
(3) one transaction records the answer and moves the session through the state machine.

Outcomes: ``succeeded`` / ``processing``; ``requires_action`` (3-D Secure: the session stays
``pending`` and the client confirms with the ``client_secret``); or a decline, which ends the
session ``failed`` with Stripe's codes and raises ``CardDeclined`` (a backend charge is
one-shot: a new attempt is a new request).
"""

from dataclasses import asdict, dataclass, field

from django.db import transaction

from payments import exceptions as exc
from payments import stripe_api
from payments.models import IdempotencyKey, PaymentSession
from payments.models.logs import LogEvent
from payments.models.sessions import Flow
from payments.services.audit import payment_log_create
from payments.services.connect import destination_params
from payments.services.customers import customer_ensure_stripe
from payments.services.parked_events import parked_events_apply, session_stripe_ids
from payments.services.payment_methods import payment_method_owned
from payments.services.sessions import session_lock, session_transition
from payments.services.starts import payment_session_for_request, provider_error_log
from payments.states import PaymentStatus

REQUIRES_ACTION = "requires_action"
_STATUS_AFTER = {"succeeded": PaymentStatus.SUCCEEDED, "processing": PaymentStatus.PROCESSING}


@dataclass(frozen=True)
class BackendPaymentRequest:
    payable_type: str
    payable_id: str
    amount: int
    currency: str
    description: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    payment_method: str = ""  # a new card: pm_... or a test token
    saved_payment_method_id: str = ""
    save_card: bool = False
    payee_account: str = ""
    payee_reference: str = ""


@dataclass(frozen=True)
class ChargeOutcome:
    session: PaymentSession
    status: str  # the session's status, or "requires_action"
    client_secret: str = ""


def backend_payment_process(
    *, request: BackendPaymentRequest, user, actor: str, idem: IdempotencyKey
) -> ChargeOutcome:
    """Charge the user's card for a payable (network calls). Raises ``CardDeclined`` after
    recording the failure, ``PaymentMethodNotFound`` for a card that is not the user's."""
    saved = bool(request.saved_payment_method_id)
    payment_method = request.saved_payment_method_id or request.payment_method
    customer = payment_method_owned(
        user=user, payment_method=payment_method, allow_unattached=not saved
    )
    session = _session_for(request=request, customer=customer, actor=actor, idem=idem)
    if session.status != PaymentStatus.CREATED:
        return _outcome(session)
    try:
        result = stripe_api.payment_intent_create(
            session_id=session.pk,
            amount=session.amount,
            currency=session.currency,
            description=session.description,
            stripe_customer_id=customer_ensure_stripe(customer=customer).stripe_customer_id,
            metadata=session.metadata,
            payment_method=payment_method,
            confirm=True,
            save_payment_method=request.save_card and not saved,
            destination_params=destination_params(session),
        )
    except exc.CardDeclined as error:
        _record_decline(session=session, error=error, actor=actor)
        raise
    except exc.ProviderError as error:
        provider_error_log(session=session, actor=actor, error=error)
        raise
    return _record_answer(session=session, result=result, actor=actor)


def _session_for(
    *, request: BackendPaymentRequest, customer, actor: str, idem: IdempotencyKey
) -> PaymentSession:
    """Phase 1: the session this request created before, or a new one."""
    return payment_session_for_request(
        idem=idem,
        actor=actor,
        request_payload=asdict(request),
        customer=lambda: customer,
        api_client=None,
        payee_account=request.payee_account,
        payee_reference=request.payee_reference,
        flow=Flow.BACKEND,
        payable_type=request.payable_type,
        payable_id=request.payable_id,
        amount=request.amount,
        currency=request.currency,
        description=request.description,
        metadata=request.metadata,
    )


def _record_answer(
    *, session: PaymentSession, result: stripe_api.StripeResult, actor: str
) -> ChargeOutcome:
    """Phase 3: store the PaymentIntent and move the session to match Stripe's answer."""
    intent = result.data
    with transaction.atomic():
        session = session_lock(session_id=session.pk)
        known_before = session_stripe_ids(session)
        session.stripe_payment_intent_id = intent["id"]
        session.client_secret = intent.get("client_secret") or ""
        session.save(update_fields=["stripe_payment_intent_id", "client_secret", "updated_at"])
        payment_log_create(
            session=session,
            event_type=LogEvent.INTENT_CREATED,
            actor=actor,
            stripe_request_id=result.request_id,
            payload=intent,
        )
        new_status = _STATUS_AFTER.get(intent.get("status"), PaymentStatus.PENDING)
        session_transition(
            session=session,
            new_status=new_status,
            actor=actor,
            payload={"payment_intent_status": intent.get("status")},
            stripe_request_id=result.request_id,
        )
        # Events about this intent that overtook our answer (a refund made at once).
        parked_events_apply(session=session, known_before=known_before)
    if intent.get("status") == REQUIRES_ACTION:
        return ChargeOutcome(session, REQUIRES_ACTION, session.client_secret)
    return ChargeOutcome(session, session.status)


def _record_decline(*, session: PaymentSession, error: exc.CardDeclined, actor: str) -> None:
    intent = error.payment_intent if isinstance(error.payment_intent, dict) else {}
    with transaction.atomic():
        session = session_lock(session_id=session.pk)
        session.stripe_payment_intent_id = session.stripe_payment_intent_id or intent.get("id")
        session.failure_code = (error.code or "")[:100]
        session.failure_decline_code = error.decline_code[:100]
        session.failure_message = error.message
        session.save(
            update_fields=[
                "stripe_payment_intent_id",
                "failure_code",
                "failure_decline_code",
                "failure_message",
                "updated_at",
            ]
        )
        payment_log_create(
            session=session,
            event_type=LogEvent.INTENT_FAILED,
            actor=actor,
            stripe_request_id=error.request_id,
            payload={"code": error.code, "decline_code": error.decline_code},
            error_message=error.message,
        )
        session_transition(session=session, new_status=PaymentStatus.FAILED, actor=actor)


def _outcome(session: PaymentSession) -> ChargeOutcome:
    """A retry of a request whose Stripe call already got an answer."""
    if session.status == PaymentStatus.PENDING and session.client_secret:
        return ChargeOutcome(session, REQUIRES_ACTION, session.client_secret)
    return ChargeOutcome(session, session.status)
