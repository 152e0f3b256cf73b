"""Pytest fixtures for projects that use ``payments``: the Stripe emulator wired into settings.

Enable with ``pytest_plugins = ["payments.testing.pytest_plugin"]`` in a ``conftest.py``.
"""

import os

import pytest

EMULATOR_API_KEY = "sk_test_emulator"
EMULATOR_WEBHOOK_SECRET = "whsec_test_emulator_secret"


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (row locks, real concurrency)")


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests skip on SQLite, and fail in CI (where PostgreSQL is promised)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    reason = "needs PostgreSQL (set DATABASE_URL=postgres://...); SQLite has no row locks"
    for item in items:
        if "postgres" not in item.keywords:
            continue
        if os.environ.get("CI"):
            item.add_marker(pytest.mark.usefixtures("_fail_without_postgres"))
        else:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _fail_without_postgres():
    pytest.fail("CI is set but the database is not PostgreSQL: set DATABASE_URL.")


@pytest.fixture(scope="session")
def stripe_emulator_server():
    from stripe_emulator import StripeEmulator

    # Strict: an exception inside the emulator fails the test that caused it (at teardown)
    # instead of reaching the code under test as a Stripe 500.
    emulator = StripeEmulator(webhook_secret=EMULATOR_WEBHOOK_SECRET, strict=True)
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def stripe_emulator(stripe_emulator_server, settings):
    """A clean emulator, with the payments settings pointing the real SDK at it.

    In strict mode (the default here) the test fails at teardown with the traceback of any
    exception raised inside the emulator while it ran."""
    emulator = stripe_emulator_server
    emulator.reset()
    emulator.take_bugs()
    emulator.webhook_url = None
    emulator.webhook_secret = EMULATOR_WEBHOOK_SECRET
    settings.PAYMENTS = {
        **getattr(settings, "PAYMENTS", {}),
        "STRIPE_SECRET_KEY": EMULATOR_API_KEY,
        "STRIPE_API_BASE": emulator.url,
        "STRIPE_WEBHOOK_SECRETS": [EMULATOR_WEBHOOK_SECRET],
        "STRIPE_MAX_NETWORK_RETRIES": 0,
        "STRIPE_TIMEOUT_SECONDS": 10,
    }
    yield emulator
    emulator.wait_for_webhooks(timeout=10)
    emulator.check_no_bugs()
