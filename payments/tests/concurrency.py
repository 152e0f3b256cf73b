"""Real concurrency for tests on PostgreSQL: every call in its own thread, all let go at once.

    outcomes = run_together(lambda amount: refund(amount), [1500, 1500])

A barrier releases the threads together, so they really race for the same rows; each
thread closes its own database connection when done (Django opens one per thread).
"""

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connection

Item = TypeVar("Item")
Result = TypeVar("Result")


def run_together(
    work: Callable[[Item], Result], items: Sequence[Item], *, timeout: float = 30
) -> list[Result]:
    """``work(item)`` for every item, each in its own thread, started at the same moment.

    Returns the results in the order of ``items``; an exception in any thread is raised."""
    barrier = threading.Barrier(len(items))

    def run(item: Item) -> Result:
        try:
            barrier.wait(timeout=timeout)
            return work(item)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(run, items))
