"""The hosted Checkout page pre-fills the e-mail as Stripe's does."""

from __future__ import annotations

import re

import requests

from payments.tests.emulator.support import session_params


def _email_field(page: str) -> str:
    return re.search(r"<input id=email type=email name=email value='([^']*)'>", page).group(1)


def test_the_customers_email_is_prefilled(client):
    customer = client.v1.customers.create(params={"email": "ada@example.com", "name": "Ada"})
    session = client.v1.checkout.sessions.create(params=session_params(customer=customer.id))

    page = requests.get(session.url, timeout=10)

    assert page.status_code == 200
    assert _email_field(page.text) == "ada@example.com"


def test_customer_email_is_prefilled(client):
    session = client.v1.checkout.sessions.create(
        params=session_params(customer_email="grace@example.com")
    )

    assert _email_field(requests.get(session.url, timeout=10).text) == "grace@example.com"


def test_the_email_is_empty_without_a_customer(client):
    session = client.v1.checkout.sessions.create(params=session_params())

    assert _email_field(requests.get(session.url, timeout=10).text) == ""


def test_a_customer_without_an_email_leaves_it_empty(client):
    customer = client.v1.customers.create(params={"name": "No Mail"})
    session = client.v1.checkout.sessions.create(params=session_params(customer=customer.id))

    assert _email_field(requests.get(session.url, timeout=10).text) == ""


def test_the_prefilled_email_is_escaped(client):
    customer = client.v1.customers.create(params={"email": "o'brien@example.com"})
    session = client.v1.checkout.sessions.create(params=session_params(customer=customer.id))

    page = requests.get(session.url, timeout=10).text

    assert "value='o&#x27;brien@example.com'" in page
