from celery import shared_task

from practice.models import Firm
from practice.tenancy import firm_scope, scopes_disabled


@shared_task
def enrolment_complete(firm_id: int, subscription_id: int) -> bool:
    """Complete one pending wholesale enrolment (R16). Safe to run again: it only
    acts on a pending subscription of a firm whose billing profile is complete."""
    from subscriptions.services import subscription_enrolment_complete

    firm = Firm.objects.filter(pk=firm_id).first()
    if firm is None:
        return False
    with firm_scope(firm):
        return subscription_enrolment_complete(firm=firm, subscription_id=subscription_id)


@shared_task
def enrolments_sweep() -> int:
    """Beat: retry the enrolments still pending (for instance, the billing profile
    was completed after the client was added)."""
    from subscriptions.models import Billing, Subscription, SubscriptionStatus

    with scopes_disabled():
        pending = list(
            Subscription.objects.filter(
                status=SubscriptionStatus.PENDING, billing=Billing.WHOLESALE
            ).values_list("firm_id", "pk")[:5000]
        )
    for firm_id, pk in pending:
        enrolment_complete.delay(firm_id, pk)
    return len(pending)
