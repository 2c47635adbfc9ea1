"""Reads from a PostgreSQL read replica, with read-your-writes.

Off unless DATABASE_REPLICA_URL is set (practice.settings then adds the `replica`
database, this router and this middleware). A replica lags the primary by a
moment, so a read goes to the replica only when all of these hold:

- it happens during a GET or HEAD request (ReplicaMiddleware allows it); Celery
  tasks, management commands and form posts read from the primary;
- the browser has written nothing in the last DATABASE_REPLICA_STICKY_SECONDS
  (a write sets the `primary_until` cookie), so the page after a save, a sign-in
  or an import shows what was just written;
- the request itself has written nothing yet;
- no transaction is open on the primary (locks and checks read what they lock).

Writes always go to the primary.
"""

import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
COOKIE = "primary_until"
SAFE_METHODS = ("GET", "HEAD")

_replica_allowed: ContextVar[bool] = ContextVar("replica_allowed", default=False)
_wrote: ContextVar[bool] = ContextVar("wrote", default=False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _replica_allowed.get()
            and not _wrote.get()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        _wrote.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS


def _wrote_recently(request, now: float) -> bool:
    try:
        return float(request.COOKIES.get(COOKIE, 0)) > now
    except ValueError:
        return False


class ReplicaMiddleware:
    """Decides, per request, whether reads may go to the replica, and remembers a
    write for the next DATABASE_REPLICA_STICKY_SECONDS. Placed before the session
    middleware, so that a session saved at the end of the request counts too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = time.time()
        allowed = request.method in SAFE_METHODS and not _wrote_recently(request, now)
        allowed_token = _replica_allowed.set(allowed)
        wrote_token = _wrote.set(False)
        try:
            response = self.get_response(request)
            wrote = _wrote.get()
        finally:
            _replica_allowed.reset(allowed_token)
            _wrote.reset(wrote_token)
        if wrote:
            seconds = settings.DATABASE_REPLICA_STICKY_SECONDS
            response.set_cookie(
                COOKIE,
                str(int(now) + seconds),
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
