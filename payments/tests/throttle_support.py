"""Every test starts with empty throttle counts (they live in the cache, which outlives a test)."""

import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _throttle_counts_start_empty():
    for cache in caches.all(initialized_only=True):
        cache.clear()
    yield
