"""System checks: misconfiguration is reported by ``manage.py check``, not found in production."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from payments.conf import payments_settings
from payments.money import UnknownCurrency, normalize_currency


@register(Tags.security, deploy=False)
def check_stripe_keys(app_configs, **kwargs):
    messages = []
    if not payments_settings.ENABLED:
        return messages
    key = payments_settings.STRIPE_SECRET_KEY
    if not key:
        messages.append(
            Error(
                "PAYMENTS['STRIPE_SECRET_KEY'] is not set.",
                hint="Set it to a Stripe secret key (sk_test_... for test mode), or turn "
                "payments off with PAYMENTS['ENABLED'] = False.",
                id="payments.E001",
            )
        )
    elif not key.startswith(("sk_", "rk_")):
        messages.append(
            Error(
                "STRIPE_SECRET_KEY does not look like a Stripe secret key (sk_... or rk_...).",
                hint="A publishable key (pk_...) must go in STRIPE_PUBLISHABLE_KEY instead.",
                id="payments.E002",
            )
        )
    elif key.startswith(("sk_live_", "rk_live_")) and settings.DEBUG:
        messages.append(
            Error(
                "A live Stripe secret key is configured while DEBUG is on.",
                hint="Use a test key (sk_test_...) for development, or turn DEBUG off.",
                id="payments.E003",
            )
        )
    if not payments_settings.STRIPE_WEBHOOK_SECRETS:
        messages.append(
            Warning(
                "PAYMENTS['STRIPE_WEBHOOK_SECRETS'] is empty: every Stripe webhook will be "
                "refused.",
                hint="Add the webhook endpoint's signing secret (whsec_...); list several "
                "while rotating.",
                id="payments.W001",
            )
        )
    return messages


@register()
def check_currencies(app_configs, **kwargs):
    messages = []
    allowed = payments_settings.CURRENCIES
    for code in [*allowed, payments_settings.DEFAULT_CURRENCY]:
        try:
            normalize_currency(code)
        except UnknownCurrency as exc:
            messages.append(Error(str(exc), hint="Fix PAYMENTS['CURRENCIES'].", id="payments.E004"))
    if payments_settings.DEFAULT_CURRENCY not in allowed:
        messages.append(
            Error(
                f"DEFAULT_CURRENCY '{payments_settings.DEFAULT_CURRENCY}' is not in the allowed "
                "currencies.",
                hint="Add it to PAYMENTS['CURRENCIES'] or choose another DEFAULT_CURRENCY.",
                id="payments.E005",
            )
        )
    return messages


@register(Tags.security, deploy=True)
def check_stripe_api_base_in_production(app_configs, **kwargs):
    base = payments_settings.STRIPE_API_BASE
    if base and not settings.DEBUG and payments_settings.STRIPE_SECRET_KEY.startswith("sk_live_"):
        return [
            Warning(
                f"STRIPE_API_BASE points live traffic at {base}, not at Stripe.",
                hint="Unset STRIPE_API_BASE in production.",
                id="payments.W002",
            )
        ]
    return []


@register(Tags.security)
def check_marketplace_settings(app_configs, **kwargs):
    """Raw card data only with a test key; a fee policy that parses."""
    from payments.fees import InvalidFeePolicy, parse_fee_policy

    messages = []
    key = payments_settings.STRIPE_SECRET_KEY
    if payments_settings.ALLOW_RAW_CARD_DATA and not key.startswith(("sk_test_", "rk_test_")):
        messages.append(
            Error(
                "PAYMENTS_ALLOW_RAW_CARD_DATA is on but STRIPE_SECRET_KEY is not a test key.",
                hint="Raw card numbers may only reach this server in test mode. Collect cards "
                "with Stripe.js / Elements (a pm_... id) and set PAYMENTS_ALLOW_RAW_CARD_DATA="
                "false.",
                id="payments.E006",
            )
        )
    try:
        parse_fee_policy(payments_settings.PLATFORM_FEE)
    except InvalidFeePolicy as error:
        messages.append(
            Error(
                f"PAYMENTS_PLATFORM_FEE is invalid: {error}",
                hint='Use e.g. "10%", "2.5%+30" or {"default": "10%", "job": "15%"}.',
                id="payments.E007",
            )
        )
    return messages


@register(Tags.security)
def check_private_callbacks(app_configs, **kwargs):
    """Callbacks to loopback/private hosts are for development only (payments.callback_urls)."""
    if payments_settings.ALLOW_PRIVATE_CALLBACKS and not settings.DEBUG:
        return [
            Warning(
                "PAYMENTS_ALLOW_PRIVATE_CALLBACKS is on while DEBUG is off: API clients' "
                "callbacks may be sent over http and to loopback, private or link-local "
                "addresses inside your network.",
                hint="Unset PAYMENTS_ALLOW_PRIVATE_CALLBACKS (or PAYMENTS['ALLOW_PRIVATE_"
                "CALLBACKS']) outside development.",
                id="payments.W030",
            )
        ]
    return []


@register()
def check_stripe_api_version(app_configs, **kwargs):
    """The pinned API version is the installed SDK's (its types describe that version only),
    and a Checkout expiry Stripe accepts."""
    from payments import stripe_api

    messages = []
    pinned, installed = payments_settings.STRIPE_API_VERSION, stripe_api.sdk_api_version()
    if pinned != installed:
        messages.append(
            Warning(
                f"PAYMENTS['STRIPE_API_VERSION'] is {pinned}, but the installed stripe SDK "
                f"is generated for {installed}.",
                hint="Pin the SDK's version (docs/stripe-fidelity.md, 'Moving to a new Stripe "
                "API version'), or install the stripe release that targets the version you pin.",
                id="payments.W020",
            )
        )
    expiry = payments_settings.CHECKOUT_EXPIRES_SECONDS
    low, high = stripe_api.CHECKOUT_MIN_EXPIRY_SECONDS, 24 * 60 * 60
    if not isinstance(expiry, int) or isinstance(expiry, bool) or not low <= expiry <= high:
        messages.append(
            Error(
                f"PAYMENTS['CHECKOUT_EXPIRES_SECONDS'] is {expiry!r}; Stripe accepts a Checkout "
                f"expiry from {low} (30 minutes) to {high} seconds (24 hours).",
                hint="Use e.g. 3600 for one hour; the default is 86100 (23 h 55 min).",
                id="payments.E020",
            )
        )
    return messages


# --- What the host project must provide (payments.E040-E049, W040-W049) -------------------

# App module -> why payments needs it. The django-tasks backport is needed only before Django
# 6.0, which has the tasks API built in (payments.task_compat).
REQUIRED_APPS = {
    "django.contrib.contenttypes": "the auth app's permissions need it",
    "django.contrib.auth": "API clients, payers and payees are users",
    "rest_framework": "the payments API is built on Django REST framework",
    "rest_framework_api_key": "service clients authenticate with API keys",
    "django_tasks_db": "webhook follow-ups, callbacks and alerts run as database tasks "
    "(its app label is django_tasks_database)",
}
# Task backends that accept work but do not run it in a worker.
INLINE_TASK_BACKENDS = {"ImmediateBackend": "runs every task inside the request that enqueues it",
                        "DummyBackend": "never runs any task"}  # fmt: skip


def _required_apps() -> dict[str, str]:
    from importlib.util import find_spec

    required = dict(REQUIRED_APPS)
    if not find_spec("django.tasks"):
        required["django_tasks"] = "the tasks API (the django-tasks backport before Django 6.0)"
    return required


@register()
def check_required_apps(app_configs, **kwargs):
    """Every app payments relies on is in INSTALLED_APPS."""
    from django.apps import apps

    return [
        Error(
            f"'{name}' must be in INSTALLED_APPS: {why}.",
            hint=f"Add '{name}' to INSTALLED_APPS (before 'payments').",
            id="payments.E040",
        )
        for name, why in _required_apps().items()
        if not apps.is_installed(name)
    ]


@register()
def check_task_backend(app_configs, **kwargs):
    """A TASKS backend that a worker runs, and that accepts payments' queue."""
    hint = (
        'Set TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", '
        '"QUEUES": ["default"]}} and run `manage.py db_worker`.'
    )
    from django.conf import global_settings

    tasks = getattr(settings, "TASKS", None)
    if not tasks or tasks is getattr(global_settings, "TASKS", None) or "default" not in tasks:
        return [
            Error(
                "No 'default' task backend is configured in the TASKS setting: payments "
                "enqueues its webhook follow-ups, callbacks and alerts there.",
                hint=hint,
                id="payments.E041",
            )
        ]
    backend = tasks["default"].get("BACKEND", "")
    messages = []
    kind = backend.rsplit(".", 1)[-1]
    if kind in INLINE_TASK_BACKENDS:
        messages.append(
            Warning(
                f"TASKS['default'] uses {backend}, which {INLINE_TASK_BACKENDS[kind]}.",
                hint=hint,
                id="payments.W041",
            )
        )
    queues = tasks["default"].get("QUEUES")
    if queues and "default" not in queues:
        messages.append(
            Error(
                f"TASKS['default']['QUEUES'] is {list(queues)}: payments enqueues on the "
                "'default' queue.",
                hint="Add 'default' to the backend's QUEUES.",
                id="payments.E042",
            )
        )
    return messages


