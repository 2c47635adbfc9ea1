"""Sign-in throttling, kept in the cache (Redis in production).

Failures are counted per e-mail address and per client address; once either
reaches settings.LOGIN_MAX_FAILURES within LOGIN_LOCKOUT_SECONDS, sign-in is
refused (even with the right password) until the window passes."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _keys(email: str, ip: str | None) -> list[str]:
    keys = ["login-fail:email:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()]
    if ip:
        keys.append("login-fail:ip:" + ip)
    return keys


def _limit_for(key: str) -> int:
    # A shared address (an office behind one router) gets more room than one account.
    return settings.LOGIN_MAX_FAILURES * (4 if ":ip:" in key else 1)


def seconds_locked(email: str, ip: str | None) -> int:
    now = time.time()
    waits = []
    for key in _keys(email, ip):
        entry = cache.get(key)
        if entry and entry["count"] >= _limit_for(key):
            waits.append(int(entry["since"] + settings.LOGIN_LOCKOUT_SECONDS - now))
    return max([w for w in waits if w > 0], default=0)


def record_failure(email: str, ip: str | None) -> None:
    now = time.time()
    for key in _keys(email, ip):
        entry = cache.get(key) or {"count": 0, "since": now}
        entry["count"] += 1
        cache.set(key, entry, settings.LOGIN_LOCKOUT_SECONDS)


def reset(email: str) -> None:
    cache.delete(_keys(email, None)[0])
