"""How the clients app answers the practice app's hooks (connected in ClientsConfig.ready)."""

from clients import services


def member_workload(sender, *, membership, **kwargs) -> int:
    return services.lead_client_count(membership=membership)


def member_handover(sender, *, firm, membership, successor, by, **kwargs) -> None:
    if successor is not None:
        services.clients_reassign_lead(firm=firm, source=membership, target=successor, by=by)
