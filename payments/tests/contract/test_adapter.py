"""The Stripe adapter's contract: one test per adapter function and per error mapping.

Each test runs against every backend that can serve it (see `conftest.py`): the emulator
always, localstripe unless marked `localstripe_lacks`, real Stripe test mode under
`make test-stripe`. Ids are fresh per run, so real Stripe's idempotency keys never collide.
"""

from __future__ import annotations

import json
import socket
import time
import uuid

import pytest

from payments import exceptions as exc
from payments import stripe_api
from payments.tests.webhook_support import emulator_control
from stripe_emulator.webhooks import signature_header

NO_IDEMPOTENCY = "localstripe does not compare the parameters of a reused idempotency key"
NO_TEST_PAYMENT_METHODS = "localstripe has no pm_card_* test PaymentMethods"
NO_AUTOMATIC = "localstripe refuses automatic_payment_methods and description on PaymentIntents"
NO_CONNECT = "localstripe has no Connect accounts, account links, transfers or fees"
NO_CHECKOUT = "localstripe's Checkout Sessions lack expire and client_reference_id"


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def intent(**overrides):
    params = dict(session_id=new_id(), amount=2500, currency="gbp", description="Deposit")
    params.update(overrides)
    return stripe_api.payment_intent_create(**params)


def paid_intent(payment_method: str = "pm_card_visa") -> dict:
    return intent(payment_method=payment_method, confirm=True, off_session=True).data


def test_customer_create_and_retrieve(backend):
    made = stripe_api.customer_create(customer_id=new_id(), email="ada@example.com", name="Ada")

    assert type(made.data) is dict and made.id.startswith("cus_")
    if backend.name != "localstripe":  # localstripe sends no Request-Id header
        assert made.request_id.startswith("req_")
    fetched = stripe_api.customer_retrieve(made.id)
    assert (fetched.data["email"], fetched.data["name"]) == ("ada@example.com", "Ada")
    assert set(fetched.data["metadata"]) == {"payments_customer_id"}


@pytest.mark.localstripe_lacks(NO_TEST_PAYMENT_METHODS)
def test_payment_method_attach_list_default_retrieve_detach(backend):
    customer = stripe_api.customer_create(customer_id=new_id(), email="ada@example.com").id
    attached = stripe_api.payment_method_attach(
        request_id=new_id(), stripe_customer_id=customer, payment_method="pm_card_visa"
    )
    card = attached.id

    listed = stripe_api.customer_payment_method_list(stripe_customer_id=customer)
    assert [pm["id"] for pm in listed.data["data"]] == [card]
    updated = stripe_api.customer_default_payment_method_set(
        customer_id=new_id(), stripe_customer_id=customer, payment_method=card, request_id=new_id()
    )
    assert updated.data["invoice_settings"]["default_payment_method"] == card
    assert stripe_api.payment_method_retrieve(card).data["card"]["last4"] == "4242"
    detached = stripe_api.payment_method_detach(customer_id=new_id(), payment_method=card)
    assert detached.data["customer"] is None


@pytest.mark.localstripe_lacks(NO_AUTOMATIC)
def test_payment_intent_create_retrieve_cancel(backend):
    made = intent()
    assert made.data["status"] == "requires_payment_method"
    assert made.data["metadata"]["payments_session_id"]
    assert stripe_api.payment_intent_retrieve(made.id).data["amount"] == 2500

    canceled = stripe_api.payment_intent_cancel(session_id=new_id(), stripe_id=made.id)
    assert canceled.data["status"] == "canceled"


@pytest.mark.localstripe_lacks(NO_AUTOMATIC)
def test_a_card_charged_on_the_server_succeeds_with_a_charge_and_its_fee(backend):
    paid = paid_intent()
    assert paid["status"] == "succeeded"

    charge = stripe_api.charge_retrieve(paid["latest_charge"]).data
    assert (charge["amount"], charge["paid"]) == (2500, True)
    balance = charge["balance_transaction"]
    if isinstance(balance, dict):  # localstripe does not expand it
        assert balance["amount"] == balance["fee"] + balance["net"]
        again = stripe_api.balance_transaction_retrieve(balance["id"]).data
        assert again["id"] == balance["id"]


@pytest.mark.localstripe_lacks(NO_AUTOMATIC)
def test_refund_create_and_list(backend):
    paid = paid_intent()
    refund = stripe_api.refund_create(
        refund_id=new_id(), session_id=new_id(), payment_intent=paid["id"], amount=1000
    )
    assert (refund.data["amount"], refund.data["status"]) == (1000, "succeeded")

    listed = stripe_api.refund_list(charge=paid["latest_charge"]).data["data"]
    assert [row["id"] for row in listed] == [refund.id]


@pytest.mark.localstripe_lacks(NO_CHECKOUT)
def test_checkout_session_create_retrieve_expire(backend):
    session_id = new_id()
    made = stripe_api.checkout_session_create(
        session_id=session_id, amount=2500, currency="gbp", description="Deposit",
        success_url="https://example.com/ok", cancel_url="https://example.com/no",
        expires_at=int(time.time()) + 3600, metadata={"order": "A-1"},
    )  # fmt: skip
    assert made.data["client_reference_id"] == session_id
    assert made.data["metadata"] == {"order": "A-1", "payments_session_id": session_id}
    assert made.data["amount_total"] == 2500 and made.data["url"]
    assert stripe_api.checkout_session_retrieve(made.id).data["status"] == "open"

    expired = stripe_api.checkout_session_expire(session_id=session_id, stripe_id=made.id)
    assert expired.data["status"] == "expired"


