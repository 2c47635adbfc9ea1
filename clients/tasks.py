"""Celery finds each app's tasks in its `tasks` module: the client side's live
with the companies they write to."""

from celery import shared_task

from clients import assignments
from clients.companies.tasks import (  # noqa: F401
    send_accountant_accepted_email,
    send_accountant_invitation_email,
    send_portal_accepted_email,
    send_portal_invitation_email,
)
from practice.models import Firm
from practice.tenancy import firm_task


@firm_task
def assignments_expire(firm: Firm) -> int:
    """Remove one firm's grants whose end date has passed (R30)."""
    return assignments.assignments_expire(firm=firm)


@shared_task
def assignments_expire_due() -> int:
    """Beat (daily): access already ends after a grant's end date by itself; this
    removes the ended grants and logs each as expired, firm by firm."""
    firm_ids = list(Firm.objects.values_list("pk", flat=True))
    for firm_id in firm_ids:
        assignments_expire.delay(firm_id)
    return len(firm_ids)
