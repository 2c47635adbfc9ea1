"""Completing a pending wholesale enrolment (R16), run in the background."""

from django.db import transaction

from practice import clock
from practice.activity import activity_record
from practice.models import Firm
from subscriptions.models import Subscription, SubscriptionStatus
from subscriptions.periods import client_billing_refresh, open_period
from subscriptions.selectors import billing_profile_missing
from subscriptions.signals import announce_change


@transaction.atomic
def subscription_enrolment_complete(*, firm: Firm, subscription_id: int) -> bool:
    """Complete a pending wholesale enrolment once the firm's billing profile is
    complete (R16). Idempotent: does nothing unless the subscription is pending.
    Returns True when it activated the subscription."""
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .filter(firm=firm, pk=subscription_id)
        .select_related("client__number_row", "product")
        .first()
    )
    if subscription is None or subscription.status != SubscriptionStatus.PENDING:
        return False
    if billing_profile_missing(firm=firm) != []:
        return False
    start = clock.today()
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.start_date = start
    subscription.save(update_fields=["status", "start_date"])
    open_period(subscription, on=start)
    activity_record(
        firm=firm,
        by=None,
        verb="subscription.enrolled",
        target=subscription,
        changes={"status": [SubscriptionStatus.PENDING, SubscriptionStatus.ACTIVE]},
    )
    announce_change(firm=firm, subscription=subscription, change="enrolled")
    client_billing_refresh(client=subscription.client)
    return True
