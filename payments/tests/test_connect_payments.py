"""Marketplace payments: destination charges with the platform fee, in Stripe and the ledger."""

import pytest

from payments.models import ConnectedAccount, PaymentSession, Transaction
from payments.services.refunds import refund_create
from payments.testing.tasks import run_queued_tasks
from payments.tests.fixtures import checkout_body
from payments.tests.people_support import onboard, onboarded_account, payment_body

pytestmark = pytest.mark.django_db
PROCESS = "/api/payments/process-payment/"


@pytest.fixture
def platform_fee(settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "PLATFORM_FEE": {"default": "10%", "job": "15%"}}


def deliver_and_settle(stripe_emulator, webhooks, since=0):
    """Stripe's webhooks for what happened so far, then the background tasks they queue."""
    webhooks.deliver(*stripe_emulator.events[since:])
    run_queued_tasks()
    return len(stripe_emulator.events)


def ledger(session) -> list[tuple[str, int]]:
    rows = Transaction.objects.filter(session=session).order_by("id")
    return [(row.kind, row.gross) for row in rows]


def test_process_payment_to_a_teacher_is_a_destination_charge(
    student, teacher, stripe_emulator, stripe_sdk, platform_fee
):
    account = onboarded_account(teacher, stripe_emulator)

    response = student.post_json(PROCESS, payment_body(payee_account=account.stripe_account_id))

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["platform_fee"], data["payee_amount"], data["payee_account"]) == (
        500,
        4500,
        account.stripe_account_id,
    )
    intent = stripe_sdk.v1.payment_intents.retrieve(data["stripe_payment_intent_id"])
    assert intent.application_fee_amount == 500
    assert intent.transfer_data.destination == account.stripe_account_id
    charge = stripe_sdk.v1.charges.retrieve(intent.latest_charge)
    assert stripe_sdk.v1.application_fees.retrieve(charge.application_fee).amount == 500


def test_checkout_for_a_registered_payee_uses_the_payable_type_fee(
    service, stripe_emulator, stripe_sdk, platform_fee
):
    service.post("/api/payments/connect/accounts/", {"payee_reference": "cleaner-9"}, format="json")
    account = ConnectedAccount.objects.get()
    onboard(stripe_emulator, account.stripe_account_id)
    ConnectedAccount.objects.update(charges_enabled=True)
    body = checkout_body(payable_type="job", amount=10000, payee_reference="cleaner-9")

    response = service.post_json("/api/payments/checkout/", body)

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["platform_fee"], data["payee_amount"]) == (1500, 8500)
    assert data["payee_reference"] == "cleaner-9"
    session = stripe_sdk.v1.checkout.sessions.retrieve(data["stripe_checkout_session_id"])
    assert session.id == data["stripe_checkout_session_id"]


def test_a_per_client_fee_overrides_the_global_policy(service, stripe_emulator, platform_fee):
    # The client pays its own registered payee (formerly a user's account: clients may no
    # longer name payees they did not register).
    service.post("/api/payments/connect/accounts/", {"payee_reference": "tutor-1"}, format="json")
    account = ConnectedAccount.objects.get()
    onboard(stripe_emulator, account.stripe_account_id)
    ConnectedAccount.objects.update(charges_enabled=True)
    service.api_client.platform_fee = "12.5%+20"
    service.api_client.save()
    body = checkout_body(amount=2000, payee_account=account.stripe_account_id)
    del body["success_url"], body["cancel_url"]

    data = service.post_json("/api/payments/payment-intents/", body).json()

    assert (data["platform_fee"], data["payee_amount"]) == (270, 1730)


@pytest.mark.parametrize(
    ("payee", "code"),
    [
        ({"payee_account": "acct_unknown"}, "payee_not_found"),
        ({"payee_reference": "nobody"}, "payee_not_found"),
    ],
)
def test_an_unknown_payee_is_400(student, stripe_emulator, payee, code):
    response = student.post_json(PROCESS, payment_body(**payee))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert not PaymentSession.objects.exists()


def test_a_payee_that_has_not_finished_onboarding_cannot_be_paid(student, teacher, stripe_emulator):
    teacher.post("/api/payments/connect/accounts/", {}, format="json")
    account_id = teacher.get("/api/payments/connect/accounts/me/").json()["stripe_account_id"]

    response = student.post_json(PROCESS, payment_body(payee_account=account_id))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "payee_cannot_take_charges"


def test_the_ledger_books_the_transfer_and_the_fee_and_refunds_reverse_them(
    student, teacher, stripe_emulator, webhooks, platform_fee
):
    account = onboarded_account(teacher, stripe_emulator)
    data = student.post_json(
        PROCESS, payment_body(amount=1000, payee_account=account.stripe_account_id)
    ).json()
    session = PaymentSession.objects.get(pk=data["id"])
    seen = deliver_and_settle(stripe_emulator, webhooks)

    session.refresh_from_db()
    charge_fee = Transaction.objects.get(session=session, kind="charge").fee
    assert ledger(session) == [("charge", 1000), ("transfer", -1000), ("application_fee", 100)]
    assert session.stripe_transfer_id.startswith("tr_")
    assert session.stripe_application_fee_id.startswith("fee_")
    rows = Transaction.objects.filter(session=session)
    assert sum(row.net for row in rows) == 100 - charge_fee  # the platform keeps its fee

    refund_create(session_id=session.pk, amount=400, reason="", requested_by="test")
    seen = deliver_and_settle(stripe_emulator, webhooks, seen)
    refund_create(session_id=session.pk, amount=None, reason="", requested_by="test")
    deliver_and_settle(stripe_emulator, webhooks, seen)

    session.refresh_from_db()
    assert session.status == "refunded"
    kinds = {}
    for kind, gross in ledger(session):
        kinds.setdefault(kind, []).append(gross)
    assert kinds["refund"] == [-400, -600]
    assert kinds["transfer"] == [-1000, 400, 600]  # reversed in proportion
    assert kinds["application_fee"] == [100, -40, -60]
    assert sum(kinds["transfer"]) == sum(kinds["application_fee"]) == 0


def test_payees_see_what_they_are_paid(student, teacher, stripe_emulator, platform_fee):
    account = onboarded_account(teacher, stripe_emulator)
    paid = student.post_json(PROCESS, payment_body(payee_account=account.stripe_account_id)).json()

    as_payee = teacher.get("/api/payments/?role=payee").json()["results"]
    as_cleaner = teacher.get("/api/payments/?user_type=cleaner").json()["results"]

    assert [p["id"] for p in as_payee] == [p["id"] for p in as_cleaner] == [paid["id"]]
    assert as_payee[0]["role"] == "payee" and as_payee[0]["payee_amount"] == 4500
    assert as_payee[0]["customer"] is None  # the payer's contact details stay private
    assert teacher.get("/api/payments/?role=payer").json()["results"] == []
