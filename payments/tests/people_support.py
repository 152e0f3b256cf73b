"""Fixtures for the tests of the endpoints for people: users signed in with a JWT."""

import uuid

import pytest
import requests
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient as HTTPClient

from payments.models import ConnectedAccount

PASSWORD = "correct horse battery staple"


class PersonClient(HTTPClient):
    """An HTTP client signed in as one user with a token from ``POST /api/auth/token/``."""

    def __init__(self, user, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        response = self.post(
            "/api/auth/token/",
            {"username": user.username, "password": PASSWORD},
            format="json",
        )
        assert response.status_code == 200, response.content
        self.tokens = response.json()
        self.credentials(HTTP_AUTHORIZATION=f"Bearer {self.tokens['access']}")

    def post_json(self, path, data=None, *, key: str | None = "auto", **extra):
        if key == "auto":
            key = str(uuid.uuid4())
        if key is not None:
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        return self.post(path, data or {}, format="json", **extra)


def make_person(username: str) -> PersonClient:
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.com", password=PASSWORD
    )
    return PersonClient(user)


@pytest.fixture
def student(db):
    return make_person("student")


@pytest.fixture
def other_student(db):
    return make_person("mallory")


@pytest.fixture
def teacher(db):
    return make_person("teacher")


def onboard(emulator, account_id: str) -> dict:
    """The payee finishes onboarding at the emulator (emits account.updated)."""
    response = requests.post(f"{emulator.url}/_emulator/accounts/{account_id}/onboard", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def onboarded_account(person, emulator) -> ConnectedAccount:
    """The person's connected account, onboarded, with our copy up to date (as the
    account.updated webhook leaves it; the webhook itself has its own tests)."""
    response = person.post_json("/api/payments/connect/accounts/", key=None)
    assert response.status_code == 201, response.content
    account_id = response.json()["account"]["stripe_account_id"]
    onboard(emulator, account_id)
    ConnectedAccount.objects.filter(stripe_account_id=account_id).update(
        details_submitted=True, charges_enabled=True, payouts_enabled=True
    )
    return ConnectedAccount.objects.get(stripe_account_id=account_id)


def payment_body(**overrides) -> dict:
    body = {
        "payable_type": "lesson",
        "payable_id": "lesson_7",
        "amount": 5000,
        "currency": "gbp",
        "description": "Piano lesson",
        "payment_method": "pm_card_visa",
    }
    body.update(overrides)
    return body
