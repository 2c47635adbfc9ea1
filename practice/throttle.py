"""Sign-in throttling, kept in the cache (Redis in production).

Failures are counted per e-mail address and per client address in a window of
LOGIN_LOCKOUT_SECONDS that starts at the first failure. Once a counter reaches
its limit, sign-in for that e-mail (or from that address) is refused, even with
the right password, for LOGIN_LOCKOUT_SECONDS from that moment. A lock is never
extended by attempts made while it holds, so it always ends."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _keys(email: str, ip: str | None) -> list[str]:
    keys = ["login-fail:email:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()]
    if ip:
        keys.append("login-fail:ip:" + hashlib.sha256(ip.encode()).hexdigest())
    return keys


def _limit_for(key: str) -> int:
    # A shared address (an office behind one router) gets more room than one account.
    return settings.LOGIN_MAX_FAILURES * (4 if ":ip:" in key else 1)


def client_ip(request) -> str | None:
    """The caller's address. Behind N trusted proxies (settings.TRUSTED_PROXY_COUNT),
    the N-th address from the right of X-Forwarded-For; otherwise REMOTE_ADDR."""
    if request is None:
        return None
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        chain = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [p for p in chain if p]
        if len(chain) >= proxies:
            return chain[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def seconds_locked(email: str, ip: str | None) -> int:
    """Seconds until sign-in is allowed again for this e-mail / address (0: allowed)."""
    now = time.time()
    waits = [0]
    for key in _keys(email, ip):
        entry = cache.get(key)
        if entry and entry.get("locked_until"):
            waits.append(int(entry["locked_until"] - now + 0.999))
    return max(waits)


def record_failure(email: str, ip: str | None) -> None:
    now = time.time()
    window = settings.LOGIN_LOCKOUT_SECONDS
    for key in _keys(email, ip):
        entry = cache.get(key)
        locked_until = (entry or {}).get("locked_until") or 0
        if locked_until > now:
            continue
        if entry is None or locked_until or now - entry["since"] >= window:
            entry = {"count": 0, "since": now, "locked_until": None}
        entry["count"] += 1
        if entry["count"] >= _limit_for(key):
            entry["locked_until"] = now + window
        cache.set(key, entry, window + 60)


def reset(email: str) -> None:
    """A successful sign-in clears the e-mail's counter (not the address's)."""
    cache.delete(_keys(email, None)[0])
