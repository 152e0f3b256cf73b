"""Phase 1 of starting any payment (Checkout, Elements, backend charge): our own session row.

One transaction writes the ``PaymentSession`` (status ``created``), its audit row, and ties it
to the request's Idempotency-Key, so a retry of the request finds it instead of making another.
"""

from collections.abc import Callable
from typing import Any

from django.db import transaction

from payments.exceptions import ProviderError
from payments.models import APIClient, Customer, IdempotencyKey, PaymentSession
from payments.models.logs import LogEvent
from payments.services.audit import payment_log_create
from payments.services.connect import payee_destination
from payments.services.idempotency import idempotency_key_set_resource


def payment_session_for_request(
    *,
    idem: IdempotencyKey,
    actor: str,
    request_payload: dict[str, Any],
    customer: Callable[[], Customer],
    api_client: APIClient | None,
    payee_account: str = "",
    payee_reference: str = "",
    **fields: Any,
) -> PaymentSession:
    """The session this request created before, or a new one with ``fields``.

    ``customer`` is called inside the transaction (it may create the customer). A named payee
    is resolved first and its fee split stored on the session.
    """
    if idem.resource_id:
        return PaymentSession.objects.select_related("customer", "connected_account").get(
            pk=idem.resource_id
        )
    destination = payee_destination(
        api_client=api_client,
        payable_type=fields["payable_type"],
        amount=fields["amount"],
        currency=fields["currency"],
        payee_account=payee_account,
        payee_reference=payee_reference,
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
            payload={"request": request_payload, "idempotency_key": idem.key},
        )
        idempotency_key_set_resource(idem=idem, resource_id=session.pk)
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
