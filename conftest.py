pytest_plugins = [
    "payments.testing.pytest_plugin",
    "payments.tests.fixtures",
    "payments.tests.webhook_support",
    "payments.tests.callback_support",
    "payments.tests.people_support",
    "pytester",  # the emulator strict-mode test runs a test that must fail
    "payments.tests.throttle_support",
]


def pytest_addoption(parser):
    # `make test-stripe` only: the contract suite against real Stripe test mode.
    parser.addoption(
        "--stripe-contract",
        action="store_true",
        help="run payments/tests/contract against api.stripe.com with STRIPE_CONTRACT_SECRET_KEY",
    )
