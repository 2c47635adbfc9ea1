"""Subscriptions read as one list (the API): those of the clients the member
sees on Subscriptions & billing (R17, R31), paged by id."""

from django.db.models import QuerySet

from clients.access import clients_for_billing
from practice.models import Membership
from subscriptions.models import LIVE, Subscription


def subscriptions_for_member(
    *, membership: Membership, billing: str = "", live_only: bool = True
) -> QuerySet[Subscription]:
    """Plans and add-ons of the clients the member sees there, by id, with their
    client and product; only live ones (pending or active) unless asked."""
    qs = Subscription.objects.filter(
        firm=membership.firm_id,
        client__in=clients_for_billing(membership=membership).values("pk"),
    ).select_related("client", "product")
    if billing:
        qs = qs.filter(billing=billing)
    if live_only:
        qs = qs.filter(status__in=LIVE)
    return qs.order_by("pk")


def subscriptions_page(
    *, membership: Membership, billing: str = "", live_only: bool = True, after: int = 0, size: int
) -> tuple[list[Subscription], bool]:
    """`size` subscriptions after id `after`, and whether more follow."""
    rows = list(
        subscriptions_for_member(membership=membership, billing=billing, live_only=live_only)
        .filter(pk__gt=after)
        .prefetch_related("product__prices")[: size + 1]
    )
    return rows[:size], len(rows) > size
