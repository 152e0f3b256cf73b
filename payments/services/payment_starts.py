"""The phases every payment start shares (Checkout, Elements, backend charge).

Each start runs in atomic phases (Brandur Leach, "Implementing Stripe-like Idempotency Keys"):

1. ``payment_session_for_request``: one transaction writes our ``PaymentSession`` (status
   ``created``) and its audit row, and ties it to the request's Idempotency-Key, so a retry
   of the request finds it instead of making another;
2. ``payment_start_call``: the Stripe call, outside any transaction, with an idempotency key
   derived from our session id, so a retry after a crash gets the same Stripe object back
   (after a 5xx that Stripe keeps under that key, ``stripe_attempts`` looks the object up
   and sends again under the next key); a failure is logged on the session and re-raised;
3. ``payment_start_record``: one transaction stores Stripe's new object on the session, logs
   it and moves the session through the state machine.

A retry with the same Idempotency-Key resumes at the first phase not yet done. The flows
themselves (``checkout``, ``charges``) say only what differs: which Stripe call, which fields.
"""

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from django.db import transaction

from payments import stripe_api
from payments.exceptions import CardDeclined, ProviderError
from payments.models import APIClient, Customer, IdempotencyKey, PaymentSession
from payments.models.logs import LogEvent
from payments.services.audit import payment_log_create
from payments.services.connect import destination_params, payee_destination
from payments.services.customers import customer_ensure_stripe
from payments.services.idempotency import idempotency_key_set_resource
from payments.services.parked_events import parked_events_apply, session_stripe_ids
from payments.services.sessions import session_lock, session_transition
from payments.services.stripe_attempts import stripe_create_resuming

# How to find at Stripe what each start call made for a session (after a stored 5xx), and the
# margin for Stripe's clock against ours when looking.
_FINDERS = {
    stripe_api.checkout_session_create: stripe_api.checkout_session_find,
    stripe_api.payment_intent_create: stripe_api.payment_intent_find,
}
_CLOCK_SKEW_SECONDS = 600

# What every start request (a dataclass) carries onto its session.
_SESSION_FIELDS = ("payable_type", "payable_id", "amount", "currency", "description", "metadata")


def payment_session_for_request(
    *,
    idem: IdempotencyKey,
    actor: str,
    request: Any,
    flow: str,
    customer: Callable[[], Customer],
    api_client: APIClient | None,
    **fields: Any,
) -> PaymentSession:
    """Phase 1: the session this request created before, or a new one.

    ``request`` is the start's request dataclass: its payable, amount, description, metadata
    and payee go on the session with ``fields``, and all of it into the audit row.
    ``customer`` is called inside the transaction (it may create the customer). A named
    payee is resolved first and its fee split stored on the session.
    """
    if idem.resource_id:
        return PaymentSession.objects.select_related("customer", "connected_account").get(
            pk=idem.resource_id
        )
    fields = {"flow": flow, **{name: getattr(request, name) for name in _SESSION_FIELDS}, **fields}
    destination = payee_destination(
        api_client=api_client,
        payable_type=request.payable_type,
        amount=request.amount,
        currency=request.currency,
        payee_account=request.payee_account,
        payee_reference=request.payee_reference,
    )
    with transaction.atomic():
        session = PaymentSession.objects.create(
            api_client=api_client,
            customer=customer(),
            **fields,
            **(vars(destination) if destination else {}),
        )
        payment_log_create(
            session=session,
            event_type=LogEvent.SESSION_CREATED,
            actor=actor,
            new_status=session.status,
            payload={"request": asdict(request), "idempotency_key": idem.key},
        )
        idempotency_key_set_resource(idem=idem, resource_id=session.pk)
    return session


def payment_start_call(
    *,
    session: PaymentSession,
    actor: str,
    call: Callable[..., stripe_api.StripeResult],
    on_decline: Callable[[CardDeclined], None] | None = None,
    **params: Any,
) -> stripe_api.StripeResult:
    """Phase 2: ``call`` (a ``stripe_api`` create) with the session's amount, description,
    metadata, payee and Stripe customer, plus ``params``. A decline goes to ``on_decline``
    when given; any other failure is logged on the session. Both are re-raised."""
    try:
        customer = customer_ensure_stripe(customer=session.customer)
        stripe_customer_id = customer.stripe_customer_id
        return stripe_create_resuming(
            send=lambda attempt: call(
                session_id=session.pk,
                amount=session.amount,
                currency=session.currency,
                description=session.description,
                stripe_customer_id=stripe_customer_id,
                metadata=session.metadata,
                destination_params=destination_params(session),
                attempt=attempt,
                **params,
            ),
            find=_finder(call, session=session, stripe_customer_id=stripe_customer_id),
            what=f"session {session.pk}",
        )
    except CardDeclined as error:
        if on_decline is None:
            provider_error_log(session=session, actor=actor, error=error)
        else:
            on_decline(error)
        raise
    except ProviderError as error:
        provider_error_log(session=session, actor=actor, error=error)
        raise


def _finder(
    call: Callable[..., stripe_api.StripeResult],
    *,
    session: PaymentSession,
    stripe_customer_id: str | None,
) -> Callable[[], dict[str, Any] | None] | None:
    """What looks up at Stripe the object ``call`` made for ``session`` (None: no way to)."""
    finder = _FINDERS.get(call)
    if finder is None:
        return None
    created_gte = int(session.created_at.timestamp()) - _CLOCK_SKEW_SECONDS
    return lambda: finder(
        session_id=session.pk, created_gte=created_gte, stripe_customer_id=stripe_customer_id
    )


def payment_start_record(
    *,
    session_id: object,
    values: dict[str, Any],
    event_type: str,
    result: stripe_api.StripeResult,
    actor: str,
    new_status: str,
    transition: dict[str, Any] | None = None,
) -> PaymentSession:
    """Phase 3: store the new Stripe object on the session (once: the first field of
    ``values`` is its id), log Stripe's answer and move the session to ``new_status``
    (``transition``: what else its audit row records)."""
    with transaction.atomic():
        session = session_lock(session_id=session_id)
        id_field = next(iter(values))
        if getattr(session, id_field):
            return session  # a concurrent retry recorded it first
        known_before = session_stripe_ids(session)
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
        session_transition(
            session=session, new_status=new_status, actor=actor, **(transition or {})
        )
        # Events about the new object that overtook Stripe's answer (a refund made at once)
        # were parked for it: they apply now, in the transaction that links it.
        parked_events_apply(session=session, known_before=known_before)
    return session


def provider_error_log(*, session: PaymentSession, actor: str, error: ProviderError) -> None:
    """Record on the session that a Stripe call failed (the caller re-raises)."""
    payment_log_create(
        session=session,
        event_type=LogEvent.ERROR,
        actor=actor,
        stripe_request_id=error.request_id,
        error_message=f"{error.code}: {error.message}",
    )
