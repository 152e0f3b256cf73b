"""Subscriptions to a marketplace payee: every invoice (the first and each renewal) is a
destination charge with the fee policy's platform fee, at Stripe and in each session's ledger;
an unknown payee is refused before anything is written."""

import datetime as dt

import pytest
import stripe

from payments.fees import fee_split, parse_fee_rule
from payments.models import ConnectedAccount, Customer, PaymentSession, Subscription, Transaction
from payments.models.ledger import TransactionKind
from payments.services.refunds import refund_create
from payments.tests.people_support import onboard
from payments.tests.test_subscriptions_api import URL, Stripe, body

pytestmark = pytest.mark.django_db
FEE_RULE = "2.5%+30"  # fee 68 on 1500: 2.5% (37.5 -> 38) + 30; Stripe is sent 4.53%
TWO_MONTHS_LATER = int(dt.datetime(2026, 3, 15, 12, 1, tzinfo=dt.UTC).timestamp())
MONTH_LATER = int(dt.datetime(2026, 2, 15, 12, 1, tzinfo=dt.UTC).timestamp())


@pytest.fixture
def world(stripe_emulator, webhooks, stripe_sdk):
    return Stripe(stripe_emulator, webhooks, stripe_sdk)


@pytest.fixture
def payee(service, stripe_emulator, settings) -> ConnectedAccount:
    """A payee the API client registered, onboarded, and the platform's fee policy."""
    settings.PAYMENTS = {**settings.PAYMENTS, "PLATFORM_FEE": {"membership": FEE_RULE}}
    service.post("/api/payments/connect/accounts/", {"payee_reference": "gym-7"}, format="json")
    account = ConnectedAccount.objects.get()
    onboard(stripe_emulator, account.stripe_account_id)
    ConnectedAccount.objects.update(charges_enabled=True)
    return ConnectedAccount.objects.get()


def ledger(session: PaymentSession) -> dict[str, int]:
    rows = Transaction.objects.filter(session=session)
    return {row.kind: row.gross for row in rows}


@pytest.mark.parametrize("named_by", ["payee_account", "payee_reference"])
def test_every_renewal_of_a_subscription_to_a_payee_splits_by_the_fee_policy(
    service, world, payee, named_by
):
    expected = fee_split(amount=1500, currency="gbp", rule=parse_fee_rule(FEE_RULE))
    assert (expected.platform_fee, expected.payee_amount) == (68, 1432)
    named = payee.stripe_account_id if named_by == "payee_account" else "gym-7"
    clock = world.clock()
    response = service.post_json(URL, body(test_clock=clock, **{named_by: named}))
    assert response.status_code == 201, response.content
    created = response.json()
    stripe_subscription = world.sdk.v1.subscriptions.retrieve(created["stripe_subscription_id"])
    assert stripe_subscription.transfer_data.destination == payee.stripe_account_id
    assert stripe_subscription.application_fee_percent == 4.53

    world.pay_elements(created["client_secret"])
    world.advance(clock, MONTH_LATER)
    world.advance(clock, TWO_MONTHS_LATER)

    sessions = list(
        PaymentSession.objects.filter(subscription_id=created["id"]).order_by("created_at")
    )
    assert [s.status for s in sessions] == ["succeeded"] * 3  # the first and two renewals
    for session in sessions:
        assert session.connected_account == payee
        assert (session.platform_fee, session.payee_amount) == (68, 1432)
        # Stripe's model: the charge's full amount is transferred, the fee collected back.
        rows = ledger(session)
        assert rows[TransactionKind.CHARGE] == 1500
        assert rows[TransactionKind.TRANSFER] == -1500
        assert rows[TransactionKind.APPLICATION_FEE] == expected.platform_fee
        intent = world.sdk.v1.payment_intents.retrieve(session.stripe_payment_intent_id)
        assert intent.application_fee_amount == 68
        assert intent.transfer_data.destination == payee.stripe_account_id


