"""The one clock of the domain: `today()` is the firm's business day.

Services and selectors ask here rather than calling the date library, so tests
move time one way only: with time-machine, which moves every clock at once."""

import datetime

from django.utils import timezone


def today() -> datetime.date:
    return timezone.localdate()


def now() -> datetime.datetime:
    return timezone.now()


def now_on(day: datetime.date) -> datetime.datetime:
    """The current time of day, on `day` (aware)."""
    return timezone.make_aware(datetime.datetime.combine(day, timezone.localtime().time()))