@pytest.mark.localstripe_lacks("localstripe keeps no event log for GET /v1/events")
def test_event_list_pages_through_recent_events(backend):
    since = int(time.time()) - 60
    paid_intent()
    page = stripe_api.event_list(created_gte=since, limit=100).data
    assert page["object"] == "list"
    assert "payment_intent.succeeded" in {event["type"] for event in page["data"]}


@pytest.mark.localstripe_lacks(NO_CONNECT)
def test_connect_account_link_transfer_and_application_fee(backend):
    account = stripe_api.account_create(
        owner_key=f"payee:{new_id()}", account_type="express", email="t@example.com",
        country="GB",
    )  # fmt: skip
    assert stripe_api.account_retrieve(account.id).data["type"] == "express"
    link = stripe_api.account_link_create(
        request_id=new_id(), account=account.id, refresh_url="https://example.com/again",
        return_url="https://example.com/done",
    )  # fmt: skip
    assert link.data["url"] and link.data["expires_at"] > link.data["created"]
    if backend.name != "emulator":
        return  # a real account must be onboarded by a person before it takes transfers
    emulator_control(backend.emulator, f"accounts/{account.id}/onboard")
    destination = {"application_fee_amount": 300, "transfer_data": {"destination": account.id}}
    charge = stripe_api.charge_retrieve(
        intent(payment_method="pm_card_visa", confirm=True, off_session=True,
               destination_params=destination).data["latest_charge"]
    ).data  # fmt: skip
    assert stripe_api.transfer_retrieve(charge["transfer"]).data["destination"] == account.id
    assert stripe_api.application_fee_retrieve(charge["application_fee"]).data["amount"] == 300


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.localstripe_lacks(NO_AUTOMATIC)
def test_a_declined_card_is_card_declined_with_its_decline_code(backend):
    card = "pm_card_visa_chargeDeclinedInsufficientFunds"
    with pytest.raises(exc.CardDeclined) as caught:
        intent(payment_method=card, confirm=True, off_session=True)

    assert caught.value.code == "card_declined" and caught.value.http_status == 402
    assert caught.value.decline_code == "insufficient_funds"
    assert caught.value.payment_intent["status"] == "requires_payment_method"


@pytest.mark.localstripe_lacks(NO_AUTOMATIC)
def test_an_unknown_parameter_is_invalid_request_naming_it(backend):
    with pytest.raises(exc.InvalidProviderRequest) as caught:
        intent(destination_params={"no_such_field": "x"})
    assert (caught.value.param, caught.value.code) == ("no_such_field", "parameter_unknown")


@pytest.mark.localstripe_lacks(NO_IDEMPOTENCY)
def test_the_same_row_id_never_creates_a_second_object_and_other_params_conflict(backend):
    row = new_id()
    first = stripe_api.customer_create(customer_id=row, email="first@example.com")
    assert stripe_api.customer_create(customer_id=row, email="first@example.com").id == first.id
    with pytest.raises(exc.ProviderIdempotencyConflict):
        stripe_api.customer_create(customer_id=row, email="second@example.com")


def test_a_wrong_api_key_is_authentication_failure(backend, settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "STRIPE_SECRET_KEY": "not-a-key"}
    with pytest.raises(exc.ProviderAuthenticationFailed):
        stripe_api.customer_create(customer_id=new_id(), email="ada@example.com")


def test_a_missing_api_key_is_reported_without_a_network_call(backend, settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "STRIPE_SECRET_KEY": ""}
    with pytest.raises(exc.ProviderAuthenticationFailed, match="STRIPE_SECRET_KEY"):
        stripe_api.customer_create(customer_id=new_id(), email="ada@example.com")


def test_a_signed_event_verifies_and_a_forged_one_does_not(backend):
    payload = json.dumps({"id": "evt_1", "object": "event", "data": {"object": {}}}).encode()
    header = signature_header(payload.decode(), "whsec_contract", int(time.time()))
    event = stripe_api.webhook_event_verify(
        payload=payload, signature_header=header, secrets=["whsec_other", "whsec_contract"],
        tolerance=300,
    )  # fmt: skip
    assert event["id"] == "evt_1"
    with pytest.raises(exc.InvalidWebhookSignature):
        stripe_api.webhook_event_verify(
            payload=payload, signature_header=header, secrets=["whsec_other"], tolerance=300
        )


@pytest.mark.emulator_only("needs a 500 injected on Stripe's side")
def test_stripe_failing_on_its_side_is_provider_unavailable(backend):
    backend.emulator.error_next(method="POST", path="/v1/payment_intents", status=500)
    with pytest.raises(exc.ProviderUnavailable) as caught:
        intent()
    assert (caught.value.code, caught.value.http_status) == ("provider_unavailable", 503)


@pytest.mark.emulator_only("needs a 429 injected on Stripe's side")
def test_a_rate_limit_is_rate_limited(backend):
    backend.emulator.fail_next(method="POST", path="/v1/payment_intents", status=429)
    with pytest.raises(exc.ProviderRateLimited):
        intent()


@pytest.mark.emulator_only("needs the connection to Stripe cut before the request")
def test_a_request_that_never_reached_stripe_is_provider_unavailable(backend):
    backend.emulator.unreachable_next(method="POST", path="/v1/customers")
    with pytest.raises(exc.ProviderUnavailable):
        stripe_api.customer_create(customer_id=new_id(), email="ada@example.com")
    assert backend.emulator.store.all("customer") == []


def test_stripe_unreachable_is_provider_unavailable(backend, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.PAYMENTS = {**settings.PAYMENTS, "STRIPE_API_BASE": f"http://127.0.0.1:{closed_port}"}
    with pytest.raises(exc.ProviderUnavailable):
        stripe_api.customer_create(customer_id=new_id(), email="ada@example.com")
