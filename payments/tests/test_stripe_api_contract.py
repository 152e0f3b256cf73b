"""Every adapter function, with every optional argument, against the strict emulator: none of
its parameters is refused by the contract derived from the SDK's types (issue 10)."""

import inspect
import time

import pytest
import requests

from payments import exceptions as exc
from payments import stripe_api

pytestmark = pytest.mark.usefixtures("stripe_emulator")

# Public names of the adapter that make no Stripe request.
NOT_STRIPE_CALLS = {"StripeResult", "idempotency_key", "sdk_api_version", "webhook_event_verify"}
# What a refused parameter looks like; a business error (a decline, a missing object) is fine.
PARAMETER_CODES = {"parameter_unknown", "parameter_missing", "parameter_invalid_integer",
                   "parameter_invalid_string", "parameter_invalid_empty",
                   "payment_method_types_no_longer_supported"}  # fmt: skip


def _public_functions() -> set[str]:
    return {
        name
        for name in stripe_api.__all__
        if name not in NOT_STRIPE_CALLS and inspect.isfunction(getattr(stripe_api, name))
    }


class Exercise:
    """Calls adapter functions, checks each call passes every optional argument, and records
    what was exercised."""

    def __init__(self) -> None:
        self.called: set[str] = set()

    def __call__(self, name: str, /, *args, **kwargs):
        function = getattr(stripe_api, name)
        optional = {
            p.name
            for p in inspect.signature(function).parameters.values()
            if p.default is not inspect.Parameter.empty
        }
        assert optional <= set(kwargs), f"{name}: not exercised with {optional - set(kwargs)}"
        self.called.add(name)
        try:
            return function(*args, **kwargs)
        except exc.InvalidProviderRequest as error:
            refused = error.code in PARAMETER_CODES or "parameter" in str(error).lower()
            assert not refused, f"{name}: Stripe would refuse our parameters: {error}"
            raise


def _onboarded_account(run: Exercise, emulator) -> str:
    account = run("account_create", owner_key="user:1", account_type="express",
                  email="payee@example.com", country="GB").id  # fmt: skip
    response = requests.post(f"{emulator.url}/_emulator/accounts/{account}/onboard", timeout=30)
    assert response.status_code == 200, response.text
    return account


def _customer_calls(run: Exercise) -> tuple[str, str]:
    customer = run("customer_create", customer_id=1, email="ada@example.com", name="Ada",
                   phone="+441234567890", test_clock="").id  # fmt: skip
    run("customer_retrieve", customer)
    card = run("payment_method_attach", request_id=1, stripe_customer_id=customer,
               payment_method="pm_card_visa").id  # fmt: skip
    run("customer_default_payment_method_set", customer_id=1, stripe_customer_id=customer,
        payment_method=card, request_id=2)  # fmt: skip
    run("customer_payment_method_list", stripe_customer_id=customer, limit=10)
    run("payment_method_retrieve", card)
    return customer, card


def _payment_calls(run: Exercise, customer: str, card: str, account: str) -> str:
    destination = {"application_fee_amount": 100, "transfer_data": {"destination": account}}
    checkout = run("checkout_session_create", session_id="s-1", amount=2500, currency="gbp",
                   description="Deposit", success_url="https://shop.example/ok",
                   cancel_url="https://shop.example/no", expires_at=int(time.time()) + 86400,
                   stripe_customer_id=customer, metadata={"order": "A-1"},
                   destination_params=destination, attempt=1).id  # fmt: skip
    run("checkout_session_retrieve", checkout)
    run("checkout_session_expire", session_id="s-1", stripe_id=checkout)
    for off_session, return_url in ((True, None), (False, "https://shop.example/back"),
                                    (False, None)):  # fmt: skip
        intent = run("payment_intent_create", session_id=f"s-{off_session}-{return_url}",
                     amount=2500, currency="gbp", description="Deposit",
                     stripe_customer_id=customer, metadata={"order": "A-1"}, payment_method=card,
                     confirm=True, off_session=off_session, save_payment_method=not off_session,
                     return_url=return_url, destination_params=destination,
                     attempt=0)  # fmt: skip
        assert intent.data["status"] == "succeeded"
    run("payment_intent_retrieve", intent.id)
    pending = run("payment_intent_create", session_id="s-3", amount=900, currency="gbp",
                  description="", stripe_customer_id=None, metadata=None, payment_method=None,
                  confirm=False, off_session=False, save_payment_method=False,
                  return_url=None, destination_params=None, attempt=2)  # fmt: skip
    run("payment_intent_cancel", session_id="s-3", stripe_id=pending.id)
    return intent.data["latest_charge"]


def _window_lists(run: Exercise) -> None:
    """The created-window lists, one object per page, so every page after the first is
    fetched too."""
    window = {"created_gte": 0, "created_lt": int(time.time()) + 60, "page_size": 1}
    for name, at_least in (("checkout_session_iter", 1), ("payment_intent_iter", 4),
                           ("balance_transaction_iter", 4)):  # fmt: skip
        objects = list(run(name, **window))
        assert len(objects) >= at_least, name
        assert len({obj["id"] for obj in objects}) == len(objects), name
    assert list(run("payment_intent_iter", created_gte=0, created_lt=1, page_size=1)) == []


