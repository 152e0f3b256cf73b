"""Callback URLs cannot be aimed inside: https to public addresses, at registration and at
delivery (the address actually connected to), no redirects, a short sanitised excerpt."""

import socket

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from payments.models import APIClient, CallbackAttempt, CallbackEvent
from payments.models.callbacks import CallbackStatus
from payments.services.clients import api_client_create
from payments.states import PaymentStatus
from payments.testing.factories import APIClientFactory, PaymentSessionFactory
from payments.testing.tasks import run_queued_tasks
from payments.tests.callback_support import callback_receiver, move

pytestmark = pytest.mark.django_db
__all__ = ["callback_receiver"]

INSIDE = [
    "https://127.0.0.1/cb",
    "https://[::1]/cb",
    "https://localhost/cb",
    "https://10.1.2.3/cb",
    "https://192.168.0.10/cb",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::ffff:127.0.0.1]/cb",
    "https://0.0.0.0/cb",
]


@pytest.fixture
def private_off(settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "ALLOW_PRIVATE_CALLBACKS": False}


@pytest.fixture
def resolver(monkeypatch):
    """Host names the test controls: ``resolver["name"] = "1.2.3.4"`` (others resolve as usual)."""
    answers: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return real(answers[host], port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.mark.parametrize("url", INSIDE)
def test_inside_addresses_are_refused_at_registration(private_off, url):
    with pytest.raises(ValidationError, match="not a public address"):
        api_client_create(name="shop", callback_url=url)
    with pytest.raises(CommandError, match="not a public address"):
        call_command("create_api_client", "shop2", "--callback-url", url, stdout=None)
    with pytest.raises(ValidationError):
        APIClient(name="shop3", callback_url=url).full_clean()  # the admin's form
    assert not APIClient.objects.exists()


def test_http_is_refused_and_https_on_a_public_address_is_accepted(private_off):
    with pytest.raises(ValidationError, match="https"):
        api_client_create(name="plain", callback_url="http://93.184.216.34/cb")

    created = api_client_create(name="shop", callback_url="https://93.184.216.34/cb")

    assert created.client.callback_url == "https://93.184.216.34/cb"


def test_a_name_that_resolves_inside_is_refused_at_registration(private_off, resolver):
    resolver["intranet.example"] = "10.0.0.7"

    with pytest.raises(ValidationError, match=r"10\.0\.0\.7"):
        api_client_create(name="shop", callback_url="https://intranet.example/cb")


def _succeeded_callback(client) -> CallbackEvent:
    session = PaymentSessionFactory(api_client=client)
    move(session, PaymentStatus.PENDING, PaymentStatus.SUCCEEDED)
    return CallbackEvent.objects.get(session=session, type="payment.succeeded")


def test_dns_rebinding_to_loopback_is_refused_at_delivery(private_off, resolver, callback_receiver):
    port = callback_receiver._server.server_address[1]
    resolver["rebind.example"] = "93.184.216.34"  # public when registered ...
    url = f"https://rebind.example:{port}/callbacks/"
    client = api_client_create(name="shop", callback_url=url).client
    resolver["rebind.example"] = "127.0.0.1"  # ... the receiver's loopback when delivered
    callback = _succeeded_callback(client)

    run_queued_tasks()

    assert callback_receiver.requests == []  # never reached: refused on the connected socket
    attempt = CallbackAttempt.objects.get(callback=callback)
    assert attempt.status_code is None and "not on a public address" in attempt.error
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.FAILED  # not retried


@pytest.mark.parametrize("host", ["127.0.0.1", "[::ffff:127.0.0.1]"])
def test_a_stored_inside_url_is_refused_at_delivery(private_off, callback_receiver, host):
    port = callback_receiver._server.server_address[1]
    client = APIClientFactory(callback_url=f"https://{host}:{port}/callbacks/")  # pre-dates checks
    callback = _succeeded_callback(client)

    run_queued_tasks()

    assert callback_receiver.requests == []
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.FAILED
    assert "not a public address" in callback.last_error


def test_http_is_refused_at_delivery_without_the_development_flag(private_off, callback_receiver):
    callback = _succeeded_callback(APIClientFactory(callback_url=callback_receiver.url))

    run_queued_tasks()

    assert callback_receiver.requests == []
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.FAILED and "https" in callback.last_error


def test_a_failed_answer_is_kept_as_its_status_and_a_short_printable_excerpt(callback_receiver):
    callback_receiver.default_status = 400
    callback_receiver.response_body = b"secret\x00\x1b[31m" + b"A" * 5000
    callback = _succeeded_callback(APIClientFactory(callback_url=callback_receiver.url))

    run_queued_tasks()

    callback.refresh_from_db()
    assert callback.last_status_code == 400
    excerpt = callback.last_error.removeprefix("HTTP 400: ")
    assert len(excerpt) <= 200 and excerpt.isprintable()
    assert excerpt.startswith("secret") and "\x1b" not in callback.last_error


def test_the_development_flag_warns_when_debug_is_off(settings):
    settings.DEBUG = False
    settings.PAYMENTS = {**settings.PAYMENTS, "ALLOW_PRIVATE_CALLBACKS": True}
    assert "payments.W030" in {message.id for message in run_checks()}

    settings.PAYMENTS = {**settings.PAYMENTS, "ALLOW_PRIVATE_CALLBACKS": False}
    assert "payments.W030" not in {message.id for message in run_checks()}
