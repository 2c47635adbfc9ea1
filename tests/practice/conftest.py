import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle counters live in the cache: start every test without any."""
    cache.clear()
    yield
    cache.clear()
