"""Tenant isolation: client B (and any other caller) cannot read or change what client A or a
user created, by id, by e-mail, by payee id or reference, or through a user's list.

Two API clients (``service`` = A, ``other_service`` = B) and users (``student``, ``teacher``,
``other_student``) probe every endpoint; a crossing lookup answers exactly as one for
something that does not exist.
"""

import uuid

import pytest

from payments.models import ConnectedAccount, Customer, PaymentSession, Refund
from payments.tests.fixtures import checkout_body
from payments.tests.people_support import onboard, onboarded_account, payment_body

pytestmark = pytest.mark.django_db
API = "/api/payments/"
ADA = {"email": "ada@example.com", "name": "Ada Lovelace", "phone": "+441234567"}


def _intent_body(**overrides) -> dict:
    body = checkout_body(**overrides)
    del body["success_url"], body["cancel_url"]
    return body


def _register_payee(client, stripe_emulator, reference: str) -> ConnectedAccount:
    response = client.post(f"{API}connect/accounts/", {"payee_reference": reference}, format="json")
    assert response.status_code == 201, response.content
    account_id = response.json()["account"]["stripe_account_id"]
    onboard(stripe_emulator, account_id)
    ConnectedAccount.objects.filter(stripe_account_id=account_id).update(charges_enabled=True)
    return ConnectedAccount.objects.get(stripe_account_id=account_id)


def _error(response) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error.get("param", "")


# -- sessions, status, refunds: by id ---------------------------------------------------------


def test_client_b_cannot_read_list_or_refund_client_a_sessions(shop, service, other_service):
    session = shop.paid_session()
    missing = uuid.uuid4()

    for path in ("sessions/{}/", "status/{}/", "sessions/{}/refunds/"):
        theirs = other_service.get(API + path.format(session.pk))
        nothing = other_service.get(API + path.format(missing))
        assert theirs.status_code == nothing.status_code == 404, path
        assert theirs.json() == nothing.json(), path  # no difference to learn from
        assert service.get(API + path.format(session.pk)).status_code == 200, path
    assert other_service.get(f"{API}sessions/").json()["results"] == []

    refund = other_service.post_json(f"{API}sessions/{session.pk}/refunds/", {"amount": 100})

    assert refund.status_code == 404
    assert not Refund.objects.exists()
    session.refresh_from_db()
    assert (session.status, session.amount_refunded) == ("succeeded", 0)


# -- customers: by e-mail ---------------------------------------------------------------------


def test_client_b_with_client_a_customer_email_sees_and_changes_nothing_of_a(
    service, other_service, stripe_emulator
):
    first = service.post_json(f"{API}checkout/", checkout_body(customer=ADA))
    assert first.status_code == 201, first.content

    second = other_service.post_json(
        f"{API}payment-intents/",
        _intent_body(customer={"email": "ADA@example.com", "name": "Mallory", "phone": "999"}),
    )
    only_email = other_service.post_json(
        f"{API}payment-intents/",
        _intent_body(customer={"email": "bob@example.com"}, payable_id="bk_43"),
    )

    assert second.status_code == 201, second.content
    assert second.json()["customer"] == {
        "email": "ada@example.com",
        "name": "Mallory",
        "phone": "999",
    }
    assert only_email.json()["customer"] == {"email": "bob@example.com", "name": "", "phone": ""}
    a_customer = Customer.objects.get(api_client=service.api_client)
    assert (a_customer.name, a_customer.phone) == ("Ada Lovelace", "+441234567")  # untouched
    b_customer = Customer.objects.get(api_client=other_service.api_client, email="ada@example.com")
    assert b_customer.pk != a_customer.pk
    assert b_customer.stripe_customer_id != a_customer.stripe_customer_id
    third = other_service.post_json(
        f"{API}payment-intents/", _intent_body(customer={"email": "bob@example.com"})
    )
    assert third.json()["customer"]["name"] == ""  # still nothing of anyone else's


def test_a_client_cannot_reach_a_user_through_the_user_email(
    other_service, student, stripe_emulator
):
    attached = student.post_json(f"{API}payment-methods/", {"payment_method": "pm_card_visa"})
    assert attached.status_code == 201, attached.content
    own = Customer.objects.get(user=student.user)
    customer = {"email": student.user.email, "name": "Filled by B", "phone": "123"}

    response = other_service.post_json(f"{API}payment-intents/", _intent_body(customer=customer))

    assert response.status_code == 201, response.content
    own.refresh_from_db()
    assert (own.name, own.phone) == ("", "")  # B filled nothing of the user's
    session = PaymentSession.objects.get(pk=response.json()["id"])
    assert session.customer_id != own.pk
    assert session.customer.stripe_customer_id != own.stripe_customer_id
    assert student.get(API).json()["results"] == []  # not the user's payment


# -- payees: by account id and by reference ---------------------------------------------------


def test_client_b_cannot_pay_client_a_payee_by_id_or_reference(
    service, other_service, stripe_emulator
):
    account = _register_payee(service, stripe_emulator, "cleaner-9")

    by_id = other_service.post_json(
        f"{API}payment-intents/", _intent_body(payee_account=account.stripe_account_id)
    )
    by_reference = other_service.post_json(
        f"{API}checkout/", checkout_body(payee_reference="cleaner-9")
    )
    unknown = other_service.post_json(f"{API}checkout/", checkout_body(payee_reference="nobody"))

    assert _error(by_id) == (400, "payee_not_found", "payee_account")
    assert _error(by_reference) == _error(unknown) == (400, "payee_not_found", "payee_reference")
    assert "cleaner-9" not in str(by_id.json())  # A's reference is never echoed
    assert not PaymentSession.objects.exists()
    mine = service.post_json(f"{API}checkout/", checkout_body(payee_reference="cleaner-9"))
    assert mine.status_code == 201 and mine.json()["payee_reference"] == "cleaner-9"


