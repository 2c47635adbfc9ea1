import datetime
from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle counters live in the cache: start every test without any."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def travel():
    """travel(days=..., seconds=...) -> context manager moving the clock forward for
    model timestamps (timezone.now) and signed links (django.core.signing)."""

    @contextmanager
    def move(**delta):
        real_now = timezone.now()
        target = real_now + datetime.timedelta(**delta)
        fake_time = SimpleNamespace(time=lambda: target.timestamp())
        with (
            mock.patch("django.utils.timezone.now", return_value=target),
            mock.patch("django.core.signing.time", fake_time),
        ):
            yield target

    return move
