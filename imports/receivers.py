"""How the imports app answers the clients app's hooks (connected in ImportsConfig.ready)."""

from django.conf import settings

from imports import selectors, tasks


def client_history(sender, *, firm, client_id, limit, **kwargs) -> list:
    """A client's number changes by imports (and their undos) live on the import's
    rows, not in the activity log: they join the client's history from here."""
    return selectors.client_number_changes(firm=firm, client_id=client_id, limit=limit)


def worker_ready_requeue(sender=None, **kwargs) -> None:
    """A Celery worker started: imports left by a dead worker run again now, and
    once more after the stale threshold, for a job whose heartbeat was still
    fresh when this worker came up. Beat does the same every minute, if it runs."""
    tasks.imports_requeue_stale.delay()
    tasks.imports_requeue_stale.apply_async(countdown=settings.IMPORT_STALE_SECONDS + 5)
