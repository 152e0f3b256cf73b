"""E-mail tasks (Django's tasks API, database backend; ``manage.py db_worker``).

Queued by ``payments.services.alerts`` in the transaction of the status change, so a failure
alert or receipt exists exactly when the change was committed, and no webhook request waits
for a mail server. Each task carries only the session id.
"""

from payments.task_compat import task


@task()
def send_failure_alert(*, session_id: str, attempt: int = 0) -> str:
    """Tell ``PAYMENTS['ALERT_EMAILS']`` that a payment failed."""
    # Imported here: the alerts service enqueues these tasks, so a module-level import loops.
    from payments.services.alerts import failure_alert_send

    return failure_alert_send(session_id=session_id, attempt=attempt)


@task()
def send_receipt(*, session_id: str, attempt: int = 0) -> str:
    """Send the customer a receipt for a successful payment."""
    from payments.services.alerts import receipt_send

    return receipt_send(session_id=session_id, attempt=attempt)
