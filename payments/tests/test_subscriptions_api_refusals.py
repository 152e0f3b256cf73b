"""``POST /api/payments/subscriptions/`` refusals: every bad request is a 400 naming the
field, with no row written and the Idempotency-Key not spent (a Stripe price that cannot be
subscribed to, an unknown or unusable test clock, a test clock with a live key)."""

import pytest

from payments.models import Customer, IdempotencyKey, Subscription
from payments.tests.test_subscriptions_api import URL, _created, body, world

pytestmark = pytest.mark.django_db
__all__ = ["world"]


@pytest.mark.parametrize(
    ("data", "param"),
    [
        (body(flow="weekly"), "flow"),
        (body(flow=None), "flow"),
        (body(payable_type="Not A Slug"), "payable_type"),
        (body(customer=None), "customer"),
        (body(customer={"email": "nope"}), "customer.email"),
        (body(amount=None), "amount"),
        (body(amount=10), "amount"),
        (body(amount="1500"), "amount"),
        (body(currency="xyz"), "currency"),
        (body(interval=None), "interval"),
        (body(interval="fortnight"), "interval"),
        (body(interval_count=37), "interval_count"),
        (body(interval_count=0), "interval_count"),
        (body(price="price_123"), "price"),
        (body(trial_days=0), "trial_days"),
        (body(trial_days=731), "trial_days"),
        (body(test_clock="not-a-clock"), "test_clock"),
        (body(metadata={"payments_session_id": "x"}), "metadata"),
        (body(flow="checkout", cancel_url="https://shop.example/no"), "success_url"),
        (body(flow="checkout", success_url="https://shop.example/ok"), "cancel_url"),
        (body(success_url="https://shop.example/ok"), "success_url"),
    ],
)
def test_bad_requests_are_400_naming_the_field_and_write_nothing(
    service, stripe_emulator, data, param
):
    response = service.post_json(URL, data)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["param"] == param
    assert not Subscription.objects.exists()
    assert not Customer.objects.exists()
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize(
    ("make", "param"),
    [
        (lambda sdk: "price_doesnotexist", "price"),
        (
            lambda sdk: (
                sdk.v1.prices.create(
                    params={"currency": "gbp", "unit_amount": 500, "product_data": {"name": "Once"}}
                ).id
            ),
            "price",
        ),
    ],
)
def test_a_price_stripe_cannot_subscribe_to_is_400_naming_price(service, world, make, param):
    data = body(price=make(world.sdk), amount=None, currency=None, interval=None)

    response = service.post_json(URL, data, key="price-key")

    assert response.status_code == 400, response.content
    assert response.json()["error"]["param"] == param
    assert not Subscription.objects.exists()
    assert not IdempotencyKey.objects.exists()  # the key is not spent


def test_an_unknown_test_clock_is_400_naming_it(service, world):
    response = service.post_json(URL, body(test_clock="clock_doesnotexist"))

    assert response.status_code == 400, response.content
    assert response.json()["error"]["param"] == "test_clock"
    assert not Subscription.objects.exists()


def test_a_customer_already_at_stripe_off_the_clock_is_400_naming_test_clock(service, world):
    _created(service, body())  # the customer is now at Stripe, on no clock
    clock = world.clock()

    response = service.post_json(URL, body(payable_id="gym-2", test_clock=clock))

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["param"] == "test_clock" and "new customer" in error["message"]
    assert Subscription.objects.count() == 1
    assert _created(service, body(payable_id="gym-3", test_clock=clock, customer={
        "email": "new-member@example.com"}))["status"] == "incomplete"  # fmt: skip


def test_test_clock_is_refused_with_a_live_key(service, stripe_emulator, settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "STRIPE_SECRET_KEY": "sk_live_" + "x" * 24}

    response = service.post_json(URL, body(test_clock="clock_123"))

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["param"] == "test_clock" and "live" in error["message"]
    assert not Subscription.objects.exists()
    assert not stripe_emulator.events
