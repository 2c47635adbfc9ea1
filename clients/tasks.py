"""Celery finds each app's tasks in its `tasks` module: the client side's live
with the companies they write to."""

from clients.companies.tasks import (  # noqa: F401
    send_accountant_accepted_email,
    send_accountant_invitation_email,
    send_portal_accepted_email,
    send_portal_invitation_email,
)
