"""Charging a person from the backend: create and confirm a PaymentIntent in one call.

The atomic phases of ``payment_starts``: (1) our ``PaymentSession`` (flow ``backend``) tied
to the request's Idempotency-Key; (2) the Stripe call, with an idempotency key derived from
the session id, so a retry after a crash confirms nothing twice; (3) the answer recorded and
the session moved through the state machine.

Outcomes: ``succeeded`` / ``processing``; ``requires_action`` (3-D Secure: the session stays
``pending`` and the client confirms with the ``client_secret``); or a decline, which ends the
session ``failed`` with Stripe's codes and raises ``CardDeclined`` (a backend charge is
one-shot: a new attempt is a new request).
"""

from dataclasses import dataclass, field

from django.db import transaction

from payments import exceptions as exc
from payments import stripe_api
from payments.models import IdempotencyKey, PaymentSession
from payments.models.logs import LogEvent
from payments.models.sessions import Flow
from payments.services.audit import payment_log_create
from payments.services.payment_methods import payment_method_owned
from payments.services.payment_starts import (
    payment_session_for_request,
    payment_start_call,
    payment_start_record,
)
from payments.services.sessions import session_lock, session_transition
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
    session = payment_session_for_request(
        idem=idem,
        actor=actor,
        request=request,
        flow=Flow.BACKEND,
        customer=lambda: customer,
        api_client=None,
    )
    if session.status != PaymentStatus.CREATED:
        return _outcome(session)
    result = payment_start_call(
        session=session,
        actor=actor,
        call=stripe_api.payment_intent_create,
        on_decline=lambda error: _record_decline(session=session, error=error, actor=actor),
        payment_method=payment_method,
        confirm=True,
        save_payment_method=request.save_card and not saved,
    )
    intent = result.data
    session = payment_start_record(
        session_id=session.pk,
        values={
            "stripe_payment_intent_id": intent["id"],
            "client_secret": intent.get("client_secret"),
        },
        event_type=LogEvent.INTENT_CREATED,
        result=result,
        actor=actor,
        new_status=_STATUS_AFTER.get(intent.get("status"), PaymentStatus.PENDING),
        transition={
            "payload": {"payment_intent_status": intent.get("status")},
            "stripe_request_id": result.request_id,
        },
    )
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
