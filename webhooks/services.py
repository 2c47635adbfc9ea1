"""Writes for webhooks: the firm's endpoints (admins only, R2) and the events that
go to them. Every change to an endpoint is recorded in the firm's activity log."""

import uuid
from collections.abc import Iterable
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from practice import clock
from practice.activity import activity_record
from practice.models import Firm, Membership
from practice.permissions import require_admin
from webhooks import addresses, payloads, tasks
from webhooks.models import (
    TEST_EVENT,
    DisabledReason,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    new_secret,
)

DESCRIPTION_MAX_LENGTH = 200
BATCH = 500


def _checked_url(url: str) -> str:
    """The URL, once addresses.resolve accepts it (scheme, host, public address)."""
    try:
        addresses.resolve(url)
    except addresses.AddressRefused as exc:
        raise ValidationError({"url": exc.message}, code=exc.code) from None
    return url.strip()


def _checked_events(events: Iterable[str]) -> list[str]:
    chosen = set(events or [])
    if chosen - set(EventType.values):
        raise ValidationError({"events": _("Choose events from the list.")})
    if not chosen:
        raise ValidationError({"events": _("Choose at least one event.")})
    return [value for value in EventType.values if value in chosen]


def _checked_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {
                "description": _("A description has at most %(max)d characters.")
                % {"max": DESCRIPTION_MAX_LENGTH}
            }
        )
    return description


def _events_text(events: list[str]) -> str:
    return ", ".join(events)


@transaction.atomic
def endpoint_create(
    *, firm: Firm, by: Membership, url: str, events: Iterable[str], description: str = ""
) -> WebhookEndpoint:
    """Register an endpoint. Its address must pass the checks of webhooks.addresses;
    the signing secret is generated here."""
    require_admin(by, firm=firm)
    if WebhookEndpoint.objects.filter(firm=firm).count() >= settings.WEBHOOKS_MAX_ENDPOINTS:
        raise ValidationError(
            _("A firm has at most %(max)d webhook endpoints. Delete one you no longer use.")
            % {"max": settings.WEBHOOKS_MAX_ENDPOINTS}
        )
    fields = {
        "url": _checked_url(url),
        "events": _checked_events(events),
        "description": _checked_description(description),
    }
    endpoint = WebhookEndpoint.objects.create(firm=firm, created_by=by.user, **fields)
    activity_record(
        firm=firm,
        by=by.user,
        verb="webhook.endpoint_added",
        target=endpoint,
        changes={"url": [None, endpoint.url], "events": [None, _events_text(endpoint.events)]},
    )
    return endpoint