def test_client_b_registering_client_a_reference_gets_its_own_payee(
    service, other_service, stripe_emulator
):
    account = _register_payee(service, stripe_emulator, "cleaner-9")

    theirs = other_service.post(
        f"{API}connect/accounts/", {"payee_reference": "cleaner-9"}, format="json"
    )

    assert theirs.status_code == 201, theirs.content  # no "taken": nothing to learn
    assert theirs.json()["account"]["stripe_account_id"] != account.stripe_account_id
    own = ConnectedAccount.objects.get(api_client=other_service.api_client)
    assert own.payee_reference == "cleaner-9"
    not_ready = other_service.post_json(
        f"{API}checkout/", checkout_body(payee_reference="cleaner-9")
    )
    assert _error(not_ready)[1] == "payee_cannot_take_charges"  # B's own, not A's ready one


def test_users_pay_users_payees_but_never_a_client_private_payee(
    service, student, teacher, stripe_emulator
):
    private = _register_payee(service, stripe_emulator, "cleaner-9")
    public = onboarded_account(teacher, stripe_emulator)

    by_id = student.post_json(
        f"{API}process-payment/", payment_body(payee_account=private.stripe_account_id)
    )
    by_reference = student.post_json(
        f"{API}process-payment/", payment_body(payee_reference="cleaner-9")
    )
    to_teacher = student.post_json(
        f"{API}process-payment/", payment_body(payee_account=public.stripe_account_id)
    )

    assert _error(by_id) == (400, "payee_not_found", "payee_account")
    assert _error(by_reference) == (400, "payee_not_found", "payee_reference")
    assert to_teacher.status_code == 201, to_teacher.content
    assert PaymentSession.objects.get().connected_account == public


def test_a_client_cannot_pay_a_user_payee(other_service, teacher, stripe_emulator):
    account = onboarded_account(teacher, stripe_emulator)

    response = other_service.post_json(
        f"{API}checkout/", checkout_body(payee_account=account.stripe_account_id)
    )

    assert _error(response) == (400, "payee_not_found", "payee_account")


# -- people: lists, details, cards ------------------------------------------------------------


def test_a_user_sees_only_their_own_payments_and_cards(
    student, other_student, teacher, stripe_emulator
):
    account = onboarded_account(teacher, stripe_emulator)
    card = student.post_json(f"{API}payment-methods/", {"payment_method": "pm_card_visa"}).json()
    paid = student.post_json(
        f"{API}process-payment/",
        payment_body(payee_account=account.stripe_account_id, metadata={"note": "private"}),
    ).json()

    assert other_student.get(API).json()["results"] == []
    assert other_student.get(f"{API}{paid['id']}/").status_code == 404
    assert other_student.get(f"{API}payment-methods/").json() == []
    for method, path in [("delete", f"{card['id']}/"), ("post", f"{card['id']}/default/")]:
        response = getattr(other_student, method)(f"{API}payment-methods/{path}")
        assert response.status_code == 404, (method, response.content)
    assert [c["id"] for c in student.get(f"{API}payment-methods/").json()] == [card["id"]]


def test_a_payee_sees_amounts_and_dates_but_not_the_payer_card_or_receipt(
    student, teacher, stripe_emulator
):
    account = onboarded_account(teacher, stripe_emulator)
    body = payment_body(payee_account=account.stripe_account_id, metadata={"note": "private"})
    paid = student.post_json(f"{API}process-payment/", body).json()
    session = PaymentSession.objects.get(pk=paid["id"])
    session.receipt_url = "https://pay.stripe.com/receipts/secret"
    session.card_brand, session.card_last4 = "visa", "4242"  # as the charge webhook sets them
    session.card_exp_month, session.card_exp_year = 12, 2030
    session.save()

    as_payer = student.get(f"{API}{paid['id']}/").json()
    as_payee = teacher.get(f"{API}{paid['id']}/").json()

    assert as_payer["card_last4"] == "4242" and as_payer["metadata"] == {"note": "private"}
    assert as_payer["receipt_url"] == session.receipt_url
    assert as_payee["role"] == "payee"
    assert (as_payee["amount"], as_payee["payee_amount"], as_payee["status"]) == (
        as_payer["amount"],
        as_payer["payee_amount"],
        as_payer["status"],
    )
    assert as_payee["created_at"] == as_payer["created_at"]
    assert as_payee["paid_at"] == as_payer["paid_at"]
    hidden = {
        "customer": None,
        "card_brand": "",
        "card_last4": "",
        "card_exp_month": None,
        "card_exp_year": None,
        "receipt_url": None,  # null when absent or hidden, as the schema says (nullable uri)
        "metadata": {},
        "description": "",
        "stripe_payment_intent_id": None,
        "stripe_charge_id": None,
    }
    assert {name: as_payee[name] for name in hidden} == hidden
    assert set(as_payee) == set(as_payer)  # the same documented shape
