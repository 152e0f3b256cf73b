"""System checks for what a host project must provide: apps, a task backend, templates, time
zones, and only known keys in ``settings.PAYMENTS``."""

from importlib.util import find_spec

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from payments.checks import (
    check_payments_setting_keys,
    check_required_apps,
    check_task_backend,
    check_templates_and_time_zones,
)

REQUIRED = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework_api_key",
    "django_tasks_db",
]
if not find_spec("django.tasks"):
    REQUIRED.append("django_tasks")  # the backport, before Django 6.0


def _without(app: str) -> list[str]:
    return [name for name in settings.INSTALLED_APPS if name != app]


def test_the_sample_project_passes():
    assert check_required_apps(None) == []
    assert check_task_backend(None) == []
    assert check_templates_and_time_zones(None) == []
    assert check_payments_setting_keys(None) == []


@pytest.mark.parametrize("app", REQUIRED)
def test_a_missing_app_is_named(app):
    with override_settings(INSTALLED_APPS=_without(app)):
        messages = check_required_apps(None)

    assert [m.id for m in messages] == ["payments.E040"]
    assert f"'{app}' must be in INSTALLED_APPS" in messages[0].msg
    assert f"Add '{app}' to INSTALLED_APPS" in messages[0].hint


def test_manage_py_check_names_the_missing_app():
    with (
        override_settings(INSTALLED_APPS=_without("rest_framework_api_key")),
        pytest.raises(SystemCheckError, match="'rest_framework_api_key' must be in INSTALLED_APPS"),
    ):
        call_command("check")


@pytest.mark.parametrize("tasks", [None, {}, {"other": {"BACKEND": "x.DatabaseBackend"}}])
def test_no_task_backend_is_an_error(tasks):
    with override_settings(TASKS=tasks):
        if tasks is None:
            del settings.TASKS
        messages = check_task_backend(None)

    assert [m.id for m in messages] == ["payments.E041"]
    assert "TASKS" in messages[0].msg
    assert "django_tasks_db.DatabaseBackend" in messages[0].hint


@pytest.mark.parametrize(
    ("backend", "says"),
    [("django_tasks.backends.immediate.ImmediateBackend", "inside the request"),
     ("django_tasks.backends.dummy.DummyBackend", "never runs")],
)  # fmt: skip
def test_a_backend_without_a_worker_is_a_warning(backend, says):
    with override_settings(TASKS={"default": {"BACKEND": backend}}):
        messages = check_task_backend(None)

    assert [m.id for m in messages] == ["payments.W041"]
    assert backend in messages[0].msg
    assert says in messages[0].msg


def test_a_backend_without_the_default_queue_is_an_error():
    tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["emails"]}}
    with override_settings(TASKS=tasks):
        messages = check_task_backend(None)

    assert [m.id for m in messages] == ["payments.E042"]
    assert "'default' queue" in messages[0].msg


def test_templates_that_skip_app_directories_are_an_error():
    engine = {**settings.TEMPLATES[0], "APP_DIRS": False}
    with override_settings(TEMPLATES=[engine]):
        messages = check_templates_and_time_zones(None)

    assert [m.id for m in messages] == ["payments.E043"]
    assert "APP_DIRS" in messages[0].hint


def test_an_explicit_app_directories_loader_is_enough():
    options = {**settings.TEMPLATES[0]["OPTIONS"],
               "loaders": ["django.template.loaders.app_directories.Loader"]}  # fmt: skip
    engine = {**settings.TEMPLATES[0], "APP_DIRS": False, "OPTIONS": options}
    with override_settings(TEMPLATES=[engine]):
        assert check_templates_and_time_zones(None) == []


def test_naive_datetimes_are_an_error():
    with override_settings(USE_TZ=False):
        messages = check_templates_and_time_zones(None)

    assert [m.id for m in messages] == ["payments.E044"]
    assert "USE_TZ" in messages[0].msg


def test_an_unknown_payments_key_suggests_the_nearest(settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "STRIPE_SECRT_KEY": "sk_test_1"}

    messages = check_payments_setting_keys(None)

    assert [m.id for m in messages] == ["payments.W040"]
    assert "'STRIPE_SECRT_KEY'" in messages[0].msg
    assert messages[0].hint == "Did you mean 'STRIPE_SECRET_KEY'?"


def test_an_unknown_key_with_no_near_match_lists_the_known_keys(settings):
    settings.PAYMENTS = {"ZZZ": 1}

    (message,) = check_payments_setting_keys(None)

    assert message.id == "payments.W040"
    assert "STRIPE_WEBHOOK_SECRETS" in message.hint


def test_payments_must_be_a_dict(settings):
    settings.PAYMENTS = ["STRIPE_SECRET_KEY"]

    (message,) = check_payments_setting_keys(None)

    assert message.id == "payments.E045"
    assert "must be a dict, not list" in message.msg
