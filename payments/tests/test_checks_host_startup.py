"""A host without an app that payments' models import is told which app, at startup.

``override_settings`` cannot show this (the models are already loaded), so a fresh interpreter
configures a host without the app and starts Django, as ``manage.py check`` would.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from payments.apps import MODEL_DEPENDENCIES

ROOT = Path(__file__).resolve().parents[2]
SETUP = """
import django
from django.conf import settings
settings.configure(INSTALLED_APPS={apps!r}, USE_TZ=True, SECRET_KEY="x")
django.setup()
"""


@pytest.mark.parametrize("app", ["rest_framework_api_key"])
def test_a_missing_model_dependency_is_named_when_django_starts(app):
    assert app in MODEL_DEPENDENCIES
    apps = [name for name in settings.INSTALLED_APPS if name != app]

    result = subprocess.run(
        [sys.executable, "-c", SETUP.format(apps=apps)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"(payments.E040) '{app}' must be in INSTALLED_APPS" in result.stderr
    assert f"Add '{app}' to INSTALLED_APPS" in result.stderr


def test_a_host_with_every_app_starts():
    result = subprocess.run(
        [sys.executable, "-c", SETUP.format(apps=list(settings.INSTALLED_APPS))],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )

    assert result.returncode == 0, result.stderr
