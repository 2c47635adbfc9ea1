"""R30–R31 on the Subscriptions & billing tab: members see the wholesale clients
they reach; when the firm chooses so, admins other than the primary admin see
only the clients they lead or are assigned to, as the seeds' product does."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_scopes import scopes_disabled

from clients.models import ClientAssignment
from practice import services as practice_services
from practice.models import ClientAccess
from tests.practice.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _listed(client, firm) -> set[str]:
    body = client.get(reverse("billing:index", args=[firm.slug])).content.decode()
    return {name for name in ("Mine", "Assigned", "Other") if name in body}


@pytest.fixture
def three(firm, wholesale):
    def make(owner):
        subs = {name: wholesale("essentials") for name in ("Mine", "Assigned", "Other")}
        with scopes_disabled():
            for name, sub in subs.items():
                sub.client.display_name = name
                sub.client.lead_accountant = owner if name == "Mine" else None
                sub.client.save()
            ClientAssignment.objects.create(
                firm=firm, client=subs["Assigned"].client, membership=owner
            )
        return subs

    return make


def test_r30_admins_see_only_their_clients_on_billing_when_the_firm_chooses(
    firm, primary_admin, admin_member, client_for, three
):
    three(admin_member)
    assert _listed(client_for(admin_member), firm) == {"Mine", "Assigned", "Other"}
    with scopes_disabled():
        firm.billing_assigned_only = True
        firm.save()
    assert _listed(client_for(admin_member), firm) == {"Mine", "Assigned"}
    assert _listed(client_for(primary_admin), firm) == {"Mine", "Assigned", "Other"}


def test_r31_a_restricted_member_sees_only_reachable_wholesale_clients(
    firm, primary_admin, client_for, three
):
    with scopes_disabled():
        member = MembershipFactory(firm=firm, role="standard", client_access=ClientAccess.ASSIGNED)
    three(member)
    assert _listed(client_for(member), firm) == {"Mine", "Assigned"}
    with scopes_disabled():
        member.client_access = ClientAccess.ALL
        member.save()
    assert _listed(client_for(member), firm) == {"Mine", "Assigned", "Other"}


def test_r30_only_the_primary_admin_chooses_the_billing_restriction(
    firm, primary_admin, admin_member, client_for
):
    url = reverse("firm_settings", args=[firm.slug])
    fields = {"name": firm.name, "country": firm.country, "currency": firm.currency}
    fields["language"] = firm.language
    client_for(admin_member).post(url, {**fields, "billing_assigned_only": "on"})
    firm.refresh_from_db()
    assert firm.billing_assigned_only is False
    with scopes_disabled(), pytest.raises(PermissionDenied):
        practice_services.firm_update(firm=firm, by=admin_member, billing_assigned_only=True)
    response = client_for(primary_admin).post(url, {**fields, "billing_assigned_only": "on"})
    assert response.status_code == 302
    firm.refresh_from_db()
    assert firm.billing_assigned_only is True
