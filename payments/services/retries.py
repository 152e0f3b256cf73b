"""The retry policy of background work that waits on another system.

The database task backend never retries a failed task on its own, so a task whose call to
Stripe (or to the mail server) fails transiently queues itself again, ``attempt + 1``, after
``RETRY_DELAYS[attempt]`` seconds, and gives up (the task fails, with the error) once the
delays are used up. For Stripe calls (``payments.services.charge_sync``,
``payments.services.connect_ledger``): 30 s, 2 min, 10 min, 30 min, 1 h, 4 h, about 6 h 40 min
in all, which rides out an outage of Stripe's or of the network without hammering either.
Mail (``payments.services.alerts``) keeps its own shorter schedule through the same function.
Callbacks to API clients have their own, documented schedule (``callback_delivery``): the
outbox row, not the task, carries their state.
"""

import logging
from datetime import timedelta

from django.utils import timezone

from payments.services.task_queue import task_named

logger = logging.getLogger(__name__)

# Seconds to wait before attempt n+1 after a transient error; then the task fails.
RETRY_DELAYS = (30, 120, 600, 1800, 3600, 4 * 3600)


def task_retry_later(
    task_name: str,
    error: Exception | None,
    *,
    attempt: int,
    delays: tuple[int, ...] = RETRY_DELAYS,
    **kwargs: str,
) -> str:
    """Queue ``payments.tasks.<task_name>(attempt=attempt + 1, **kwargs)`` after the delay
    for ``attempt``, or, once the delays are used up, raise ``error`` (a ``RuntimeError``
    when there is none: the awaited state never came). Returns what the task reports."""
    if attempt >= len(delays):
        if error is not None:
            raise error
        raise RuntimeError(f"Gave up after {attempt} attempts: {kwargs}")
    run_after = timezone.now() + timedelta(seconds=delays[attempt])
    task_named(task_name).using(run_after=run_after).enqueue(attempt=attempt + 1, **kwargs)
    logger.info("Retrying %s(%s) after %s: %s", task_name, kwargs, run_after, error)
    return f"retry {attempt + 1} scheduled for {run_after.isoformat()}"
