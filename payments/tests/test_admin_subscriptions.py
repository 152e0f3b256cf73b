"""The subscriptions admin: filters, search, the invoices inline, read-only pages, and the
cancel action going to Stripe (the emulator) through ``subscription_cancel``."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from payments.models import PaymentSession, Subscription
from payments.testing.factories import CustomerFactory
from payments.tests.ops_support import staff_client
from payments.tests.subscription_support import member, month
from payments.tests.webhook_support import webhooks  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
LIST = "/admin/payments/subscription/"
__all__ = ["member", "staff_client"]


def _row(**fields) -> Subscription:
    fields = {"amount": 1500, "currency": "gbp", "interval": "month", "status": "active", **fields}
    customer = CustomerFactory(email=fields.pop("email", "x@example.com"))
    return Subscription.objects.create(
        customer=customer, payable_type="membership", payable_id=fields.pop("payable", "m"),
        **fields,
    )  # fmt: skip


def _listed(client, query: str) -> set[str]:
    page = client.get(f"{LIST}?{query}").content.decode()
    return {s.payable_id for s in Subscription.objects.all() if f"{s.pk}/change/" in page}


def test_filters_and_search(staff_client):
    _row(payable="gold", status="active", interval="month", email="ada@example.com",
         stripe_subscription_id="sub_gold")  # fmt: skip
    _row(payable="silver", status="past_due", interval="year", currency="usd")
    _row(payable="bronze", status="canceled", interval="week", currency="eur")

    assert _listed(staff_client, "") == {"gold", "silver", "bronze"}
    assert _listed(staff_client, "status__exact=past_due") == {"silver"}
    assert _listed(staff_client, "interval__exact=week") == {"bronze"}
    assert _listed(staff_client, "currency=usd") == {"silver"}
    assert _listed(staff_client, "q=ADA@example.com") == {"gold"}
    assert _listed(staff_client, "q=sub_gold") == {"gold"}
    assert _listed(staff_client, "q=bronze") == {"bronze"}
    assert _listed(staff_client, "q=sub_nothing") == set()


def test_detail_shows_the_invoices_and_cannot_be_edited(staff_client, member):
    subscription = member.subscribe()
    member.advance(month(1) + 60)
    invoices = PaymentSession.objects.filter(subscription=subscription)
    url = f"{LIST}{subscription.pk}/change/"

    page = staff_client.get(url).content.decode()

    assert len(invoices) == 2
    for session in invoices:
        assert session.stripe_invoice_id in page
    assert "£15.00" in page and 'name="status"' not in page  # read-only
    assert _listed(staff_client, f"q={invoices[1].stripe_invoice_id}") == {"gym-1"}
    staff_client.post(url, {"status": "canceled", "amount": 1})
    subscription.refresh_from_db()
    assert (subscription.status, subscription.amount) == ("active", 1500)
    assert staff_client.get(f"{LIST}add/").status_code == 403


def test_cancel_action_asks_stripe_and_the_row_follows_stripes_event(staff_client, member):
    subscription = member.subscribe()

    response = staff_client.post(
        LIST,
        {"action": "cancel_at_period_end", "_selected_action": [str(subscription.pk)]},
        follow=True,
    )

    messages = [str(m) for m in response.context["messages"]]
    assert any("cancels it at the end of the period" in m for m in messages)
    at_stripe = member.sdk.v1.subscriptions.retrieve(subscription.stripe_subscription_id)
    assert at_stripe.cancel_at_period_end is True
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end is False  # not written by the admin

    member.deliver()
    subscription.refresh_from_db()
    assert (subscription.status, subscription.cancel_at_period_end) == ("active", True)
    member.advance(month(1) + 60)
    subscription.refresh_from_db()
    assert subscription.status == "canceled"


def test_cancel_needs_the_change_permission_and_skips_ended_ones(staff_client):
    ended = _row(status="canceled", stripe_subscription_id="sub_ended")
    viewer = get_user_model().objects.create_user("viewer", "v@example.com", "pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_subscription"))
    client = Client()
    client.force_login(viewer)

    assert client.get(LIST).status_code == 200
    assert 'value="cancel_at_period_end"' not in client.get(LIST).content.decode()
    assert 'value="cancel_at_period_end"' in staff_client.get(LIST).content.decode()
    response = staff_client.post(
        LIST, {"action": "cancel_at_period_end", "_selected_action": [str(ended.pk)]}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [f"{ended.pk}: already canceled."]
