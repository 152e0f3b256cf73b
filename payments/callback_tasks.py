"""The callback delivery task (Django's tasks API, database backend; ``manage.py db_worker``).

A thin shell: the task carries only the callback's id; the outbox row says what to send and
whether it is still due (see ``payments.services.callback_delivery``).
"""

from payments.task_compat import task


@task()
def deliver_callback(*, callback_id: str) -> str:
    """POST one callback, signed; on a transient failure the service queues the next try."""
    # Imported here: the delivery service enqueues this task, so a module-level import loops.
    from payments.services.callback_delivery import callback_deliver

    return callback_deliver(callback_id=callback_id)
