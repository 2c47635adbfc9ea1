"""Requests per token in a fixed window (API_RATE_LIMIT per API_RATE_WINDOW
seconds), counted in the cache: atomic with Redis, one process's memory or the
file cache otherwise. Over the limit the API answers 429 with Retry-After."""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def headers(self) -> dict:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(self.remaining, 0)),
            "RateLimit-Reset": str(self.reset),
        }
        if self.exceeded:
            headers["Retry-After"] = str(self.reset)
        return headers


def rate_take(token_id: int) -> Quota:
    """Count one request of the token and say what is left of its window."""
    limit = settings.API_RATE_LIMIT
    window = settings.API_RATE_WINDOW
    now = time.time()
    start = int(now // window) * window
    key = f"api-rate:{token_id}:{start}"
    try:
        count = cache.incr(key)
    except ValueError:  # the window's first request (or two at once: add decides)
        count = 1 if cache.add(key, 1, timeout=window + 5) else cache.incr(key)
    reset = max(1, math.ceil(start + window - now))
    return Quota(limit=limit, remaining=limit - count, reset=reset)