def test_refunding_a_renewal_to_a_payee_reverses_the_transfer_and_the_fee(service, world, payee):
    clock = world.clock()
    created = service.post_json(URL, body(test_clock=clock, payee_reference="gym-7")).json()
    world.pay_elements(created["client_secret"])
    world.advance(clock, MONTH_LATER)
    renewal = PaymentSession.objects.filter(subscription_id=created["id"]).latest("created_at")

    refund_create(session_id=renewal.pk, amount=None, reason="", requested_by="test")
    world.deliver()

    rows = Transaction.objects.filter(session=renewal).order_by("id")
    kinds: dict[str, list[int]] = {}
    for row in rows:
        kinds.setdefault(row.kind, []).append(row.gross)
    assert kinds[TransactionKind.TRANSFER] == [-1500, 1500]
    assert kinds[TransactionKind.APPLICATION_FEE] == [68, -68]


def test_a_checkout_subscription_to_a_payee_pays_the_payee(service, world, payee):
    clock = world.clock()
    data = body(
        flow="checkout",
        test_clock=clock,
        payee_reference="gym-7",
        success_url="https://shop.example/ok",
        cancel_url="https://shop.example/no",
    )
    created = service.post_json(URL, data).json()

    world.pay_checkout(created["checkout_url"])
    world.advance(clock, MONTH_LATER)

    sessions = PaymentSession.objects.filter(subscription_id=created["id"])
    assert sessions.count() == 2
    for session in sessions:
        assert ledger(session)[TransactionKind.APPLICATION_FEE] == 68
        assert ledger(session)[TransactionKind.TRANSFER] == -1500


@pytest.mark.parametrize(
    ("payee_field", "value"),
    [("payee_account", "acct_unknown"), ("payee_reference", "nobody")],
)
def test_an_unknown_payee_is_400_naming_it_and_writes_nothing(
    service, world, payee, payee_field, value
):
    response = service.post_json(URL, body(test_clock=world.clock(), **{payee_field: value}))

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("payee_not_found", payee_field)
    assert not Subscription.objects.exists()
    assert not Customer.objects.filter(stripe_customer_id__isnull=False).exists()
    assert not world.sdk.v1.subscriptions.list().data


def test_a_fee_stripe_billing_cannot_charge_exactly_is_400_not_a_different_fee(
    service, world, payee, settings
):
    # 2.5% + 33 on 100 000 is 2533: Stripe's two-decimal percent gives 2530 or 2540.
    settings.PAYMENTS = {**settings.PAYMENTS, "PLATFORM_FEE": {"membership": "2.5%+33"}}
    response = service.post_json(URL, body(amount=100000, payee_reference="gym-7"))

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "fee_not_expressible"
    assert response.json()["error"]["param"] == "payee_reference"
    assert not Subscription.objects.exists()


def _customer_and_price(sdk) -> tuple[str, str]:
    customer = sdk.v1.customers.create(params={"email": "fee@example.com"}).id
    price = sdk.v1.prices.create(
        params={"currency": "gbp", "unit_amount": 1500, "product_data": {"name": "Gym"},
                "recurring": {"interval": "month"}},
    ).id  # fmt: skip
    return customer, price


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"application_fee_percent": 4.531}, "application_fee_percent"),
        ({"application_fee_percent": 100.5}, "application_fee_percent"),
        ({"transfer_data": {"destination": "acct_nobody"}}, "transfer_data[destination]"),
    ],
)
def test_the_emulator_refuses_connect_terms_stripe_refuses(stripe_sdk, params, param):
    customer, price = _customer_and_price(stripe_sdk)

    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_sdk.v1.subscriptions.create(
            params={"customer": customer, "items": [{"price": price}], **params}
        )

    assert refused.value.param == param
    assert not stripe_sdk.v1.subscriptions.list().data


def test_the_emulator_names_checkout_subscription_data_in_its_refusals(stripe_sdk):
    customer, price = _customer_and_price(stripe_sdk)
    params = {
        "mode": "subscription", "customer": customer, "line_items": [{"price": price,
        "quantity": 1}], "success_url": "https://shop.example/ok",
        "cancel_url": "https://shop.example/no",
    }  # fmt: skip

    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_sdk.v1.checkout.sessions.create(
            params={**params, "subscription_data": {"transfer_data": {"destination": "acct_x"}}}
        )

    assert refused.value.param == "subscription_data[transfer_data][destination]"
