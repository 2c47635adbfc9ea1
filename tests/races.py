"""Two submissions at once, made reproducible.

`passes_once` lets a service's pre-check pass on its first call, as it does for
the second of two racing requests when the first has not committed yet: the
rival row, made beforehand, is then met by the database's unique constraint.
`then_rival` runs the pre-check, then makes the rival row appear.

On PostgreSQL, `race` sends the same request from two threads, each with its own
database connection; `meet_after` holds each thread after the pre-check until the
other has passed it too, so both really write at the same moment."""

import contextlib
import threading
from functools import wraps

import pytest
from django.db import connection, connections

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a real race needs PostgreSQL"
)


def passes_once(monkeypatch, owner, name: str):
    original = getattr(owner, name)
    calls = []

    @wraps(original)
    def check(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            return None
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, check)
    return calls


def then_rival(monkeypatch, owner, name: str, rival):
    """The first call of the check runs, then `rival()` writes the conflicting row."""
    original = getattr(owner, name)
    calls = []

    @wraps(original)
    def check(*args, **kwargs):
        result = original(*args, **kwargs)
        if not calls:
            calls.append(1)
            rival()
        return result

    monkeypatch.setattr(owner, name, check)
    return calls


def meet_after(monkeypatch, owner, name: str, parties: int = 2):
    """Each thread's first call of `owner.name` waits for the other threads' first call."""
    original = getattr(owner, name)
    barrier = threading.Barrier(parties, timeout=10)
    seen = threading.local()

    @wraps(original)
    def check(*args, **kwargs):
        result = original(*args, **kwargs)
        if not getattr(seen, "done", False):
            seen.done = True
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return result

    monkeypatch.setattr(owner, name, check)


def race(*requests):
    """Run each request (a callable returning a response) in its own thread, at once."""
    answers = [None] * len(requests)
    errors = []

    def run(i, request):
        try:
            answers[i] = request()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    if errors:
        raise errors[0]
    return answers
