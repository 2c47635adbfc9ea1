"""Tenancy: one gate, scoped queries, the same 404 for missing and foreign ids (R1)."""

import pytest
from django.http import Http404
from django.urls import reverse
from django_scopes import ScopeError, scopes_disabled

from clients.models import Client
from practice.models import ActivityEvent, BillingProfile, Invitation, Membership
from practice.tenancy import firm_scope, get_in_firm_or_404
from tests.practice.factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Membership, Invitation, BillingProfile, ActivityEvent, Client])
def test_a_query_on_a_tenant_model_outside_a_scope_raises(model, firm):
    with pytest.raises(ScopeError):
        list(model.objects.all())
    with pytest.raises(ScopeError):
        model.objects.filter(pk=1).exists()


def test_a_scope_limits_queries_to_its_firm(firm, other_firm, primary_admin):
    with scopes_disabled():
        MembershipFactory(firm=other_firm)
    with firm_scope(firm):
        assert list(Membership.objects.all()) == [primary_admin]


def test_id_lookups_answer_the_same_404_for_missing_and_foreign_objects(firm, other_firm):
    with scopes_disabled():
        foreign = InvitationFactory(firm=other_firm)
    messages = []
    with firm_scope(firm):
        for pk in (foreign.pk, 987654, "not-a-number"):
            with pytest.raises(Http404) as caught:
                get_in_firm_or_404(Invitation, firm=firm, pk=pk)
            messages.append(str(caught.value))
    assert len(set(messages)) == 1


def test_r1_non_members_and_deactivated_members_get_404(
    client_for, firm, other_firm, primary_admin
):
    with scopes_disabled():
        outsider = MembershipFactory(firm=other_firm)
        former = MembershipFactory(firm=firm, is_active=False)
    team = reverse("team", args=[firm.slug])
    assert client_for(outsider).get(team).status_code == 404
    assert client_for(former).get(team).status_code == 404
    assert client_for(primary_admin).get(team).status_code == 200
    missing = reverse("team", args=["no-such-firm"])
    assert client_for(primary_admin).get(missing).status_code == 404


def test_the_gate_sets_the_firm_and_membership(client_for, firm, standard_member):
    response = client_for(standard_member).get(reverse("team", args=[firm.slug]))
    assert response.wsgi_request.firm == firm
    assert response.wsgi_request.membership == standard_member
