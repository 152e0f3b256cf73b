"""Settings for the test suite: the project's settings with safe test-only defaults."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Callback tests deliver to receivers on 127.0.0.1; tests of the refusal turn it off.
os.environ.setdefault("PAYMENTS_ALLOW_PRIVATE_CALLBACKS", "true")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast user fixtures
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not the shared in-memory database: live-server tests write from several threads,
    # and only a file database honours the busy timeout (WAL) instead of failing "table locked".
    # PAYMENTS_TEST_SQLITE_NAME: a file of its own per matrix cell (noxfile.py).
    test_name = os.environ.get("PAYMENTS_TEST_SQLITE_NAME") or str(BASE_DIR / ".test-db.sqlite3")  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": test_name}  # noqa: F405
