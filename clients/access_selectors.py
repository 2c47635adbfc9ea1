"""Reads for managing client access (R30): a client's firm team, a member's
assigned clients, and the clients an admin may add to a member's list."""

from django.db.models import Count, QuerySet

from clients.access import clients_reachable
from clients.models import Client, ClientAssignment
from clients.search import number_or_name, search_text
from practice.models import Firm, Membership
from practice.tenancy import get_in_firm_or_404

SEARCH_LIMIT = 20


def client_firm_team(*, client: Client) -> list[ClientAssignment]:
    """The members assigned to the client, by name (the lead accountant is on the client)."""
    return list(
        ClientAssignment.objects.filter(firm=client.firm_id, client=client)
        .select_related("membership__user")
        .order_by("membership__user__full_name", "membership__user__email", "pk")
    )


def access_assignment(*, client: Client, membership: Membership) -> ClientAssignment:
    """The member's assignment to the client, or Http404 (nothing to change)."""
    return get_in_firm_or_404(
        ClientAssignment, firm=client.firm_id, client=client, membership=membership
    )


def member_assignments(*, membership: Membership) -> list[ClientAssignment]:
    """The clients `membership` is assigned to, by client name."""
    return list(
        ClientAssignment.objects.filter(firm=membership.firm_id, membership=membership)
        .select_related("client__number_row")
        .order_by("client__search_name", "client_id")
    )


def assignment_counts(*, firm: Firm) -> dict[int, int]:
    """How many clients each member is assigned to (members without any are absent)."""
    rows = (
        ClientAssignment.objects.filter(firm=firm)
        .values("membership_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {row["membership_id"]: row["count"] for row in rows}


def firm_members(*, firm: Firm) -> QuerySet[Membership]:
    """Every member of the firm, deactivated ones too: what an access form accepts,
    so that choosing a deactivated member gets the service's own message."""
    return (
        Membership.objects.filter(firm=firm)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def clients_to_assign(
    *, by: Membership, membership: Membership, q: str, limit: int = SEARCH_LIMIT
) -> list[Client]:
    """Clients `by` reaches whose name contains `q` or whose number starts with it,
    without those `membership` is already assigned to; at most `limit` of them."""
    q = search_text(q)
    if not q:
        return []
    condition = number_or_name(firm_id=by.firm_id, text=q)
    assigned = ClientAssignment.objects.filter(firm=membership.firm_id, membership=membership)
    return list(
        clients_reachable(membership=by)
        .filter(condition)
        .exclude(pk__in=assigned.values("client_id"))
        .select_related("lead_accountant__user")
        .order_by("search_name", "pk")[:limit]
    )


def clients_selected(*, by: Membership, client_ids: list[int]) -> list[Client]:
    """The selected clients `by` reaches, by id; an id that is missing, another
    firm's or out of reach is simply absent (the caller compares the counts)."""
    return list(clients_reachable(membership=by).filter(pk__in=client_ids).order_by("pk"))
