"""Sending a delivery: one attempt at a time, retried with exponential back-off,
and the endpoint turned off after repeated failures (run by webhooks.tasks).

Each attempt first claims the delivery: it must be waiting and due, and the claim
moves `next_attempt_at` past the attempt's duration (its lease). A second message
for the same delivery, a duplicate or one sent early, finds nothing to claim, so
no attempt is made twice. The HTTP request runs outside any transaction."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from practice import clock
from practice.activity import activity_record
from practice.models import Firm
from webhooks import addresses, sender, signing
from webhooks.models import (
    DeliveryAttempt,
    DeliveryStatus,
    DisabledReason,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

LEASE_SECONDS = 120
# A message may arrive a little before the time it was scheduled for.
EARLY_SECONDS = 5


@dataclass(frozen=True)
class Outcome:
    retry_in: int | None = None
    """Seconds until the next attempt, when one is due."""
    disabled_endpoint_id: int | None = None
    """The endpoint this attempt's failure turned off."""


def backoff(attempt: int) -> int:
    """Seconds to wait after failed attempt number `attempt` (1, 2, ...): 30 s, then
    three times longer each time (1.5 min, 4.5 min, 13.5 min, ...), at most 6 h."""
    wait = settings.WEBHOOKS_RETRY_BASE_SECONDS * 3 ** (attempt - 1)
    return min(wait, settings.WEBHOOKS_RETRY_MAX_SECONDS)


def _seconds(n: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=n)


def _claim(*, firm: Firm, delivery_id: int) -> WebhookDelivery | None:
    now = clock.now()
    claimed = WebhookDelivery.objects.filter(
        firm=firm,
        pk=delivery_id,
        status=DeliveryStatus.PENDING,
        next_attempt_at__lte=now + _seconds(EARLY_SECONDS),
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + _seconds(LEASE_SECONDS))
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint", "event").get(
        firm=firm, pk=delivery_id
    )


def delivery_attempt(*, firm: Firm, delivery_id: int) -> Outcome:
    """Make the next attempt of a delivery, when it is due; otherwise do nothing."""
    delivery = _claim(firm=firm, delivery_id=delivery_id)
    if delivery is None:
        return Outcome()
    endpoint, event = delivery.endpoint, delivery.event
    if not endpoint.is_enabled and not delivery.is_test:
        WebhookDelivery.objects.filter(firm=firm, pk=delivery.pk).update(
            status=DeliveryStatus.CANCELLED,
            attempts=F("attempts") - 1,
            next_attempt_at=None,
            finished_at=clock.now(),
        )
        return Outcome()
    started = clock.now()
    try:
        # Resolved and checked again: the host's DNS may have changed since.
        target = addresses.resolve(endpoint.url)
    except addresses.AddressRefused as exc:
        response = sender.Response(
            status_code=None, duration_ms=0, error_code=exc.code, error=exc.detail
        )
    else:
        body = signing.body_of(event.payload)
        headers = signing.headers(
            secret=endpoint.secret,
            timestamp=int(started.timestamp()),
            body=body,
            payload=event.payload,
            attempt=delivery.attempts,
        )
        response = sender.post(target, body=body, headers=headers)
    return _record(firm=firm, delivery=delivery, started=started, response=response)


@transaction.atomic
def _record(*, firm: Firm, delivery: WebhookDelivery, started, response) -> Outcome:
    DeliveryAttempt.objects.create(
        firm=firm,
        endpoint_id=delivery.endpoint_id,
        delivery=delivery,
        number=delivery.attempts,
        started_at=started,
        succeeded=response.succeeded,
        status_code=response.status_code,
        duration_ms=response.duration_ms,
        error_code=response.error_code,
        error=response.error[:500],
        response_body=response.body,
    )
    now = clock.now()
    rows = WebhookDelivery.objects.filter(firm=firm, pk=delivery.pk)
    if response.succeeded:
        rows.update(status=DeliveryStatus.SUCCEEDED, next_attempt_at=None, finished_at=now)
        if not delivery.is_test:
            WebhookEndpoint.objects.filter(
                firm=firm, pk=delivery.endpoint_id, failed_deliveries__gt=0
            ).update(failed_deliveries=0)
        return Outcome()
    if not delivery.is_test and delivery.attempts < settings.WEBHOOKS_MAX_ATTEMPTS:
        wait = backoff(delivery.attempts)
        rows.update(next_attempt_at=now + _seconds(wait))
        return Outcome(retry_in=wait)
    rows.update(status=DeliveryStatus.FAILED, next_attempt_at=None, finished_at=now)
    if delivery.is_test:
        return Outcome()
    return Outcome(disabled_endpoint_id=_failed_delivery(firm=firm, pk=delivery.endpoint_id))


def _failed_delivery(*, firm: Firm, pk: int) -> int | None:
    """Count a delivery that failed every attempt; turn the endpoint off when the
    last WEBHOOKS_DISABLE_AFTER deliveries all did. Returns its id when it did."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(firm=firm, pk=pk)
    endpoint.failed_deliveries += 1
    turned_off = endpoint.is_enabled and (
        endpoint.failed_deliveries >= settings.WEBHOOKS_DISABLE_AFTER
    )
    if turned_off:
        endpoint.is_enabled = False
        endpoint.disabled_reason = DisabledReason.FAILURES
        endpoint.disabled_at = clock.now()
        activity_record(
            firm=firm,
            by=None,
            verb="webhook.endpoint_auto_disabled",
            target=endpoint,
            changes={"failed_deliveries": endpoint.failed_deliveries},
        )
    endpoint.save()
    return endpoint.pk if turned_off else None


# Housekeeping, across firms (beat) ---------------------------------------------------


@transaction.atomic
def deliveries_overdue(*, grace: int, limit: int = 1000) -> list[tuple[int, int]]:
    """(firm id, delivery id) of waiting deliveries whose attempt is overdue by more
    than `grace` seconds: their message was lost (a worker died, the broker was
    emptied). They are marked due now, so each is queued again at most once a `grace`."""
    now = clock.now()
    rows = list(
        WebhookDelivery.unscoped.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now - _seconds(grace)
        )
        .order_by("next_attempt_at")
        .values_list("firm_id", "pk")[:limit]
    )
    WebhookDelivery.unscoped.filter(pk__in=[pk for _firm, pk in rows]).update(next_attempt_at=now)
    return rows


def events_prune(*, keep_days: int, batch: int = 1000) -> int:
    """Delete events older than `keep_days`, with their deliveries and delivery logs,
    unless a delivery of theirs is still waiting. Returns how many events went."""
    cutoff = clock.now() - datetime.timedelta(days=keep_days)
    removed = 0
    while True:
        ids = list(
            WebhookEvent.unscoped.filter(created_at__lt=cutoff)
            .exclude(Q(deliveries__status=DeliveryStatus.PENDING))
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return removed
        with transaction.atomic():
            DeliveryAttempt.unscoped.filter(delivery__event_id__in=ids).delete()
            WebhookDelivery.unscoped.filter(event_id__in=ids).delete()
            WebhookEvent.unscoped.filter(pk__in=ids).delete()
        removed += len(ids)
