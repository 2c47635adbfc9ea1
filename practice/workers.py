"""Whether the background workers are alive: each Celery worker stamps a time in
the cache when it starts and every WORKER_HEARTBEAT_SECONDS after (the bootstep
in practice.celery). Pages that wait on background work say so when no worker
has been heard from for WORKER_SILENT_SECONDS."""

import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "ledgerly:worker-heartbeat"


def worker_heartbeat_record() -> None:
    try:
        cache.set(HEARTBEAT_KEY, time.time(), timeout=None)
    except Exception:
        logger.exception("Could not record the worker heartbeat.")


def worker_last_seen() -> float | None:
    try:
        return cache.get(HEARTBEAT_KEY)
    except Exception:
        logger.exception("Could not read the worker heartbeat.")
        return None


def workers_running() -> bool:
    """True when a worker was heard from lately, or tasks run in-process."""
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return True
    seen = worker_last_seen()
    return seen is not None and time.time() - seen <= settings.WORKER_SILENT_SECONDS
