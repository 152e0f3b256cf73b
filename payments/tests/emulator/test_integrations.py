"""What any Stripe integration needs beyond ours: the platform account, webhook endpoints
with their own secrets and event filters, and `expand` for every field the SDK marks
expandable."""

from __future__ import annotations

import pytest
import stripe

from payments.tests.emulator.support import WebhookReceiver, paid_intent, pay, session_params
from stripe_emulator.sdk_types import expandable_fields


def test_get_account_answers_the_platform_account(client):
    account = client.v1.accounts.retrieve_current()

    assert account.id.startswith("acct_") and account.charges_enabled
    assert account.controller.type == "account"
    assert {"branding", "card_payments", "dashboard", "payments"} <= set(account.settings.to_dict())
    assert client.v1.accounts.retrieve_current().id == account.id  # one platform
    assert account.id not in [acct.id for acct in client.v1.accounts.list().data]


def test_connected_accounts_say_who_controls_them(client):
    account = client.v1.accounts.create(params={"type": "express", "country": "GB"})
    assert account.controller.type == "application"
    assert account.controller.stripe_dashboard.type == "express"
    assert account.settings.dashboard.timezone


def test_webhook_endpoints_create_list_retrieve_update_delete(client):
    made = client.v1.webhook_endpoints.create(
        params={"url": "https://shop.example/hooks", "enabled_events": ["charge.succeeded"],
                "description": "shop", "metadata": {"env": "test"}}
    )  # fmt: skip
    assert made.secret.startswith("whsec_") and made.status == "enabled"

    fetched = client.v1.webhook_endpoints.retrieve(made.id)
    assert "secret" not in fetched.to_dict()  # shown once, on create
    assert client.v1.webhook_endpoints.list().data[0].id == made.id
    updated = client.v1.webhook_endpoints.update(
        made.id, params={"enabled_events": ["*"], "disabled": True}
    )
    assert (updated.enabled_events, updated.status) == (["*"], "disabled")

    deleted = client.v1.webhook_endpoints.delete(made.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.webhook_endpoints.retrieve(made.id)
    assert missing.value.http_status == 404


def test_a_bad_endpoint_is_refused_naming_the_parameter(client):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.webhook_endpoints.create(params={"url": "not a url", "enabled_events": ["*"]})
    assert raised.value.param == "url"


def test_events_reach_every_enabled_endpoint_filtered_and_signed_with_its_own_secret(
    client, emu, receiver
):
    every, charges, off = WebhookReceiver(), WebhookReceiver(), WebhookReceiver()
    try:
        for endpoint, events in ((every, ["*"]), (charges, ["charge.succeeded"]), (off, ["*"])):
            made = client.v1.webhook_endpoints.create(
                params={"url": endpoint.url, "enabled_events": events}
            )
            endpoint.secret = made.secret  # the receiver verifies with this endpoint's secret
            if endpoint is off:
                client.v1.webhook_endpoints.update(made.id, params={"disabled": True})

        paid_intent(client)
        assert emu.wait_for_webhooks(timeout=10)

        assert receiver.types == every.types  # --forward-to and "*" get everything
        assert {"payment_intent.succeeded", "charge.succeeded"} <= set(every.types)
        assert charges.types == ["charge.succeeded"]
        assert off.types == []
        assert not (every.errors or charges.errors or receiver.errors)
        assert emu.events[-1]["pending_webhooks"] == 0
    finally:
        for endpoint in (every, charges, off):
            endpoint.close()


def test_checkout_session_expands_what_other_clients_ask_for(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    pay(emu, session.id)

    expanded = client.v1.checkout.sessions.retrieve(
        session.id,
        params={"expand": ["total_details.breakdown", "line_items.data.discounts",
                           "line_items.data.taxes", "payment_intent", "customer"]},
    )  # fmt: skip

    assert expanded.total_details.breakdown.to_dict() == {"discounts": [], "taxes": []}
    assert expanded.line_items.data[0].discounts == []
    assert expanded.payment_intent.object == "payment_intent"
    assert expanded.customer is None or expanded.customer.object == "customer"


def _served(client, emu):
    session = client.v1.checkout.sessions.create(params=session_params())
    pay(emu, session.id)
    intent = paid_intent(client, card="pm_card_createDispute")
    charge = client.v1.charges.retrieve(intent.latest_charge)
    refund = client.v1.refunds.create(params={"payment_intent": paid_intent(client).id})
    return {
        "checkout.sessions": (stripe.checkout.Session, session.id),
        "payment_intents": (stripe.PaymentIntent, intent.id),
        "charges": (stripe.Charge, charge.id),
        "refunds": (stripe.Refund, refund.id),
        "disputes": (stripe.Dispute, client.v1.disputes.list().data[0].id),
        "balance_transactions": (stripe.BalanceTransaction, charge.balance_transaction),
        "payment_methods": (stripe.PaymentMethod, intent.payment_method),
    }


def test_every_field_the_sdk_marks_expandable_can_be_expanded(client, emu):
    for resource, (cls, object_id) in _served(client, emu).items():
        service = client.v1
        for part in resource.split("."):
            service = getattr(service, part)
        fields = sorted(expandable_fields(cls.OBJECT_NAME))
        assert fields, resource
        plain = service.retrieve(object_id).to_dict()
        expanded = service.retrieve(object_id, params={"expand": fields}).to_dict()
        for field in fields:
            if isinstance(plain.get(field), str):
                assert isinstance(expanded[field], dict), f"{resource}.{field}"
                assert expanded[field]["id"] == plain[field]
