"""Background work of Stripe Connect (Django tasks, database backend)."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from payments import exceptions as exc
from payments import stripe_api
from payments.models import PaymentSession
from payments.services.connect_ledger import connect_ledger_record
from payments.services.sessions import session_lock
from payments.task_compat import task

logger = logging.getLogger(__name__)

RETRY_DELAYS = (30, 120, 600, 1800, 3600)


@task()
def connect_ledger_sync(*, session_id: str, attempt: int = 0) -> str:
    """Book a destination charge's transfer and application fee, with their reversals and
    refunds, from Stripe's objects (idempotent: rows already booked are skipped)."""
    session = PaymentSession.objects.get(pk=session_id)
    try:
        transfer = (
            stripe_api.transfer_retrieve(session.stripe_transfer_id).data
            if session.stripe_transfer_id
            else None
        )
        fee = (
            stripe_api.application_fee_retrieve(session.stripe_application_fee_id).data
            if session.stripe_application_fee_id
            else None
        )
    except (exc.ProviderUnavailable, exc.ProviderRateLimited) as error:
        if attempt >= len(RETRY_DELAYS):
            raise
        run_after = timezone.now() + timedelta(seconds=RETRY_DELAYS[attempt])
        connect_ledger_sync.using(run_after=run_after).enqueue(
            session_id=session_id, attempt=attempt + 1
        )
        logger.info("connect_ledger_sync(%s) retries after %s: %s", session_id, run_after, error)
        return f"retry {attempt + 1} scheduled"
    with transaction.atomic():
        session = session_lock(session_id=session_id)
        written = connect_ledger_record(session=session, transfer=transfer, application_fee=fee)
    return f"{written} rows recorded"
