"""Parametrizes every contract test over the backends it can run on (see `backends.py`).

Nothing is skipped in `make test`: a test localstripe cannot serve carries
`@pytest.mark.localstripe_lacks(reason)` and is simply not parametrized for localstripe;
one that needs fault injection carries `emulator_only`. The real-Stripe backend exists only
under `--stripe-contract` (`make test-stripe`).
"""

from __future__ import annotations

import pytest

from payments.tests.contract.backends import (
    LOCALSTRIPE_KEY,
    STRIPE_API,
    Backend,
    NotATestKey,
    running_localstripe,
    stripe_test_key,
)


def pytest_generate_tests(metafunc):
    if "backend" not in metafunc.fixturenames:
        return
    definition = metafunc.definition
    if metafunc.config.getoption("--stripe-contract"):
        names = [] if definition.get_closest_marker("emulator_only") else ["stripe"]
    else:
        names = ["emulator"]
        if not (
            definition.get_closest_marker("localstripe_lacks")
            or definition.get_closest_marker("emulator_only")
        ):
            names.append("localstripe")
    metafunc.parametrize("backend", names, indirect=True)


def pytest_collection_modifyitems(config, items):
    """Under --stripe-contract, only the real-Stripe contract tests run."""
    if not config.getoption("--stripe-contract"):
        return
    selected = [item for item in items if "[stripe]" in item.nodeid]
    config.hook.pytest_deselected(items=[item for item in items if item not in selected])
    items[:] = selected


@pytest.fixture(scope="session")
def localstripe_url():
    with running_localstripe() as url:
        yield url


@pytest.fixture
def backend(request, settings):
    """The adapter's settings pointed at one backend; the `Backend` it talks to."""
    if request.param == "emulator":
        emulator = request.getfixturevalue("stripe_emulator")
        key = settings.PAYMENTS["STRIPE_SECRET_KEY"]
        chosen = Backend("emulator", key, emulator.url, emulator)
    elif request.param == "localstripe":
        chosen = Backend("localstripe", LOCALSTRIPE_KEY, request.getfixturevalue("localstripe_url"))
    else:
        try:
            key = stripe_test_key()
        except NotATestKey as refused:
            pytest.exit(str(refused), returncode=2)
        if key is None:
            pytest.skip("STRIPE_CONTRACT_SECRET_KEY is not set: real Stripe test mode not run")
        chosen = Backend("stripe", key, STRIPE_API)
    settings.PAYMENTS = {
        **getattr(settings, "PAYMENTS", {}),
        "STRIPE_SECRET_KEY": chosen.api_key,
        "STRIPE_API_BASE": chosen.api_base,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
        "STRIPE_TIMEOUT_SECONDS": 30,
    }
    return chosen
