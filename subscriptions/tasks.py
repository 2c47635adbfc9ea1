"""Background work of subscriptions: wholesale enrolments (R16). The apps for
clients have theirs in subscriptions.clientapps.tasks."""

from celery import shared_task

from practice.models import Firm
from practice.tenancy import firm_task
from subscriptions import selectors
from subscriptions.enrolment import subscription_enrolment_complete


@firm_task
def enrolment_complete(firm: Firm, subscription_id: int) -> bool:
    """Complete one pending wholesale enrolment (R16). Safe to run again: it only
    acts on a pending subscription of a firm whose billing profile is complete."""
    return subscription_enrolment_complete(firm=firm, subscription_id=subscription_id)


@shared_task
def enrolments_sweep() -> int:
    """Beat: retry the enrolments still pending (for instance, the billing profile
    was completed after the client was added)."""
    pending = selectors.pending_enrolments(limit=5000)
    for firm_id, pk in pending:
        enrolment_complete.delay(firm_id, pk)
    return len(pending)
