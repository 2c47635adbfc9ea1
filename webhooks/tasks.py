"""Celery entry points for webhooks: ids in, the firm's scope entered
(practice.tenancy.firm_task), webhooks.delivery called."""

from celery import shared_task
from django.conf import settings
from django.db import transaction

from practice.models import Firm
from practice.tenancy import firm_task
from webhooks import delivery, emails
from webhooks.selectors import endpoint_turned_off_by_failures


@firm_task(soft_time_limit=60, time_limit=90)
def delivery_send(firm: Firm, delivery_id: int) -> None:
    """Make the delivery's next attempt when it is due, then queue the one after it
    (exponential back-off), or have the admins told that its endpoint was turned off."""
    outcome = delivery.delivery_attempt(firm=firm, delivery_id=delivery_id)
    firm_id = firm.pk
    if outcome.retry_in is not None:
        wait = outcome.retry_in
        transaction.on_commit(
            lambda: delivery_send.apply_async((firm_id, delivery_id), countdown=wait)
        )
    if outcome.disabled_endpoint_id is not None:
        endpoint_id = outcome.disabled_endpoint_id
        transaction.on_commit(lambda: endpoint_disabled_notify.delay(firm_id, endpoint_id))


@firm_task(bind=True, max_retries=5, default_retry_delay=60)
def endpoint_disabled_notify(self, firm: Firm, endpoint_id: int) -> None:
    """E-mail the firm's admins that an endpoint was turned off after failures
    (nothing, when an admin has turned it on again or deleted it meanwhile)."""
    endpoint = endpoint_turned_off_by_failures(firm=firm, endpoint_id=endpoint_id)
    if endpoint is None:
        return
    try:
        emails.send_endpoint_disabled(endpoint)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def deliveries_requeue_due() -> int:
    """Beat, every minute: queue again the deliveries whose message was lost."""
    due = delivery.deliveries_overdue(grace=60)
    for firm_id, delivery_id in due:
        delivery_send.delay(firm_id, delivery_id)
    return len(due)


@shared_task
def webhooks_prune() -> int:
    """Beat, daily: events and delivery logs are kept WEBHOOKS_KEEP_DAYS days."""
    return delivery.events_prune(keep_days=settings.WEBHOOKS_KEEP_DAYS)