def _finders(run: Exercise, customer: str, charge: dict, refund) -> None:
    """What a request for one of our rows made, found by the row's metadata."""
    found = run("refund_find", payment_intent=charge["payment_intent"], refund_id=1)
    assert found["id"] == refund.id
    assert run("refund_find", payment_intent=charge["payment_intent"], refund_id=2) is None
    intent = run("payment_intent_find", session_id="s-3", created_gte=0, stripe_customer_id=None)
    assert intent["metadata"]["payments_session_id"] == "s-3"
    checkout = run("checkout_session_find", session_id="s-1", created_gte=0,
                   stripe_customer_id=customer)  # fmt: skip
    assert checkout["metadata"]["payments_session_id"] == "s-1"
    assert run("checkout_session_find", session_id="s-1", created_gte=int(time.time()) + 60,
               stripe_customer_id=customer) is None  # fmt: skip


def test_every_adapter_function_is_accepted_by_the_contract(stripe_emulator):
    run = Exercise()
    account = _onboarded_account(run, stripe_emulator)
    run("account_retrieve", account)
    run(
        "account_link_create",
        request_id=1,
        account=account,
        refresh_url="https://shop.example/refresh",
        return_url="https://shop.example/return",
    )
    customer, card = _customer_calls(run)
    charge_id = _payment_calls(run, customer, card, account)
    charge = run("charge_retrieve", charge_id).data
    run("balance_transaction_retrieve", charge["balance_transaction"]["id"])
    run("transfer_retrieve", charge["transfer"])
    run("application_fee_retrieve", charge["application_fee"])
    refund = run("refund_create", refund_id=1, session_id="s-1",
                 payment_intent=charge["payment_intent"], amount=500,
                 reason="requested_by_customer", reverse_transfer=True, attempt=1)  # fmt: skip
    first = run("refund_list", charge=charge_id, starting_after=None, limit=10)
    assert first.data["data"][0]["id"] == refund.id
    run("refund_list", charge=charge_id, starting_after=refund.id, limit=10)
    refunds = list(run("charge_refund_iter", charge=charge_id, page_size=1))
    assert [r["id"] for r in refunds] == [refund.id]
    assert isinstance(refunds[0]["balance_transaction"], dict)
    _window_lists(run)
    _finders(run, customer, charge, refund)
    _payout_contents(run, stripe_emulator)
    _billing_calls(run, account)
    events = run("event_list", created_gte=0, starting_after=None, limit=5).data["data"]
    run("event_list", created_gte=0, starting_after=events[-1]["id"], limit=5)
    run("payment_method_detach", customer_id=1, payment_method=card)
    assert stripe_emulator.take_bugs() == []
    # A new adapter function fails this test until it is exercised here.
    assert run.called == _public_functions()


def _payout_contents(run: Exercise, emulator) -> None:
    """An automatic payout's balance transactions, one per page: they add up to its amount."""
    response = requests.post(
        f"{emulator.url}/_emulator/payouts/run", data={"currency": "gbp"}, timeout=30
    )
    assert response.status_code == 200, response.text
    payout = response.json()
    rows = list(run("payout_balance_transaction_iter", payout=payout["id"], stripe_account="",
                    page_size=1))  # fmt: skip
    assert [row["amount"] for row in rows if row["type"] == "payout"] == [-payout["amount"]]
    assert sum(row["net"] for row in rows if row["type"] != "payout") == payout["amount"]


def _billing_calls(run: Exercise, account: str) -> None:
    """A subscription on a test clock: created (inline price, then an existing price), its
    cancellation scheduled and undone, cancelled, its invoice and a portal session; one to a
    payee (``account``) through each flow."""
    clock = run("test_clock_create", request_id=1, frozen_time=int(time.time()), name="c").id
    customer = run("customer_create", customer_id=2, email="sub@example.com", name="",
                   phone="", test_clock=clock).id  # fmt: skip
    price = run("price_create", request_id="sub-1", amount=1500, currency="gbp",
                interval="month", interval_count=1, product_name="Gym").id  # fmt: skip
    assert run("price_retrieve", price).data["recurring"]["interval"] == "month"
    common = {"stripe_customer_id": customer, "metadata": {"plan": "gold"}}
    connect = {"application_fee_percent": 4.53, "transfer_data": {"destination": account}}
    made = run("subscription_create", subscription_id="sub-1", price=price, trial_days=None,
               connect_params=None, **common).data  # fmt: skip
    invoice = made["latest_invoice"]
    assert invoice["confirmation_secret"]["client_secret"]
    paid_out = run("subscription_create", subscription_id="sub-4", price=price, trial_days=None,
                   connect_params=connect, **common).data  # fmt: skip
    assert paid_out["latest_invoice"]["application_fee_amount"] == 68
    assert paid_out["latest_invoice"]["transfer_data"]["destination"] == account
    trial = run("subscription_create", subscription_id="sub-2", price=price, trial_days=7,
                connect_params=None, **common).data  # fmt: skip
    assert trial["status"] == "trialing"
    run("subscription_retrieve", made["id"])
    run("subscription_cancel_at_period_end_set", request_id=1, stripe_id=trial["id"],
        cancel_at_period_end=True)  # fmt: skip
    run("subscription_cancel_at_period_end_set", request_id=2, stripe_id=trial["id"],
        cancel_at_period_end=False)  # fmt: skip
    run("subscription_cancel", request_id=1, stripe_id=trial["id"])
    checkout = run("checkout_session_create_subscription", subscription_id="sub-3",
                   stripe_customer_id=customer, price=price, success_url="https://shop.example/ok",
                   cancel_url="https://shop.example/no", trial_days=3,
                   metadata={"plan": "gold"}, connect_params=connect).data  # fmt: skip
    assert checkout["mode"] == "subscription" and checkout["url"]
    assert run("invoice_retrieve", invoice["id"]).data["payments"]["data"]
    portal = run("billing_portal_session_create", request_id=1, stripe_customer_id=customer,
                 return_url="https://shop.example/account")  # fmt: skip
    assert portal.data["url"]
