"""The membership used by the subscription tests: a monthly subscription on a Stripe test
clock, made through the service and driven with the real SDK against the emulator."""

import datetime as dt
import random

import pytest
import stripe

from payments.models import Subscription
from payments.services.customers import customer_get_or_create
from payments.services.subscriptions import SubscriptionTerms, subscription_create_elements
from payments.testing.tasks import run_queued_tasks
from payments.tests.webhook_support import webhooks  # noqa: F401 - a fixture

START = int(dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC).timestamp())


def month(n: int) -> int:
    day = dt.datetime.fromtimestamp(START, dt.UTC)
    year, index = divmod(day.month - 1 + n, 12)
    return int(day.replace(year=day.year + year, month=index + 1).timestamp())


class Member:
    """A monthly membership on a test clock: made through the service, driven with the SDK."""

    def __init__(self, emulator, webhooks, api_client, settings):  # noqa: F811
        self.emulator, self.webhooks = emulator, webhooks
        self.sdk = stripe.StripeClient(
            settings.PAYMENTS["STRIPE_SECRET_KEY"], base_addresses={"api": emulator.url}
        )
        self.clock = self.sdk.v1.test_helpers.test_clocks.create(params={"frozen_time": START})
        self.customer = customer_get_or_create(api_client=api_client, email="m@example.com")
        self.api_client = api_client
        self.delivered = 0

    def subscribe(self) -> Subscription:
        start = subscription_create_elements(api_client=self.api_client, terms=self.terms())
        assert start.subscription.status == "incomplete"
        intent = start.client_secret.split("_secret_")[0]
        self.sdk.v1.payment_intents.confirm(intent, params={"payment_method": "pm_card_visa"})
        self.deliver()
        return start.subscription

    def terms(self) -> SubscriptionTerms:
        return SubscriptionTerms(
            customer=self.customer, payable_type="membership", payable_id="gym-1",
            amount=1500, currency="GBP", interval="month", metadata={"plan": "gold"},
            test_clock=self.clock.id,
        )  # fmt: skip

    def advance(self, to: int, *, shuffle: int | None = None) -> list[dict]:
        self.sdk.v1.test_helpers.test_clocks.advance(self.clock.id, params={"frozen_time": to})
        return self.deliver(shuffle=shuffle)

    def deliver(self, *, shuffle: int | None = None) -> list[dict]:
        events = list(self.emulator.events[self.delivered :])
        self.delivered += len(events)
        if shuffle is not None:
            random.Random(shuffle).shuffle(events)
        self.webhooks.deliver(*events)
        run_queued_tasks()
        return events


@pytest.fixture
def member(stripe_emulator, webhooks, service, settings):  # noqa: F811
    return Member(stripe_emulator, webhooks, service.api_client, settings)
