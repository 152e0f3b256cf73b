"""Fixtures of the emulator's own tests: one emulator per module, reset for each test, the real
SDK pointed at it, and a webhook receiver. Plain pytest: no Django needed."""

import pytest

from payments.tests.emulator.support import WebhookReceiver, fresh, running_emulator, sdk


@pytest.fixture(scope="module")
def server():
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def emu(server):
    """Strict: the test fails at teardown if the emulator raised while answering it."""
    emulator = fresh(server)
    yield emulator
    emulator.check_no_bugs()


@pytest.fixture
def client(emu):
    """The real ``stripe`` SDK against the emulator (shadows pytest-django's ``client`` here)."""
    return sdk(emu)


@pytest.fixture
def receiver(emu):
    endpoint = WebhookReceiver()
    emu.webhook_url = endpoint.url
    yield endpoint
    endpoint.close()


@pytest.fixture
def clock(client):
    """A test clock frozen at 2026-01-15 12:00 UTC (subscription tests)."""
    return client.v1.test_helpers.test_clocks.create(
        params={"frozen_time": 1768478400, "name": "subscriptions"}
    )


@pytest.fixture
def product(client):
    return client.v1.products.create(params={"name": "Membership"})
