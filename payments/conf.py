"""The payments app's settings, read lazily from ``settings.PAYMENTS`` (never at import time).

Integrators set only what differs from the defaults below::

    PAYMENTS = {"STRIPE_SECRET_KEY": "sk_test_...", "STRIPE_WEBHOOK_SECRETS": ["whsec_..."]}
"""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "ENABLED": True,
    "STRIPE_SECRET_KEY": "",
    "STRIPE_PUBLISHABLE_KEY": "",
    # A list, so a secret can be rotated: any of them may sign a delivery.
    "STRIPE_WEBHOOK_SECRETS": [],
    # Empty means Stripe itself; set it to the emulator, localstripe or stripe-mock.
    "STRIPE_API_BASE": "",
    "STRIPE_API_VERSION": "2026-10-28.endive",
    "STRIPE_TIMEOUT_SECONDS": 20,
    "STRIPE_MAX_NETWORK_RETRIES": 2,
    "STRIPE_WEBHOOK_TOLERANCE_SECONDS": 300,
    "STRIPE_WEBHOOK_MAX_BODY_BYTES": 512 * 1024,
    "DEFAULT_CURRENCY": "gbp",
    "CURRENCIES": [
        "gbp",
        "usd",
        "eur",
        "jpy",
        "kwd",
        "aud",
        "cad",
        "chf",
        "sek",
        "nok",
        "dkk",
    ],
    "MAX_AMOUNT": 99_999_999,
    # Stripe allows 30 min to 24 h; the default keeps 5 minutes under the maximum.
    "CHECKOUT_EXPIRES_SECONDS": 24 * 60 * 60 - 5 * 60,
    # A request holding a key longer than this is presumed dead; a retry may take the key over.
    "IDEMPOTENCY_LOCK_SECONDS": 60,
    # A task RUNNING longer than this was held by a worker that died (kill -9, a lost node):
    # payments_worker puts it back in the queue to run again (tasks are idempotent).
    "TASK_RUNNING_TIMEOUT_SECONDS": 15 * 60,
    # Events parked for a Stripe object no session has claimed yet are given up (ignored) by
    # purge_parked_events after this many days.
    "PARKED_EVENT_RETENTION_DAYS": 30,
    "FORMAT_LOCALE": "en",
    "WEBHOOK_CALLBACK_URL": "",
    # Development only: let callbacks go to http:// and to loopback/private hosts
    # (payments.callback_urls); payments.W030 warns when it is on with DEBUG off.
    "ALLOW_PRIVATE_CALLBACKS": False,
    # Signs callbacks of sessions that have no API client (and so no client secret).
    "WEBHOOK_CALLBACK_SECRET": "",
    "ALERT_EMAILS": [],
    # Accept card numbers in requests (the original backend-only API). Test keys only: the
    # numbers are mapped to Stripe's test tokens and never stored, logged or echoed.
    "ALLOW_RAW_CARD_DATA": False,
    # The marketplace fee policy (payments.fees): "10%", "2.5%+30" (fixed part in minor
    # units), or per payable type {"default": "10%", "job": "15%"}. APIClient.platform_fee
    # overrides it per client.
    "PLATFORM_FEE": "0%",
    # Where Stripe's Connect onboarding sends the payee back (Account Links).
    "CONNECT_RETURN_URL": "http://127.0.0.1:8000/connect/return/",
    "CONNECT_REFRESH_URL": "http://127.0.0.1:8000/connect/refresh/",
    "SEND_RECEIPTS": False,
    # Hostile input (payments.api.parsers): larger request bodies answer 413 before anything
    # reads them; deeper JSON answers 400 before anything parses it.
    "MAX_BODY_BYTES": 1024 * 1024,
    "MAX_JSON_DEPTH": 32,
    # Requests per period ("s", "min", "h", "day") by scope (payments.api.throttling); a key
    # set here replaces only that rate, None turns that throttle off. They live in the cache
    # named by THROTTLE_CACHE: use a shared one (database, Redis) with several processes.
    "THROTTLE_RATES": {
        "api_client": "6000/min",  # per API client: a burst of hundreds per second passes
        "user": "600/min",  # per signed-in person
        "anon": "120/min",  # per address, unauthenticated endpoints
        "token": "60/min",  # per address, POST auth/token/ and auth/token/refresh/
        "auth_failure": "20/min",  # per address: failed logins, wrong API keys or tokens
    },
    "THROTTLE_CACHE": "default",
    # Proxies in front of the app that append to X-Forwarded-For: 0 trusts only REMOTE_ADDR.
    "NUM_PROXIES": 0,
    # How long the purge_* commands keep what grows without bound (docs/scaling.md); each
    # command also takes --older-than and refuses less than its floor (services/retention.py).
    "RETENTION": {
        "webhook_events": "45d",  # Stripe keeps events 30 days; sync_stripe_events reads 30
        "callbacks": "90d",  # delivered or failed callbacks and their attempts
        "payment_logs": "400d",  # the audit trail: a year and a bit, for disputes and audits
    },
}


class PaymentsSettings:
    """Attribute access to the app's settings, falling back to ``DEFAULTS``."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown payments setting: {name}")
        return getattr(settings, "PAYMENTS", {}).get(name, DEFAULTS[name])


payments_settings = PaymentsSettings()
