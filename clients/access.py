"""Which clients a team member may reach (R30): the one mechanism.

Admins, the primary admin and standard members set to "all clients" reach every
client of the firm. A member set to "assigned clients only" reaches the clients
they lead and those on whose firm team they are assigned, while the grant lasts.
Every client queryset a member works with starts from `clients_reachable`, and
every lookup by id goes through `access_client_by_id`, which answers 404 alike
for a missing client, another firm's, and one the member may not reach."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from clients.models import Client, ClientAssignment, ClientStatus
from practice import clock
from practice.models import Membership
from practice.tenancy import get_in_firm_or_404


def live_grants() -> Q:
    """Grants still in force today (one with an end date gives access up to that day)."""
    return Q(ends_on__isnull=True) | Q(ends_on__gte=clock.today())


def reach_condition(membership: Membership) -> Q | None:
    """The filter on clients a restricted member reaches; None when they reach all."""
    if membership.reaches_all_clients:
        return None
    return _assigned_only(membership)


def reachable_ids(membership: Membership) -> QuerySet | None:
    """The ids of the clients a restricted member reaches, as one subquery driven
    by the assignment table (live grants, plus the clients they lead); None when
    they reach all. Counting through it reads only those clients, where the
    condition of `reach_condition` alone would test every client of the firm."""
    if membership.reaches_all_clients:
        return None
    granted = ClientAssignment.objects.filter(
        live_grants(), firm=membership.firm_id, membership=membership
    ).values("client_id")
    led = Client.objects.filter(firm=membership.firm_id, lead_accountant=membership).values("pk")
    return granted.union(led, all=True)


def reachable_count(*, membership: Membership, active_only: bool, cap: int) -> int | None:
    """How many clients (the active ones when `active_only`) a restricted member
    reaches, counting up to `cap` + 1; None when they reach all. Read from the
    grants' own copy of the client's status and the clients they lead: one
    index-only scan of their grants instead of one lookup per client."""
    if membership.reaches_all_clients:
        return None
    granted = ClientAssignment.objects.filter(
        live_grants(), firm=membership.firm_id, membership=membership
    )
    # The clients they lead that no grant already counts: the two parts are then
    # apart, and added up without setting thousands of ids apart (UNION ALL).
    led = Client.objects.filter(firm=membership.firm_id, lead_accountant=membership).exclude(
        Exists(granted.filter(client=OuterRef("pk")))
    )
    if active_only:
        granted = granted.filter(client_active=True)
        led = led.filter(status=ClientStatus.ACTIVE)
    ids = granted.values_list("client_id").union(led.values_list("pk"), all=True)
    return ids[: cap + 1].count()


def clients_reachable(*, membership: Membership, to_count: bool = False) -> QuerySet[Client]:
    """The clients the member reaches. The default form suits reading rows in an
    index's order (it stops after a page); `to_count=True` gives the same clients
    driven by the assignment table, for counting or reading all of them."""
    clients = Client.objects.filter(firm=membership.firm_id)
    if to_count:
        ids = reachable_ids(membership)
        return clients if ids is None else clients.filter(pk__in=ids)
    condition = reach_condition(membership)
    return clients if condition is None else clients.filter(condition)


def _assigned_only(membership: Membership) -> Q:
    granted = ClientAssignment.objects.filter(
        live_grants(), firm=membership.firm_id, membership=membership, client=OuterRef("pk")
    )
    return Q(lead_accountant=membership) | Q(Exists(granted))


def clients_for_billing(*, membership: Membership) -> QuerySet[Client]:
    """The clients the member sees on Subscriptions & billing: those they reach, and
    when the firm chooses so, only their own (led or assigned) for admins other than
    the primary admin, as the seeds' product does."""
    firm = membership.firm
    if membership.is_admin and not membership.is_primary_admin and firm.billing_assigned_only:
        return Client.objects.filter(_assigned_only(membership), firm=membership.firm_id)
    return clients_reachable(membership=membership)


def can_reach(*, membership: Membership, client: Client) -> bool:
    if client.firm_id != membership.firm_id:
        return False
    if reach_condition(membership) is None or client.lead_accountant_id == membership.pk:
        return True
    return clients_reachable(membership=membership).filter(pk=client.pk).exists()


def access_client_by_id(*, membership: Membership, client_id) -> Client:
    """One client the member may reach, or Http404 as for a missing one."""
    return get_in_firm_or_404(
        clients_reachable(membership=membership).select_related("lead_accountant__user"),
        firm=membership.firm_id,
        pk=client_id,
    )
