"""The payment sessions admin: list, filters, search, read-only detail, query counts."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments.models import CallbackEvent, PaymentLog, PaymentSession
from payments.testing.factories import PaymentSessionFactory
from payments.tests.ops_support import (
    NOW,
    customer,
    frozen_time,
    paid,
    plain_client,
    refunded,
    staff_client,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]
LIST = "/admin/payments/paymentsession/"
__all__ = ["frozen_time", "plain_client", "staff_client"]


def _listed(client, query: str = "") -> list[str]:
    """The payable ids on the changelist page, in order."""
    page = client.get(LIST + query)
    assert page.status_code == 200, page.content[:500]
    return re.findall(r'<td class="field-payable">\w+ ([^<]+)</td>', page.content.decode())


def test_list_shows_money_people_and_cards(staff_client):
    session = paid(
        amount=2500,
        at=NOW,
        customer=customer("ada@example.com"),
        card_brand="visa",
        card_last4="4242",
        payable_id="bk_1",
    )
    refunded(session, amount=500, at=NOW)
    PaymentSessionFactory(amount=2500, currency="jpy", status="failed", payable_id="bk_2")

    page = staff_client.get(LIST).content.decode()

    for expected in [
        "£25.00",
        "£5.00",
        "¥2,500",
        "ada@example.com",
        "booking bk_1",
        "visa •••• 4242",
        '<strong style="color: #cf222e">Failed</strong>',
        str(session.pk)[:8],
    ]:
        assert expected in page


def _changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
    return len(queries)


def _varied_sessions(count: int) -> None:
    """Sessions with distinct customers and clients, refunds, callbacks and logs: anything a
    list row might be tempted to query."""
    for n in range(count):
        session = PaymentSessionFactory(
            status="partially_refunded", amount_refunded=100, card_last4="4242", card_brand="visa"
        )
        if n % 50 == 0:
            CallbackEvent.objects.create(session=session, type="payment.succeeded", sequence=1,
                                         payload={})  # fmt: skip
            PaymentLog.objects.create(session=session, event_type="status_changed")


def test_constant_queries_whatever_the_page_and_table_size(staff_client, monkeypatch):
    model_admin = admin.site._registry[PaymentSession]
    monkeypatch.setattr(model_admin, "list_per_page", 500)
    _varied_sessions(5)
    five = _changelist_queries(staff_client)

    _varied_sessions(495)
    five_hundred = _changelist_queries(staff_client)
    assert staff_client.get(LIST).content.decode().count('name="_selected_action"') == 500
    monkeypatch.setattr(model_admin, "list_per_page", 50)
    paged = _changelist_queries(staff_client)

    assert five == five_hundred == paged


def test_filters(staff_client):
    PaymentSessionFactory(payable_id="gbp-ok", status="succeeded", payable_type="order")
    PaymentSessionFactory(payable_id="jpy-ok", status="succeeded", currency="jpy")
    PaymentSessionFactory(payable_id="failed", status="failed", dispute_status="")
    PaymentSessionFactory(payable_id="refunded", status="refunded", amount_refunded=2500)
    PaymentSessionFactory(payable_id="disputed", status="succeeded", dispute_status="open")

    assert sorted(_listed(staff_client, "?status__exact=succeeded")) == [
        "disputed",
        "gbp-ok",
        "jpy-ok",
    ]
    assert _listed(staff_client, "?currency=jpy") == ["jpy-ok"]
    assert _listed(staff_client, "?payable_type=order") == ["gbp-ok"]
    assert _listed(staff_client, "?refunded=yes") == ["refunded"]
    assert _listed(staff_client, "?dispute_status__exact=open") == ["disputed"]
    page = staff_client.get(LIST).content.decode()
    assert 'href="?payable_type=booking"' in page and 'href="?payable_type=order"' in page


def test_dates_drill_down_from_the_first_and_last_dates(staff_client):
    for when in (datetime(2025, 11, 3, tzinfo=UTC), datetime(2026, 1, 9, tzinfo=UTC), NOW):
        with time_machine.travel(when, tick=False):
            PaymentSessionFactory(payable_id=f"{when:%Y-%m-%d}")

    years = staff_client.get(LIST).content.decode()
    assert "?created_at__year=2025" in years and "?created_at__year=2026" in years
    months = staff_client.get(LIST + "?created_at__year=2026").content.decode()
    assert "created_at__month=1&amp;" in months and "created_at__month=3&amp;" in months
    assert _listed(staff_client, "?created_at__year=2026&created_at__month=1") == ["2026-01-09"]
    days = staff_client.get(LIST + "?created_at__year=2026&created_at__month=1").content.decode()
    assert "created_at__day=9" in days
    assert _listed(staff_client, "?paid_at__isnull=True") == ["2026-03-15", "2026-01-09",
                                                             "2025-11-03"]  # fmt: skip


def test_newest_first(staff_client):
    for days_ago in (3, 1, 2):
        with time_machine.travel(NOW - timedelta(days=days_ago), tick=False):
            PaymentSessionFactory(payable_id=f"d{days_ago}")

    assert _listed(staff_client) == ["d1", "d2", "d3"]


def test_search(staff_client):
    ada = customer("Ada.Lovelace@example.com", "Ada Lovelace")
    target = PaymentSessionFactory(
        customer=ada,
        payable_id="bk_77",
        stripe_checkout_session_id="cs_test_abc",
        stripe_payment_intent_id="pi_abc",
        stripe_charge_id="ch_abc",
    )
    refund = refunded(paid(at=NOW, customer=ada, payable_id="refunded"), amount=100, at=NOW)
    PaymentSessionFactory(payable_id="other", customer=customer("grace@example.com", "Grace"))

    def found(term: str) -> list[str]:
        return sorted(_listed(staff_client, f"?q={term}"))

    assert found("ada.lovelace@EXAMPLE.com") == ["bk_77", "refunded"]
    assert found("lovelace") == ["bk_77", "refunded"]
    assert found("@example.com") == ["bk_77", "other", "refunded"]
    assert found(str(target.pk)) == ["bk_77"]
    for stripe_id in ("cs_test_abc", "pi_abc", "ch_abc"):
        assert found(stripe_id) == ["bk_77"]
    assert found(refund.stripe_refund_id) == ["refunded"]
    assert found("bk_77") == ["bk_77"]
    assert found("nobody") == []


def test_detail_is_read_only_with_inlines_and_a_stripe_link(staff_client, settings):
    session = paid(amount=2500, at=NOW, customer=customer("ada@example.com"))
    refunded(session, amount=1000, at=NOW)
    PaymentLog.objects.create(session=session, event_type="status_changed", new_status="x",
                              actor="stripe:evt_123")  # fmt: skip
    CallbackEvent.objects.create(session=session, type="payment.partially_refunded",
                                 sequence=1, payload={})  # fmt: skip
    url = f"{LIST}{session.pk}/change/"

    page = staff_client.get(url).content.decode()

    assert f"https://dashboard.stripe.com/test/payments/{session.stripe_payment_intent_id}" in page
    assert "£25.00" in page and "£10.00" in page and "-£10.00" in page  # amount, refund, ledger
    assert "stripe:evt_123" in page and "payment.partially_refunded" in page
    assert 'name="_save"' not in page and 'name="amount"' not in page
    assert staff_client.post(url, {"amount": 1}).status_code == 403
    assert PaymentSession.objects.get(pk=session.pk).amount == 2500
    assert staff_client.get(LIST + "add/").status_code == 403
    assert staff_client.post(f"{LIST}{session.pk}/delete/").status_code == 403

    settings.PAYMENTS = {**settings.PAYMENTS, "STRIPE_SECRET_KEY": "sk_live_123"}
    live = staff_client.get(url).content.decode()
    assert f"https://dashboard.stripe.com/payments/{session.stripe_payment_intent_id}" in live


def test_staff_only(client, plain_client):
    for url in (LIST, "/admin/payments/transaction/", "/admin/payments/webhookevent/"):
        for visitor in (client, plain_client):
            response = visitor.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith("/admin/login/")
