"""One import at a time per firm.

On PostgreSQL a session advisory lock is held for the whole run: it spans the
job's several transactions and is released by the server if the worker dies,
which is also how a stale "running" job is told from a live one. SQLite has
no such locks but serialises writers, and the apply step is a single write
transaction that starts by writing."""

from contextlib import contextmanager

from django.db import connection

LOCK_CLASS = 0x1A7  # namespace of the imports' advisory locks


def _key(firm_id: int) -> list[int]:
    return [LOCK_CLASS, firm_id % 2_147_483_647]


@contextmanager
def firm_import_lock(firm_id: int):
    """Yield True if this process now holds the firm's import lock, else False."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", _key(firm_id))
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", _key(firm_id))


def firm_import_lock_in_transaction(firm_id: int) -> bool:
    """Take the firm's import lock until the end of the current transaction, if free."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", _key(firm_id))
        return cursor.fetchone()[0]
