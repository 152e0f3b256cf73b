"""Deprecated alias of ``payments.tasks``, kept for one release (remove in 0.4).

The task queue stores a task by its import path: rows that an older deploy queued as
``payments.connect_tasks.<name>`` (retries and callbacks are queued hours ahead) still find their
task here. New rows are queued as ``payments.tasks.<name>``.
"""

from payments.tasks import connect_ledger_sync

__all__ = ["connect_ledger_sync"]
