"""Project settings, read from the environment (see .env.example for every variable)."""

import json
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

import os  # noqa: E402  (after load_dotenv on purpose: .env fills os.environ first)


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_json_or_text(name: str, default: str = "") -> object:
    """A JSON object (starting with "{") or a plain string, e.g. PAYMENTS_PLATFORM_FEE."""
    raw = env(name, default).strip()
    if not raw.startswith("{"):
        return raw
    try:
        return json.loads(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {error}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("DJANGO_SECRET_KEY") or (
    "django-insecure-dev-only-key-set-DJANGO_SECRET_KEY-in-production" if DEBUG else ""
)
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DEBUG is off (see .env.example)")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "rest_framework_simplejwt",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "payments",
    "bookings",
    # The sample deployment's demo data commands (load_demo_data, seed_demo_payments): not in
    # the payments wheel.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# No DATABASE_URL: the embedded SQLite database. With one (e.g. postgres://...): that database.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Behind PgBouncer in transaction pooling mode (docs/scaling.md) a connection is shared between
# transactions: no server-side cursor may outlive one, and no statement may be prepared on it.
if env_bool("DATABASE_TRANSACTION_POOLING", False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the task worker and the emulator's webhooks write at once in `make run`.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Security: strict by default when DEBUG is off (`manage.py check --deploy` is part of `make test`).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "payments@localhost")

# Background work: Django's tasks API with the database backend (worker: manage.py db_worker).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Only for this project's own DRF views (bookings): the payments app's views carry their own
# authentication, permissions, parsers, renderers, throttles and error envelope.
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}

# End-user tokens (POST /api/auth/token/ and /api/auth/token/refresh/). Short-lived access
# tokens; a refresh token lasts a day. Signed with DJANGO_SECRET_KEY.
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=int(env("JWT_ACCESS_TOKEN_MINUTES", "15"))),
    "REFRESH_TOKEN_LIFETIME": timedelta(hours=int(env("JWT_REFRESH_TOKEN_HOURS", "24"))),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Payments API",
    "DESCRIPTION": "Take money through Stripe for any object of any service.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The API is documented (and its examples written) for JSON bodies; a form body is read
    # by DRF too, but an empty or malformed one reads as "no fields", which the schema of an
    # object body cannot describe.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # Payments' and bookings' "status" fields: one clear enum name each.
    "ENUM_NAME_OVERRIDES": {
        "PaymentStatusEnum": "payments.states.PaymentStatus",
        "BookingStatusEnum": "bookings.models.BookingStatus",
        "SubscriptionStatusEnum": "payments.models.subscriptions.SubscriptionStatus",
        "FlowEnum": "payments.models.sessions.Flow",
        "SubscriptionFlowEnum": "payments.api.subscription_serializers.SUBSCRIPTION_FLOWS",
    },
}

# The payments app's own settings (read lazily by payments.conf; defaults live there).
PAYMENTS = {
    "ENABLED": env_bool("PAYMENTS_ENABLED", True),
    # In DEBUG, with nothing set, the local Stripe emulator (`make run` starts it).
    "STRIPE_SECRET_KEY": env("STRIPE_SECRET_KEY", "sk_test_emulator" if DEBUG else ""),
    "STRIPE_PUBLISHABLE_KEY": env("STRIPE_PUBLISHABLE_KEY"),
    "STRIPE_WEBHOOK_SECRETS": env_list(
        "STRIPE_WEBHOOK_SECRET", "whsec_dev_emulator_secret" if DEBUG else ""
    ),
    "STRIPE_API_BASE": env("STRIPE_API_BASE", "http://127.0.0.1:12111" if DEBUG else ""),
    "DEFAULT_CURRENCY": env("DEFAULT_CURRENCY", "gbp").lower(),
    # Callbacks of sessions whose API client has no callback URL go here (empty: nowhere).
    "WEBHOOK_CALLBACK_URL": env("PAYMENTS_WEBHOOK_CALLBACK_URL"),
    # Development only: callbacks to http:// and loopback/private hosts (make run sets it).
    "ALLOW_PRIVATE_CALLBACKS": env_bool("PAYMENTS_ALLOW_PRIVATE_CALLBACKS", False),
    "WEBHOOK_CALLBACK_SECRET": env("PAYMENTS_WEBHOOK_CALLBACK_SECRET"),
    # Raw card numbers in requests: only for test keys (a system check refuses live keys).
    "ALLOW_RAW_CARD_DATA": env_bool("PAYMENTS_ALLOW_RAW_CARD_DATA", False),
    # Marketplace fee: "10%", "2.5%+30", or per payable type {"default": "10%", "job": "15%"}.
    "PLATFORM_FEE": env_json_or_text("PAYMENTS_PLATFORM_FEE", "0%"),
    # Who hears about failed payments (e-mail, sent by the task worker); empty: nobody.
    "ALERT_EMAILS": env_list("PAYMENTS_ALERT_EMAILS"),
    # E-mail customers a receipt when their payment succeeds.
    "SEND_RECEIPTS": env_bool("PAYMENTS_SEND_RECEIPTS", False),
    # Proxies in front that append to X-Forwarded-For (throttles count per client address).
    "NUM_PROXIES": int(env("PAYMENTS_NUM_PROXIES", "0")),
    # A task RUNNING longer than this was held by a dead worker: payments_worker requeues it.
    "TASK_RUNNING_TIMEOUT_SECONDS": int(env("PAYMENTS_TASK_RUNNING_TIMEOUT_SECONDS", "900")),
}

# The sample bookings app: how it reaches the payments API over HTTP (read at call time). In
# DEBUG they default to the demo API client that `make run` creates (load_demo_data).
PAYMENTS_ENABLED = PAYMENTS["ENABLED"]
PAYMENTS_API_URL = env("PAYMENTS_API_URL", "http://127.0.0.1:8000/api/payments/" if DEBUG else "")
PAYMENTS_API_KEY = env("PAYMENTS_API_KEY", "demokey1.local-demo-key-not-secret" if DEBUG else "")
PAYMENTS_CALLBACK_SECRET = env(
    "PAYMENTS_CALLBACK_SECRET", "cbsec_local_demo_callback_secret" if DEBUG else ""
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