@register(Tags.templates)
def check_templates_and_time_zones(app_configs, **kwargs):
    """App templates can be found (admin pages, e-mails); datetimes are time-zone aware."""
    messages = []
    engines = [t for t in settings.TEMPLATES if t.get("BACKEND", "").endswith("DjangoTemplates")]
    finds_app_templates = any(
        t.get("APP_DIRS")
        or "django.template.loaders.app_directories.Loader"
        in str(t.get("OPTIONS", {}).get("loaders", ""))
        for t in engines
    )
    if not finds_app_templates:
        messages.append(
            Error(
                "No DjangoTemplates engine in TEMPLATES loads app templates: payments' e-mails "
                "and admin pages (payments/templates/) cannot be found.",
                hint="Add a django.template.backends.django.DjangoTemplates engine with "
                "'APP_DIRS': True.",
                id="payments.E043",
            )
        )
    if not settings.USE_TZ:
        messages.append(
            Error(
                "USE_TZ is False: payments stores and compares time-zone-aware datetimes "
                "(Stripe timestamps, expiries, reports).",
                hint="Set USE_TZ = True.",
                id="payments.E044",
            )
        )
    return messages


@register()
def check_payments_setting_keys(app_configs, **kwargs):
    """settings.PAYMENTS is a dict of known keys; a typo is named with its nearest key."""
    import difflib

    from payments.conf import DEFAULTS

    configured = getattr(settings, "PAYMENTS", {})
    if not isinstance(configured, dict):
        return [
            Error(
                f"settings.PAYMENTS must be a dict, not {type(configured).__name__}.",
                hint='e.g. PAYMENTS = {"STRIPE_SECRET_KEY": "sk_test_..."}',
                id="payments.E045",
            )
        ]
    messages = []
    for key in configured:
        if key in DEFAULTS:
            continue
        nearest = difflib.get_close_matches(str(key), DEFAULTS, n=1)
        hint = f"Did you mean '{nearest[0]}'?" if nearest else None
        messages.append(
            Warning(
                f"Unknown key '{key}' in settings.PAYMENTS is ignored.",
                hint=hint or f"Known keys: {', '.join(sorted(DEFAULTS))}.",
                id="payments.W040",
            )
        )
    return messages
