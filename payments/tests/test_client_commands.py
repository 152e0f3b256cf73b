"""The API client and idempotency-key management commands."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from payments.models import APIClient, APIClientKey, IdempotencyKey
from payments.tests.fixtures import ServiceClient

pytestmark = pytest.mark.django_db


def test_create_api_client_json_prints_working_credentials(capsys):
    call_command(
        "create_api_client", "bookings", "--callback-url", "https://b.example.com/cb/", "--json"
    )

    printed = json.loads(capsys.readouterr().out)
    client = APIClient.objects.get(name="bookings")
    assert printed["callback_secret"] == client.callback_secret
    assert printed["callback_url"] == "https://b.example.com/cb/"
    assert APIClientKey.objects.get_from_key(printed["api_key"]).client == client
    # The key is stored hashed, never in clear.
    assert not APIClientKey.objects.filter(hashed_key__contains=printed["api_key"]).exists()
    creds = type("C", (), {"client": client, "api_key": printed["api_key"]})
    assert ServiceClient(creds).get("/api/payments/sessions/").status_code == 200


def test_create_api_client_human_output_and_payable_types(capsys):
    call_command(
        "create_api_client", "shop", "--payable-type", "order", "--payable-type", "invoice"
    )

    out = capsys.readouterr().out
    assert "API key:" in out and "Callback secret:" in out
    assert APIClient.objects.get(name="shop").allowed_payable_types == ["order", "invoice"]


def test_create_api_client_refuses_duplicates_and_bad_urls():
    call_command("create_api_client", "shop")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_api_client", "shop")
    with pytest.raises(CommandError, match="callback-url"):
        call_command("create_api_client", "other", "--callback-url", "ftp://x")


def _key(name: str) -> IdempotencyKey:
    return IdempotencyKey.objects.create(
        scope="client:1",
        key=name,
        request_method="POST",
        request_path="/x",
        request_fingerprint="f",
    )


def test_purge_idempotency_keys_removes_only_old_ones(capsys):
    with time_machine.travel(timezone.now() - timedelta(hours=80)):
        _key("old")
    with time_machine.travel(timezone.now() - timedelta(hours=30)):
        _key("yesterday")
    _key("fresh")

    call_command("purge_idempotency_keys", "--older-than", "72h")

    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh", "yesterday"]
    assert "Deleted 1" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["2h", "23h", "soon"])
def test_purge_refuses_to_drop_keys_younger_than_a_day(value):
    with pytest.raises(CommandError, match="older-than"):
        call_command("purge_idempotency_keys", "--older-than", value)
