"""Reads for webhooks. Lookups by id answer 404 alike for missing and other firms' ids."""

from django.db.models import OuterRef, QuerySet, Subquery

from practice.models import Firm, Membership, Role
from practice.tenancy import get_in_firm_or_404
from webhooks.models import (
    DeliveryAttempt,
    DeliveryStatus,
    DisabledReason,
    WebhookDelivery,
    WebhookEndpoint,
)

LOG_PAGE = 50


def endpoints_for_firm(*, firm: Firm) -> QuerySet[WebhookEndpoint]:
    """The firm's endpoints, each with its latest attempt's time and outcome."""
    latest = DeliveryAttempt.objects.filter(firm=firm, endpoint=OuterRef("pk")).order_by("-pk")
    return WebhookEndpoint.objects.filter(firm=firm).annotate(
        last_attempt_at=Subquery(latest.values("started_at")[:1]),
        last_attempt_succeeded=Subquery(latest.values("succeeded")[:1]),
        last_status_code=Subquery(latest.values("status_code")[:1]),
    )


def access_endpoint_by_id(*, firm: Firm, endpoint_id) -> WebhookEndpoint:
    return get_in_firm_or_404(WebhookEndpoint, firm=firm, pk=endpoint_id)


def delivery_log(*, endpoint: WebhookEndpoint, before=None) -> tuple[list, int | None]:
    """A page of the endpoint's attempts, newest first, and the cursor of the next
    (older) page, or None. `before` is an attempt id from a previous page."""
    rows = (
        DeliveryAttempt.objects.filter(firm=endpoint.firm_id, endpoint=endpoint)
        .select_related("delivery__event")
        .order_by("-pk")
    )
    try:
        before = int(before) if before not in (None, "") else None
    except (TypeError, ValueError):
        before = None
    if before is not None and not 0 < before < 2**63:
        before = None
    if before is not None:
        rows = rows.filter(pk__lt=before)
    page = list(rows[: LOG_PAGE + 1])
    more = len(page) > LOG_PAGE
    page = page[:LOG_PAGE]
    return page, (page[-1].pk if more else None)


def deliveries_waiting(*, endpoint: WebhookEndpoint) -> dict:
    """How many deliveries of the endpoint wait for an attempt, and when the next is due."""
    waiting = WebhookDelivery.objects.filter(
        firm=endpoint.firm_id, endpoint=endpoint, status=DeliveryStatus.PENDING
    )
    first = waiting.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    return {"count": waiting.count(), "next_at": first}


def endpoint_turned_off_by_failures(*, firm: Firm, endpoint_id: int) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(
        firm=firm, pk=endpoint_id, is_enabled=False, disabled_reason=DisabledReason.FAILURES
    ).first()


def last_failed_attempt(*, endpoint: WebhookEndpoint) -> DeliveryAttempt | None:
    return (
        DeliveryAttempt.objects.filter(firm=endpoint.firm_id, endpoint=endpoint, succeeded=False)
        .order_by("-pk")
        .first()
    )


def firm_admins(*, firm: Firm) -> QuerySet[Membership]:
    return Membership.objects.filter(
        firm=firm, is_active=True, role__in=[Role.PRIMARY_ADMIN, Role.ADMIN]
    ).select_related("user")
