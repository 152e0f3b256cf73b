"""The staff dashboard: per-currency figures for today and 30 days, and an SVG chart."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

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
URL = "/admin/payments/paymentsession/dashboard/"
__all__ = ["frozen_time", "plain_client", "staff_client"]


def _row(page: str, label: str) -> list[str]:
    """The cells of a figures row: [today, last 30 days]."""
    match = re.search(rf"<tr><th>{label}</th><td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    assert match, label
    return list(match.groups())


def test_figures_per_currency_today_and_30_days(staff_client):
    ada = customer("ada@example.com", "Ada <b>Lovelace</b>")
    paid(amount=2500, at=NOW - timedelta(hours=1), fee=58, customer=ada)
    old = paid(amount=10000, at=NOW - timedelta(days=10), fee=170, customer=ada)
    refunded(old, amount=4000, at=NOW - timedelta(days=2))
    paid(amount=3000, currency="jpy", at=NOW - timedelta(days=3), fee=108)
    with time_machine.travel(NOW - timedelta(days=4), tick=False):
        PaymentSessionFactory(status="failed")
    paid(amount=99900, at=NOW - timedelta(days=45))  # outside the 30 days

    page = staff_client.get(URL).content.decode()

    gbp, jpy = page.index("<h2>GBP</h2>"), page.index("<h2>JPY</h2>")
    gbp_part, jpy_part = page[gbp:jpy], page[jpy:]
    assert _row(gbp_part, "Payments") == ["1", "3"]
    assert _row(gbp_part, "Gross") == ["£25.00", "£125.00"]
    assert _row(gbp_part, "Stripe fees") == ["£0.58", "£2.28"]
    assert _row(gbp_part, "Net") == ["£24.42", "£82.72"]
    assert _row(gbp_part, "Refunds") == ["£0.00", "£40.00"]
    assert _row(gbp_part, "Success rate") == ["100.0%", "66.7%"]
    assert _row(gbp_part, "Failure rate") == ["0.0%", "33.3%"]
    assert _row(gbp_part, "Average payment") == ["£25.00", "£62.50"]
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt; &lt;ada@example.com&gt;" in gbp_part
    assert _row(jpy_part, "Gross") == ["-", "¥3,000"]


def test_chart_is_inline_svg_with_a_bar_per_day(staff_client):
    paid(amount=2500, at=NOW - timedelta(days=1))
    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        PaymentSessionFactory(status="failed")

    page = staff_client.get(URL).content.decode()

    [svg] = re.findall(r'<svg [^>]*role="img".*?</svg>', page, re.S)
    assert len(re.findall(r"<rect ", svg)) == 30
    assert "<title>14 Mar: £25.00, 0.0% failed</title>" in svg
    assert "<title>13 Mar: £0.00, 100.0% failed</title>" in svg
    assert "<polyline" in svg
    assert "<script" not in page.split('id="content-main"')[1]  # no chart library, no CDN
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_linked_from_the_admin_index(staff_client):
    page = staff_client.get("/admin/").content.decode()

    assert re.search(rf'<a[^>]+href="{URL}"[^>]*>[^<]*Dashboard', page)


def test_empty(staff_client):
    assert "No payments in the last 30 days." in staff_client.get(URL).content.decode()


def test_staff_only(client, plain_client):
    for visitor in (client, plain_client):
        response = visitor.get(URL)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert "Dashboard" not in plain_client.get("/admin/", follow=True).content.decode()


def test_staff_without_view_permission_is_refused():
    staff = get_user_model().objects.create_user("intern", is_staff=True)
    client = Client()
    client.force_login(staff)

    assert client.get(URL).status_code == 403
    assert "Dashboard" not in client.get("/admin/").content.decode()
