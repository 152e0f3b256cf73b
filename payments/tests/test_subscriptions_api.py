"""``/api/payments/subscriptions/`` over HTTP against the emulator: both flows paid and renewed
on a test clock, idempotent creation, validation, scoping to API clients and people, and
cancel, resume and the Billing Portal."""

import datetime as dt
import uuid

import pytest
from rest_framework.test import APIClient as HTTPClient

from payments.models import Subscription
from payments.testing.tasks import run_queued_tasks
from payments.tests.webhook_support import emulator_control

pytestmark = pytest.mark.django_db
URL = "/api/payments/subscriptions/"
START = int(dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC).timestamp())
MONTH_LATER = int(dt.datetime(2026, 2, 15, 12, 1, tzinfo=dt.UTC).timestamp())


def body(**overrides) -> dict:
    data = {
        "flow": "elements",
        "payable_type": "membership",
        "payable_id": "gym-1",
        "customer": {"email": "member@example.com", "name": "Ada"},
        "amount": 1500,
        "currency": "gbp",
        "interval": "month",
        "metadata": {"plan": "gold"},
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


class Stripe:
    """What the customer and Stripe do: pay, move the clock, deliver the events."""

    def __init__(self, emulator, webhooks, sdk):
        self.emulator, self.webhooks, self.sdk = emulator, webhooks, sdk
        self.delivered = 0

    def clock(self) -> str:
        return self.sdk.v1.test_helpers.test_clocks.create(params={"frozen_time": START}).id

    def deliver(self) -> list[dict]:
        events = list(self.emulator.events[self.delivered :])
        self.delivered += len(events)
        self.webhooks.deliver(*events)
        run_queued_tasks()
        return events

    def pay_elements(self, client_secret: str) -> None:
        intent = client_secret.split("_secret_")[0]
        self.sdk.v1.payment_intents.confirm(intent, params={"payment_method": "pm_card_visa"})
        self.deliver()

    def pay_checkout(self, checkout_url: str) -> None:
        checkout_id = checkout_url.rstrip("/").rsplit("/", 1)[-1]
        emulator_control(
            self.emulator, f"checkout/sessions/{checkout_id}/pay", payment_method="pm_card_visa"
        )
        self.deliver()

    def advance(self, clock: str, to: int) -> list[dict]:
        self.sdk.v1.test_helpers.test_clocks.advance(clock, params={"frozen_time": to})
        return self.deliver()


@pytest.fixture
def world(stripe_emulator, webhooks, stripe_sdk):
    return Stripe(stripe_emulator, webhooks, stripe_sdk)


def _created(client, data: dict, **extra) -> dict:
    response = client.post_json(URL, data, **extra)
    assert response.status_code == 201, response.content
    return response.json()


def test_elements_subscription_is_paid_then_renewed_and_the_renewal_is_in_the_detail(
    service, world
):
    clock = world.clock()
    created = _created(service, body(test_clock=clock))
    assert (created["flow"], created["status"], created["checkout_url"]) == (
        "elements", "incomplete", None)  # fmt: skip
    assert created["client_secret"].startswith("pi_")
    assert (created["amount"], created["currency"], created["interval"]) == (1500, "gbp", "month")
    assert created["customer"]["email"] == "member@example.com"
    assert created["price"].startswith("price_")

    world.pay_elements(created["client_secret"])
    world.advance(clock, MONTH_LATER)

    detail = service.get(f"{URL}{created['id']}/").json()
    assert detail["status"] == "active"
    assert detail["current_period_start"].startswith("2026-02-15")
    assert detail["current_period_end"].startswith("2026-03-15")
    assert [invoice["status"] for invoice in detail["invoices"]] == ["succeeded", "succeeded"]
    invoice_ids = {invoice["stripe_invoice_id"] for invoice in detail["invoices"]}
    assert len(invoice_ids) == 2 and all(i.startswith("in_") for i in invoice_ids)
    renewal = detail["invoices"][1]
    assert service.get(f"/api/payments/sessions/{renewal['id']}/").json()["flow"] == (
        "subscription_invoice"
    )


def test_checkout_subscription_is_paid_on_the_page_then_renewed(service, world):
    clock = world.clock()
    created = _created(
        service,
        body(flow="checkout", test_clock=clock, success_url="https://shop.example/ok",
             cancel_url="https://shop.example/no"),
    )  # fmt: skip
    assert created["checkout_url"].startswith(world.emulator.url)
    assert created["client_secret"] is None

    world.pay_checkout(created["checkout_url"])
    world.advance(clock, MONTH_LATER)

    detail = service.get(f"{URL}{created['id']}/").json()
    assert detail["status"] == "active" and detail["stripe_subscription_id"]
    assert [invoice["status"] for invoice in detail["invoices"]] == ["succeeded", "succeeded"]


def test_an_existing_stripe_price_is_subscribed_to_by_id(service, world):
    price = world.sdk.v1.prices.create(
        params={"currency": "usd", "unit_amount": 900, "product_data": {"name": "Weekly"},
                "recurring": {"interval": "week", "interval_count": 2}},
    )  # fmt: skip
    data = body(price=price.id, amount=None, currency=None, interval=None)

    created = _created(service, data)

    assert (created["amount"], created["currency"]) == (900, "usd")
    assert (created["interval"], created["interval_count"], created["price"]) == (
        "week", 2, price.id)  # fmt: skip
    stripe_subscription = world.sdk.v1.subscriptions.retrieve(created["stripe_subscription_id"])
    assert stripe_subscription["items"]["data"][0]["price"]["id"] == price.id


def test_a_retry_with_the_same_key_replays_and_makes_one_stripe_subscription(service, world):
    first = service.post_json(URL, body(), key="sub-1")
    again = service.post_json(URL, body(), key="sub-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Subscription.objects.count() == 1
    assert len(world.sdk.v1.subscriptions.list().data) == 1

    other = service.post_json(URL, body(payable_id="gym-2"), key="sub-1")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Subscription.objects.count() == 1


def test_a_retry_after_a_lost_answer_resumes_the_same_subscription(service, world):
    world.emulator.drop_next("POST", "/v1/subscriptions")  # made at Stripe, answer lost
    failed = service.post_json(URL, body(), key="sub-2")
    assert failed.status_code == 503, failed.content
    assert len(world.sdk.v1.subscriptions.list().data) == 1

    retried = service.post_json(URL, body(), key="sub-2")

    assert retried.status_code == 201, retried.content
    assert Subscription.objects.count() == 1
    assert retried.json()["id"] == str(Subscription.objects.get().pk)
    assert len(world.sdk.v1.subscriptions.list().data) == 1


def test_another_client_cannot_see_or_manage_a_subscription(service, other_service, world):
    created = _created(service, body())
    detail = f"{URL}{created['id']}/"

    assert other_service.get(detail).status_code == 404
    assert other_service.get(URL).json()["results"] == []
    for action, data in (("cancel", {"at_period_end": False}), ("resume", {}),
                         ("portal", {"return_url": "https://x.example/"})):  # fmt: skip
        assert other_service.post_json(f"{detail}{action}/", data).status_code == 404
    assert service.get(detail).status_code == 200
    assert Subscription.objects.get().status == "incomplete"


def test_list_filters_and_pages(service, world):
    _created(service, body(payable_id="a", customer={"email": "one@example.com"}))
    _created(service, body(payable_id="b", customer={"email": "two@example.com"}))
    _created(service, body(payable_type="plan", payable_id="a"))

    def ids(query: str) -> list[str]:
        response = service.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return [row["payable_id"] for row in response.json()["results"]]

    assert ids("") == ["a", "b", "a"]
    assert ids("payable_type=membership") == ["b", "a"]
    assert ids("payable_id=a") == ["a", "a"]
    assert ids("customer_email=TWO@example.com") == ["b"]
    assert ids("status=active") == []
    assert ids("status=incomplete&payable_type=plan") == ["a"]
    first = service.get(f"{URL}?limit=2").json()
    assert len(first["results"]) == 2 and first["next"]
    assert len(service.get(first["next"]).json()["results"]) == 1
    assert service.get(f"{URL}?status=lapsed").json()["error"]["param"] == "status"


def test_people_subscribe_themselves_and_see_only_their_own(student, other_student, service, world):
    created = _created(student, body(customer=None))
    mine = Subscription.objects.get(pk=created["id"])
    assert (mine.user, mine.api_client, mine.customer.user) == (student.user, None, student.user)
    assert created["customer"]["email"] == "student@example.com"

    assert student.get(f"{URL}{created['id']}/").status_code == 200
    assert [row["id"] for row in student.get(URL).json()["results"]] == [created["id"]]
    assert other_student.get(f"{URL}{created['id']}/").status_code == 404
    assert other_student.get(URL).json()["results"] == []
    cancel = other_student.post_json(f"{URL}{created['id']}/cancel/", {"at_period_end": True})
    assert cancel.status_code == 404
    assert service.get(f"{URL}{created['id']}/").status_code == 404

    refused = student.post_json(URL, body())
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "customer"


def test_cancel_at_period_end_resume_portal_and_cancel_now(service, world):
    clock = world.clock()
    created = _created(service, body(test_clock=clock))
    world.pay_elements(created["client_secret"])
    detail = f"{URL}{created['id']}/"

    cancel = service.post_json(f"{detail}cancel/", {"at_period_end": True})
    assert cancel.status_code == 202, cancel.content
    world.deliver()
    assert service.get(detail).json()["cancel_at_period_end"] is True

    assert service.post_json(f"{detail}resume/", {}).status_code == 202
    world.deliver()
    assert service.get(detail).json()["cancel_at_period_end"] is False

    portal = service.post_json(f"{detail}portal/", {"return_url": "https://shop.example/me"})
    assert portal.status_code == 200, portal.content
    assert portal.json()["url"].startswith(world.emulator.url)

    assert service.post_json(f"{detail}cancel/", {}).json()["error"]["param"] == "at_period_end"
    assert service.post_json(f"{detail}cancel/", {"at_period_end": False}).status_code == 202
    world.deliver()
    ended = service.get(detail).json()
    assert ended["status"] == "canceled" and ended["canceled_at"]

    again = service.post_json(f"{detail}cancel/", {"at_period_end": False})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "subscription_ended"


def test_a_repeated_cancel_with_one_key_calls_stripe_once(service, world):
    created = _created(service, body())
    world.pay_elements(created["client_secret"])
    cancel = f"{URL}{created['id']}/cancel/"

    first = service.post_json(cancel, {"at_period_end": True}, key="cancel-1")
    again = service.post_json(cancel, {"at_period_end": True}, key="cancel-1")

    assert (first.status_code, again.status_code) == (202, 202)
    assert again["Idempotent-Replayed"] == "true"
    updates = [e for e in world.emulator.events[world.delivered :]
               if e["type"] == "customer.subscription.updated"]  # fmt: skip
    assert len(updates) == 1


def test_a_subscription_id_that_is_not_a_uuid_is_404(service):
    assert service.get(f"{URL}{uuid.uuid4()}/").status_code == 404
    assert service.get(f"{URL}not-a-uuid/").status_code == 404


def test_a_trial_has_nothing_to_pay_yet(service, world):
    created = _created(service, body(trial_days=14, test_clock=world.clock()))

    assert created["client_secret"] is None
    assert created["status"] == "trialing"
    assert created["trial_end"].startswith("2026-01-29")
    assert created["invoices"] == []


def test_staff_see_every_owners_subscriptions(service, student, world, django_user_model):
    by_client = _created(service, body())["id"]
    by_person = _created(student, body(customer=None))["id"]
    staff = HTTPClient()
    staff.force_login(django_user_model.objects.create_user("ops", is_staff=True))

    listed = [row["id"] for row in staff.get(URL).json()["results"]]

    assert listed == [by_person, by_client]
    assert staff.get(f"{URL}{by_client}/").status_code == 200


def test_a_cancel_retried_after_a_lost_answer_succeeds(service, world):
    created = _created(service, body())
    world.pay_elements(created["client_secret"])
    cancel = f"{URL}{created['id']}/cancel/"
    world.emulator.drop_next("DELETE", f"/v1/subscriptions/{created['stripe_subscription_id']}")

    lost = service.post_json(cancel, {"at_period_end": False}, key="cancel-2")
    retried = service.post_json(cancel, {"at_period_end": False}, key="cancel-2")

    # A cancel is a DELETE, which Stripe does not replay: the retry finds it canceled.
    assert (lost.status_code, retried.status_code) == (503, 202), retried.content
    world.deliver()
    assert service.get(f"{URL}{created['id']}/").json()["status"] == "canceled"
