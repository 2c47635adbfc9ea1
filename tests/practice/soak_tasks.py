"""A task for the local-broker soak test: it notes that it ran, once per call."""

import os

from celery import shared_task


@shared_task(name="tests.soak.mark")
def mark(path: str, number: int) -> None:
    # One short write with O_APPEND: lines from one process never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{number}\n".encode())
    finally:
        os.close(fd)