def _locked(firm: Firm, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return WebhookEndpoint.objects.select_for_update().get(firm=firm, pk=endpoint.pk)


@transaction.atomic
def endpoint_update(
    *,
    firm: Firm,
    endpoint: WebhookEndpoint,
    by: Membership,
    url: str,
    events: Iterable[str],
    description: str = "",
) -> WebhookEndpoint:
    require_admin(by, firm=firm)
    current = _locked(firm, endpoint)
    after = {
        "url": current.url if url.strip() == current.url else _checked_url(url),
        "events": _checked_events(events),
        "description": _checked_description(description),
    }
    changes = {}
    for name, value in after.items():
        before = getattr(current, name)
        if before != value:
            setattr(current, name, value)
            if name == "events":
                changes[name] = [_events_text(before), _events_text(value)]
            else:
                changes[name] = [before, value]
    if changes:
        current.save()
        activity_record(
            firm=firm, by=by.user, verb="webhook.endpoint_changed", target=current, changes=changes
        )
    return current


@transaction.atomic
def endpoint_set_enabled(
    *, firm: Firm, endpoint: WebhookEndpoint, by: Membership, enabled: bool
) -> WebhookEndpoint:
    """Turn an endpoint on (its address is checked again) or off. Deliveries waiting
    for an endpoint that is off are not sent; turning it on starts with new events."""
    require_admin(by, firm=firm)
    current = _locked(firm, endpoint)
    if current.is_enabled == enabled:
        return current
    if enabled:
        _checked_url(current.url)
        current.is_enabled, current.disabled_reason, current.disabled_at = True, "", None
        current.failed_deliveries = 0
    else:
        current.is_enabled = False
        current.disabled_reason = DisabledReason.MANUAL
        current.disabled_at = clock.now()
    current.save()
    activity_record(
        firm=firm,
        by=by.user,
        verb="webhook.endpoint_enabled" if enabled else "webhook.endpoint_disabled",
        target=current,
    )
    return current


@transaction.atomic
def endpoint_delete(*, firm: Firm, endpoint: WebhookEndpoint, by: Membership) -> None:
    """Delete an endpoint with its delivery log; the activity log keeps its URL."""
    require_admin(by, firm=firm)
    current = _locked(firm, endpoint)
    activity_record(
        firm=firm,
        by=by.user,
        verb="webhook.endpoint_deleted",
        target=current,
        changes={"url": [current.url, None]},
    )
    current.delete()


@transaction.atomic
def endpoint_secret_reveal(*, firm: Firm, endpoint: WebhookEndpoint, by: Membership) -> str:
    """The signing secret, for an admin who asked to see it (logged)."""
    require_admin(by, firm=firm)
    activity_record(firm=firm, by=by.user, verb="webhook.secret_revealed", target=endpoint)
    return endpoint.secret


@transaction.atomic
def endpoint_secret_roll(*, firm: Firm, endpoint: WebhookEndpoint, by: Membership) -> str:
    """Replace the signing secret: deliveries from now on are signed with the new one."""
    require_admin(by, firm=firm)
    current = _locked(firm, endpoint)
    current.secret = new_secret()
    current.save(update_fields=["secret", "updated_at"])
    activity_record(firm=firm, by=by.user, verb="webhook.secret_rolled", target=current)
    return current.secret


# Events ----------------------------------------------------------------------------


def _envelope(*, firm: Firm, event_type: str, public_id: uuid.UUID, created, data: dict) -> dict:
    return {
        "id": f"evt_{public_id.hex}",
        "type": event_type,
        "created": created.isoformat(),
        "firm": {"id": firm.pk, "slug": firm.slug, "name": firm.name},
        "data": data,
    }


def _enqueue(firm_id: int, delivery_ids: list[int]) -> None:
    def send():
        for pk in delivery_ids:
            tasks.delivery_send.delay(firm_id, pk)

    transaction.on_commit(send)


def _record(*, firm: Firm, event_type: str, items: Iterable[dict], endpoints) -> int:
    """One event per item of `items`, and one delivery of it per endpoint."""
    created = clock.now()
    iterator = iter(items)
    count = 0
    while batch := list(islice(iterator, BATCH)):
        events = []
        for data in batch:
            public_id = uuid.uuid4()
            payload = _envelope(
                firm=firm, event_type=event_type, public_id=public_id, created=created, data=data
            )
            events.append(
                WebhookEvent(
                    firm=firm,
                    public_id=public_id,
                    type=event_type,
                    created_at=created,
                    payload=payload,
                )
            )
        events = WebhookEvent.objects.bulk_create(events)
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(firm=firm, endpoint=endpoint, event=event, next_attempt_at=created)
                for event in events
                for endpoint in endpoints
            ]
        )
        _enqueue(firm.pk, [d.pk for d in deliveries])
        count += len(events)
    return count


@transaction.atomic
def events_emit(*, firm: Firm, event_type: str, items: Iterable[dict]) -> int:
    """Record events of `event_type` (one per item of `items`, each the event's
    data) for the firm's endpoints that are on and chose the type, and queue their
    deliveries for after the commit. `items` is only read when some endpoint
    wants the events. Returns how many events were recorded."""
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(firm=firm, is_enabled=True).only(
            "pk", "events"
        )
        if event_type in endpoint.events
    ]
    if not endpoints:
        return 0
    return _record(firm=firm, event_type=event_type, items=items, endpoints=endpoints)


@transaction.atomic
def endpoint_test_send(*, firm: Firm, endpoint: WebhookEndpoint, by: Membership) -> None:
    """The "Send test event" button: one event of type webhook.test for this endpoint
    alone, on or off, tried once (it neither retries nor counts towards turning the
    endpoint off)."""
    require_admin(by, firm=firm)
    _record(
        firm=firm,
        event_type=TEST_EVENT,
        items=[payloads.test_event(endpoint)],
        endpoints=[endpoint],
    )
