"""A membership end to end over real HTTP, on a Stripe test clock: bookings -> payments
(subscriptions API) -> Stripe (emulator) -> webhooks -> payments' ``subscription.*`` callbacks
-> the membership's status. Three periods: the first paid on Checkout, a renewal paid, a
renewal declined then paid after the card is updated on the Billing Portal, then cancelled at
the end of the period. A member's booking needs no deposit; a non-member's does."""

import datetime as dt
from datetime import timedelta

import pytest
import requests

from bookings.models import Booking, Membership, ProcessedCallback, Service
from payments.models import PaymentSession, Subscription
from payments.testing.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)

START = int(dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC).timestamp())
DAY = 86400


def month(n: int) -> int:
    day = dt.datetime.fromtimestamp(START, dt.UTC)
    return int(day.replace(month=day.month + n).timestamp())


@pytest.fixture
def gym(db):
    return Service.objects.create(
        name="Gym class", slug="gym", price_amount=2000, deposit_amount=500,
        membership_amount=1500, currency="gbp",
    )  # fmt: skip


class Member:
    """The customer's side and the clock: bookings' API over HTTP, the emulator's pages."""

    def __init__(self, deployment, emulator, settings):
        self.deployment, self.emulator = deployment, emulator
        self.key = settings.PAYMENTS["STRIPE_SECRET_KEY"]
        self.clock = self.stripe("test_helpers/test_clocks", frozen_time=START)["id"]
        self.membership: dict = {}

    def stripe(self, path: str, **params) -> dict:
        """A call to Stripe's API (the emulator) as the bank and the clock would make it; plain
        HTTP, as bookings never imports the Stripe SDK, even in its tests."""
        answer = requests.post(
            f"{self.emulator.url}/v1/{path}", data=params, timeout=10,
            headers={"Authorization": f"Bearer {self.key}"},
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
        return answer.json()

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(
            method, f"{self.deployment.url}/api/bookings/{path}", timeout=30, **kwargs
        )

    def join(self) -> dict:
        answer = self.api("POST", "memberships/", json={
            "service": "gym", "customer_name": "Ada Lovelace",
            "customer_email": "ada@example.com", "test_clock": self.clock,
        })  # fmt: skip
        assert answer.status_code == 201, answer.text
        self.membership = answer.json()
        checkout_id = self.membership["checkout_url"].rstrip("/").rsplit("/", 1)[-1]
        paid = requests.post(
            f"{self.emulator.url}/_emulator/checkout/sessions/{checkout_id}/pay",
            data={"payment_method": "pm_card_visa"},
            timeout=10,
        )
        assert paid.status_code == 200, paid.text
        self.settle()
        return self.state()

    def settle(self) -> None:
        """Stripe's webhooks reach payments; payments' callbacks reach bookings."""
        assert self.emulator.wait_for_webhooks()
        run_queued_tasks()

    def advance(self, to: int) -> dict:
        self.stripe(f"test_helpers/test_clocks/{self.clock}/advance", frozen_time=to)
        self.settle()
        return self.state()

    def state(self) -> dict:
        answer = self.api("GET", f"memberships/{self.membership['id']}/")
        assert answer.status_code == 200
        return answer.json()

    def book(self, email: str) -> dict:
        answer = self.api("POST", "", json={
            "service": "gym", "customer_name": "Someone", "customer_email": email,
            "starts_at": (dt.datetime.now(dt.UTC) + timedelta(days=3)).isoformat(),
        })  # fmt: skip
        assert answer.status_code == 201, answer.text
        return answer.json()

    def card_starts_declining(self) -> None:
        subscription = Subscription.objects.get(pk=self.membership["subscription_id"])
        failing = self.stripe(
            "payment_methods/pm_card_chargeCustomerFail/attach",
            customer=subscription.customer.stripe_customer_id,
        )
        self.stripe(
            f"subscriptions/{subscription.stripe_subscription_id}",
            default_payment_method=failing["id"],
        )
        self.settle()

    def update_card_on_the_portal(self) -> None:
        answer = self.api("POST", f"memberships/{self.membership['id']}/portal/")
        assert answer.status_code == 200, answer.text
        url = answer.json()["url"]
        assert requests.get(url, timeout=10).status_code == 200
        posted = requests.post(
            url + "/payment_method", data={"card": "pm_card_visa"}, allow_redirects=False,
            timeout=10,
        )  # fmt: skip
        assert posted.status_code in (302, 303), posted.text
        self.settle()


@pytest.fixture
def member(deployment, stripe_emulator, settings, gym):
    return Member(deployment, stripe_emulator, settings)


def test_a_membership_over_three_periods_follows_the_subscription_callbacks(member):
    joined = member.join()
    assert (joined["status"], joined["is_active"]) == ("active", True)
    assert joined["current_period_end"] == "2026-02-15T12:00:00Z"

    renewed = member.advance(month(1) + 60)  # the first renewal is paid
    assert (renewed["status"], renewed["current_period_end"]) == ("active", "2026-03-15T12:00:00Z")

    member.card_starts_declining()
    declined = member.advance(month(2) + 60)
    assert (declined["status"], declined["is_active"]) == ("past_due", False)
    assert member.book("ada@example.com")["status"] == "pending_payment"  # a deposit again

    member.update_card_on_the_portal()  # pays the overdue renewal
    recovered = member.state()
    assert (recovered["status"], recovered["current_period_end"]) == (
        "active", "2026-04-15T12:00:00Z")  # fmt: skip

    cancel = member.api("POST", f"memberships/{member.membership['id']}/cancel/")
    assert cancel.status_code == 202, cancel.text
    member.settle()
    scheduled = member.state()
    assert (scheduled["status"], scheduled["cancel_at_period_end"]) == ("active", True)
    assert member.book("ada@example.com")["status"] == "confirmed"  # paid up to the period's end

    ended = member.advance(month(3) + 60)
    assert (ended["status"], ended["is_active"]) == ("canceled", False)

    subscription = Subscription.objects.get(pk=member.membership["subscription_id"])
    renewals = PaymentSession.objects.filter(subscription=subscription)
    assert sorted(s.status for s in renewals) == ["succeeded"] * 3  # Jan, Feb, Mar (recovered)
    applied = ProcessedCallback.objects.filter(membership__isnull=False, outcome="applied")
    types = list(applied.order_by("sequence").values_list("type", flat=True))
    assert "subscription.past_due" in types and types[-1] == "subscription.canceled"
    assert Membership.objects.get().last_callback_sequence == len(types)


def test_a_member_books_without_a_deposit_and_a_non_member_pays_one(member):
    member.join()

    members = member.book("ADA@example.com")
    stranger = member.book("grace@example.com")

    assert (members["status"], members["deposit_amount"], members["checkout_url"]) == (
        "confirmed", 0, None)  # fmt: skip
    assert (stranger["status"], stranger["deposit_amount"]) == ("pending_payment", 500)
    assert stranger["checkout_url"]
    deposits = PaymentSession.objects.filter(payable_type="booking")
    assert [s.payable_id for s in deposits] == [stranger["id"]]
    assert Booking.objects.get(pk=members["id"]).payment_session_id == ""
