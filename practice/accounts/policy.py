"""Two-step verification policy (R33): who must have it, and whether they do."""

import datetime

from allauth.mfa.utils import is_mfa_enabled

from practice import clock


def required_on(required_from: datetime.date | None, day: datetime.date | None = None) -> bool:
    """Whether a policy starting `required_from` applies on `day` (today by default)."""
    return required_from is not None and required_from <= (day or clock.today())


def has_two_step(user) -> bool:
    """An authenticator app or a passkey; recovery codes alone do not count."""
    return user.is_authenticated and is_mfa_enabled(user)
