"""Each Stripe payload is stored once, on its ``WebhookEvent``.

A ``webhook_received`` log row (and the error row of an event that failed) now points at the
event instead of copying its payload. Existing rows are linked to their event by the actor
``stripe:<event id>`` and their copy of the payload is blanked, but only where it is the
event's payload: rows that have no stored event, such as rejected deliveries (actor
``stripe:rejected``, which keep their excerpt), are left as they are.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Substr

# The rows that copied an event's payload: the event's own log rows.
_EVENT_ROWS = ("webhook_received", "error")
_ACTOR_PREFIX = "stripe:evt_"


def link_logs_to_their_events(apps, schema_editor):
    """Two set-based updates (no row-by-row loop over a big table): link each row to the
    event named by its actor whose payload is the row's, then blank the linked rows' copy."""
    PaymentLog = apps.get_model("payments", "PaymentLog")
    WebhookEvent = apps.get_model("payments", "WebhookEvent")
    copies = PaymentLog.objects.filter(
        event_type__in=_EVENT_ROWS, actor__startswith=_ACTOR_PREFIX
    ).exclude(payload__isnull=True)
    same_event = WebhookEvent.objects.filter(
        stripe_event_id=Substr(OuterRef("actor"), len("stripe:") + 1),
        payload=OuterRef("payload"),
    )
    copies.filter(webhook_event=None).update(webhook_event=Subquery(same_event.values("pk")[:1]))
    copies.exclude(webhook_event=None).update(payload=None)


def copy_payloads_back(apps, schema_editor):
    PaymentLog = apps.get_model("payments", "PaymentLog")
    WebhookEvent = apps.get_model("payments", "WebhookEvent")
    event_payload = WebhookEvent.objects.filter(pk=OuterRef("webhook_event")).values("payload")
    PaymentLog.objects.filter(payload__isnull=True).exclude(webhook_event=None).update(
        payload=Subquery(event_payload[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0008_ownership"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentlog",
            name="webhook_event",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="logs",
                to="payments.webhookevent",
            ),
        ),
        migrations.RunPython(link_logs_to_their_events, copy_payloads_back),
    ]
