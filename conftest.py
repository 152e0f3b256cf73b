pytest_plugins = [
    "payments.testing.pytest_plugin",
    "payments.tests.fixtures",
    "payments.tests.webhook_support",
    "payments.tests.callback_support",
    "payments.tests.people_support",
    "payments.tests.throttle_support",
]
