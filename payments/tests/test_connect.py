"""Payees' connected accounts: onboarding through the API, kept current by account.updated."""

import pytest
import requests

from payments.conf import payments_settings
from payments.models import ConnectedAccount, WebhookEvent
from payments.testing import stripe_events
from payments.tests.people_support import onboard

pytestmark = pytest.mark.django_db
URL = "/api/payments/connect/accounts/"


def test_a_person_creates_an_express_account_and_gets_an_onboarding_link(
    teacher, stripe_emulator, stripe_sdk
):
    response = teacher.post(URL, {}, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    account = ConnectedAccount.objects.get(user=teacher.user)
    assert data["account"]["stripe_account_id"] == account.stripe_account_id
    assert (account.type, account.email) == ("express", "teacher@example.com")
    assert not (account.details_submitted or account.charges_enabled or account.payouts_enabled)
    assert data["onboarding_url"].startswith(stripe_emulator.url + "/connect/onboarding/")
    stripe_account = stripe_sdk.v1.accounts.retrieve(account.stripe_account_id)
    assert (stripe_account.type, stripe_account.metadata["payments_owner"]) == (
        "express",
        f"user:{teacher.user.pk}",
    )


def test_asking_again_gives_the_same_account_and_a_fresh_link(teacher, stripe_emulator):
    first = teacher.post(URL, {}, format="json").json()
    second = teacher.post(URL, {}, format="json").json()

    assert first["account"]["stripe_account_id"] == second["account"]["stripe_account_id"]
    assert first["onboarding_url"] != second["onboarding_url"]
    assert ConnectedAccount.objects.count() == 1


def test_me_shows_the_account_or_404(teacher, student, stripe_emulator):
    assert teacher.get(URL + "me/").status_code == 404
    teacher.post(URL, {}, format="json")

    me = teacher.get(URL + "me/")

    assert me.status_code == 200 and me.json()["charges_enabled"] is False
    assert student.get(URL + "me/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_onboarding_turns_the_account_on_through_the_account_updated_webhook(
    teacher, stripe_emulator, webhooks, live_server
):
    stripe_emulator.webhook_url = live_server.url + "/api/payments/webhook/stripe/"
    data = teacher.post(URL, {}, format="json").json()

    # The payee completes Stripe's onboarding page; Stripe sends account.updated.
    done = requests.post(data["onboarding_url"], timeout=10, allow_redirects=False)

    assert done.status_code == 303
    assert done.headers["Location"] == payments_settings.CONNECT_RETURN_URL
    assert {delivery["status_code"] for delivery in stripe_emulator.deliveries} == {200}
    me = teacher.get(URL + "me/").json()
    assert (me["details_submitted"], me["charges_enabled"], me["payouts_enabled"]) == (
        True,
        True,
        True,
    )
    event = WebhookEvent.objects.get(type="account.updated")
    assert event.status == "processed" and event.session is None


def test_a_late_older_account_updated_does_not_turn_charges_back_off(
    teacher, stripe_emulator, webhooks
):
    account_id = teacher.post(URL, {}, format="json").json()["account"]["stripe_account_id"]
    onboarded = onboard(stripe_emulator, account_id)
    stale = {**onboarded, "charges_enabled": False, "details_submitted": False}

    webhooks.deliver(
        stripe_events.event("account.updated", onboarded, created=2_000_000_000),
        stripe_events.event("account.updated", stale, created=1_999_999_000),
    )

    account = ConnectedAccount.objects.get(stripe_account_id=account_id)
    assert account.charges_enabled and account.details_submitted
    statuses = list(WebhookEvent.objects.order_by("id").values_list("status", flat=True))
    assert statuses == ["processed", "ignored"]


def test_account_updated_for_an_unknown_account_is_ignored(db, webhooks):
    account = {"id": "acct_unknown", "object": "account", "charges_enabled": True}
    webhooks.deliver(stripe_events.event("account.updated", account))
    assert WebhookEvent.objects.get().status == "ignored"


def test_an_api_client_registers_a_payee_under_its_reference(
    service, other_service, stripe_emulator
):
    body = {"payee_reference": "cleaner-9", "email": "cleaner9@example.com"}

    response = service.post(URL, body, format="json")

    assert response.status_code == 201, response.content
    account = ConnectedAccount.objects.get(payee_reference="cleaner-9", api_client__isnull=False)
    assert (account.api_client, account.user) == (service.api_client, None)
    assert service.post(URL, body, format="json").json()["account"]["stripe_account_id"] == (
        account.stripe_account_id
    )
    # References are per client: another client registering the same string gets its own
    # payee (formerly a 409 "registered by another client", an existence oracle).
    theirs = other_service.post(URL, body, format="json")
    assert theirs.status_code == 201, theirs.content
    assert theirs.json()["account"]["stripe_account_id"] != account.stripe_account_id
    assert ConnectedAccount.objects.filter(payee_reference="cleaner-9").count() == 2
    missing = service.post(URL, {}, format="json")
    assert missing.status_code == 400 and missing.json()["error"]["param"] == "payee_reference"


@pytest.mark.parametrize("reference", ["\x06cleaner", "\U000aef5f-9", "cleaner-" * 30])
def test_a_reference_no_http_header_can_carry_still_registers_once(
    service, stripe_emulator, reference
):
    """The Stripe idempotency key is derived from the reference: characters a header cannot
    carry (found by the fuzzer: a 503) are hashed, and a retry still finds the same account."""
    body = {"payee_reference": reference, "email": "c@example.com"}

    first = service.post(URL, body, format="json")
    again = service.post(URL, body, format="json")

    assert first.status_code == 201, first.content
    assert (
        again.json()["account"]["stripe_account_id"]
        == (first.json()["account"]["stripe_account_id"])
    )
    assert ConnectedAccount.objects.filter(payee_reference=reference).count() == 1
