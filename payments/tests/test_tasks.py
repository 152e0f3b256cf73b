"""Background tasks: thin shells in payments.tasks, queued by name, on one retry policy."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from payments import exceptions as exc
from payments import tasks
from payments.services.retries import RETRY_DELAYS
from payments.testing.factories import PaymentSessionFactory
from payments.testing.tasks import run_queued_tasks

PAYMENTS = Path(tasks.__file__).parent
# Functions whose first argument names a task of payments.tasks.
NAMING_FUNCTIONS = {"task_named", "task_retry_later", "_send"}


def _task_names_in_source() -> set[str]:
    names = set()
    for path in PAYMENTS.rglob("*.py"):
        if "tests" in path.relative_to(PAYMENTS).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            called = getattr(node.func, "id", getattr(node.func, "attr", None))
            first = node.args[0]
            if called in NAMING_FUNCTIONS and isinstance(first, ast.Constant):
                names.add(first.value)
    return names


def test_every_task_a_service_queues_by_name_is_a_task_of_payments_tasks():
    names = _task_names_in_source()

    assert names == {
        "charge_ledger_sync",
        "charge_refunds_sync",
        "connect_ledger_sync",
        "deliver_callback",
        "payout_contents_sync",
        "send_failure_alert",
        "send_receipt",
        "subscription_invoice_sync",
    }
    for name in names:
        assert getattr(tasks, name).module_path == f"payments.tasks.{name}"


@pytest.mark.parametrize(
    ("old_path", "name"),
    [
        ("payments.alert_tasks.send_failure_alert", "send_failure_alert"),
        ("payments.alert_tasks.send_receipt", "send_receipt"),
        ("payments.callback_tasks.deliver_callback", "deliver_callback"),
        ("payments.connect_tasks.connect_ledger_sync", "connect_ledger_sync"),
    ],
)
def test_a_task_path_of_the_previous_release_still_names_the_task(old_path, name):
    from django.utils.module_loading import import_string

    assert import_string(old_path) is getattr(tasks, name)


@pytest.mark.django_db
def test_a_row_queued_under_an_old_task_path_still_runs():
    result = tasks.deliver_callback.enqueue(callback_id="cb_from_an_older_deploy")
    DBTaskResult.objects.filter(pk=result.id).update(
        task_path="payments.callback_tasks.deliver_callback"
    )

    (finished,) = run_queued_tasks()

    assert finished.task_path == "payments.callback_tasks.deliver_callback"
    assert finished.status == "SUCCESSFUL"
    assert finished.return_value.startswith("skipped: not pending")


def _retries(task_name: str) -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(status="READY", task_path=f"payments.tasks.{task_name}")
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("task_name", "path", "session_fields", "kwargs"),
    [
        ("charge_ledger_sync", "/v1/charges/", {}, {"charge_id": "ch_down"}),
        ("charge_refunds_sync", "/v1/refunds", {}, {"charge_id": "ch_down"}),
        ("connect_ledger_sync", "/v1/transfers/", {"stripe_transfer_id": "tr_down"}, {}),
        ("subscription_invoice_sync", "/v1/invoices/", {}, {"invoice_id": "in_down"}),
    ],
)
def test_every_stripe_task_retries_on_the_one_policy_then_gives_up(
    stripe_emulator, task_name, path, session_fields, kwargs
):
    session = PaymentSessionFactory(**session_fields)
    stripe_emulator.fail_next("GET", path, status=500, count=100)
    task_function = getattr(tasks, task_name)
    last = len(RETRY_DELAYS) - 1

    before = timezone.now()
    outcome = task_function.call(session_id=str(session.pk), attempt=last, **kwargs)

    assert outcome.startswith(f"retry {last + 1} scheduled")
    (retry,) = _retries(task_name)
    assert retry.args_kwargs["kwargs"]["attempt"] == last + 1
    assert retry.run_after >= before + timedelta(seconds=RETRY_DELAYS[last])
    with pytest.raises(exc.ProviderUnavailable):
        task_function.call(session_id=str(session.pk), attempt=last + 1, **kwargs)
    assert len(_retries(task_name)) == 1
