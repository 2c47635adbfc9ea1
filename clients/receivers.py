"""How the clients app answers the practice app's hooks (connected in ClientsConfig.ready)."""

from django.db.models import Q

from clients import access, assignments, services


def member_workload(sender, *, membership, **kwargs) -> int:
    return services.lead_client_count(membership=membership) + assignments.assignments_count(
        membership=membership
    )


def member_handover(sender, *, firm, membership, successor, by, **kwargs) -> None:
    if successor is not None:
        services.clients_reassign_lead(firm=firm, source=membership, target=successor, by=by)
        assignments.assignments_hand_over(firm=firm, source=membership, target=successor, by=by)


def activity_restriction(sender, *, membership, **kwargs) -> Q | None:
    """A restricted member reads the entries of the clients they reach, nothing else."""
    if access.reach_condition(membership) is None:
        return None
    reachable = access.clients_reachable(membership=membership).values("pk")
    return Q(target_type="client", target_id__in=reachable)
