"""Parking and linking race on PostgreSQL, with real threads: an event that looks for its
object while another transaction is linking that object is never left parked."""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client

from payments.models import WebhookEvent
from payments.services.parked_events import parked_events_apply, parked_ids_lock
from payments.services.sessions import session_lock
from payments.states import PaymentStatus
from payments.testing.factories import PaymentSessionFactory
from payments.testing.stripe_events import StripePayment, event
from payments.tests.webhook_support import Webhooks

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _waiting_on_an_advisory_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


def test_an_event_arriving_while_its_object_is_being_linked_is_applied(webhooks):
    session = PaymentSessionFactory(status=PaymentStatus.PENDING)
    payment = StripePayment.for_session(session, tagged=False)
    linking, release = threading.Event(), threading.Event()

    def link():  # what a webhook teaching the session its PaymentIntent id does
        try:
            with transaction.atomic():
                locked = session_lock(session_id=session.pk)
                parked_ids_lock([payment.payment_intent_id])
                locked.stripe_payment_intent_id = payment.payment_intent_id
                locked.save(update_fields=["stripe_payment_intent_id"])
                linking.set()
                release.wait(20)
                parked_events_apply(session=locked, known_before=set())
        finally:
            connection.close()

    answers = []

    def deliver():  # the refund's event, made in the Dashboard: none of our ids
        try:
            answers.append(
                Webhooks(Client()).post(event("refund.created", payment.refund(1000))).json()
            )
        finally:
            connection.close()

    linker = threading.Thread(target=link)
    linker.start()
    assert linking.wait(10)
    delivery = threading.Thread(target=deliver)
    delivery.start()
    waited = threading.Event()
    for _ in range(400):  # until the delivery waits for the linker's lock on the id (or ends)
        if _waiting_on_an_advisory_lock() or not delivery.is_alive():
            break
        waited.wait(0.025)
    release.set()
    linker.join(20)
    delivery.join(20)

    assert [a["status"] for a in answers] == ["processed"]
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.session_id) == ("processed", session.pk)
