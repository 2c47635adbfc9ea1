"""Writes for clients."""

from django.db import transaction

from clients.models import Client
from practice.models import Firm, Membership, User
from practice.services import activity_record


def lead_client_count(*, membership: Membership) -> int:
    """Clients (active or not) whose lead accountant is `membership`."""
    return Client.objects.filter(firm=membership.firm_id, lead_accountant=membership).count()


@transaction.atomic
def clients_reassign_lead(*, firm: Firm, source: Membership, target: Membership, by: User) -> int:
    """Hand every client led by `source` to `target` (used when deactivating a member)."""
    ids = list(
        Client.objects.filter(firm=firm, lead_accountant=source).values_list("pk", flat=True)
    )
    if ids:
        Client.objects.filter(firm=firm, pk__in=ids).update(lead_accountant=target)
        activity_record(
            firm=firm,
            by=by,
            verb="client.lead_reassigned",
            target_type="membership",
            target_label=str(target.user),
            changes={"lead_accountant": [str(source.user), str(target.user)], "clients": len(ids)},
        )
    return len(ids)
