"""Tenant isolation, one layer at a time (R1).

Two layers keep firms apart: the gate enters the member's firm scope (django-scopes
filters every tenant query by firm), and every lookup by id filters by firm again
(`get_in_firm_or_404`). Each test here takes one layer away and checks that the
other still holds, so the loss of either is noticed on its own."""

from contextlib import contextmanager

import pytest
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django_scopes import scopes_disabled

from clients import access
from clients.models import Client
from practice import middleware, selectors
from practice.models import Invitation, InvitationStatus
from practice.tenancy import firm_scope, get_in_firm_or_404
from tests.clients.factories import ClientFactory
from tests.practice.factories import InvitationFactory

pytestmark = pytest.mark.django_db


def _without_firm_filter(queryset_or_model, *, firm, **lookup):
    """get_in_firm_or_404 with its firm filter dropped: only the scope is left."""
    manager = getattr(queryset_or_model, "objects", queryset_or_model)
    try:
        return manager.all().get(**lookup)
    except manager.model.DoesNotExist:
        raise Http404("No such object.") from None


@contextmanager
def _no_scope(firm):
    """The gate's scope lifted: only the lookups' own firm filters are left."""
    with scopes_disabled():
        yield firm


@pytest.fixture
def foreign_invitation(other_firm):
    with scopes_disabled():
        return InvitationFactory(firm=other_firm)


def _revoke(web, firm, invitation):
    url = reverse("invitation_revoke", args=[firm.slug, invitation.pk])
    return web.post(url)


def _invitation_status(invitation):
    with scopes_disabled():
        return Invitation.objects.get(pk=invitation.pk).status


# The scope alone ------------------------------------------------------------------


def test_r1_the_gates_scope_alone_hides_another_firms_ids(
    monkeypatch, client_for, firm, primary_admin, foreign_invitation
):
    """With the lookup helper's firm filter dropped, the member's firm scope still
    makes another firm's invitation missing: 404, and it is left as it was."""
    monkeypatch.setattr(selectors, "get_in_firm_or_404", _without_firm_filter)
    assert _invitation_status(foreign_invitation) == InvitationStatus.PENDING
    response = _revoke(client_for(primary_admin), firm, foreign_invitation)
    assert response.status_code == 404
    assert _invitation_status(foreign_invitation) == InvitationStatus.PENDING


def test_r1_the_gates_scope_alone_shows_one_firms_rows(
    monkeypatch, client_for, firm, other_firm, primary_admin
):
    """A firm page's queries, run inside the gate's scope, see only that firm's rows
    even when the code forgets its own firm filter."""
    with scopes_disabled():
        ours = ClientFactory(firm=firm)
        ClientFactory(firm=other_firm)
    seen = {}

    def unfiltered(*, membership, to_count=False):
        seen["firms"] = set(Client.objects.values_list("firm_id", flat=True))
        return Client.objects.all()

    monkeypatch.setattr(access, "clients_reachable", unfiltered)
    monkeypatch.setattr(access, "get_in_firm_or_404", _without_firm_filter)
    web = client_for(primary_admin)
    assert web.get(reverse("clients:detail", args=[firm.slug, ours.pk])).status_code == 200
    assert seen["firms"] == {firm.pk}


def test_r1_the_gate_enters_the_members_firm_scope(client_for, firm, other_firm, primary_admin):
    """Inside a firm page, an unfiltered tenant query reads the member's firm only."""
    with scopes_disabled():
        ClientFactory(firm=firm)
        ClientFactory(firm=other_firm)
    seen = {}

    def view(request):
        seen["firms"] = set(Client.objects.values_list("firm_id", flat=True))
        return HttpResponse()

    request = RequestFactory().get(reverse("team", args=[firm.slug]))
    request.user = primary_admin.user
    assert middleware.TenantGateMiddleware(view)(request).status_code == 200
    assert seen["firms"] == {firm.pk}


# The firm filter alone ------------------------------------------------------------


def test_r1_the_lookup_helper_alone_refuses_another_firms_id(firm, foreign_invitation):
    """Outside any scope, the helper's own firm filter answers 404 for a foreign id."""
    with scopes_disabled():
        with pytest.raises(Http404):
            get_in_firm_or_404(Invitation, firm=firm, pk=foreign_invitation.pk)
        with pytest.raises(Http404):
            get_in_firm_or_404(Invitation.objects.all(), firm=firm, pk=foreign_invitation.pk)
        assert (
            get_in_firm_or_404(Invitation, firm=foreign_invitation.firm, pk=foreign_invitation.pk)
            == foreign_invitation
        )


def test_r1_the_lookup_helper_alone_404s_foreign_ids_on_a_page(
    monkeypatch, client_for, firm, primary_admin, foreign_invitation
):
    """With the gate's scope lifted, the page still answers 404 for another firm's id."""
    monkeypatch.setattr(middleware, "firm_scope", _no_scope)
    assert _invitation_status(foreign_invitation) == InvitationStatus.PENDING
    response = _revoke(client_for(primary_admin), firm, foreign_invitation)
    assert response.status_code == 404
    assert _invitation_status(foreign_invitation) == InvitationStatus.PENDING


def test_r1_the_lookup_helper_alone_404s_a_foreign_client(
    monkeypatch, client_for, firm, other_firm, primary_admin
):
    with scopes_disabled():
        foreign = ClientFactory(firm=other_firm)
    monkeypatch.setattr(middleware, "firm_scope", _no_scope)
    monkeypatch.setattr(
        access,
        "clients_reachable",
        lambda *, membership, to_count=False: Client.objects.all(),
    )
    url = reverse("clients:detail", args=[firm.slug, foreign.pk])
    assert client_for(primary_admin).get(url).status_code == 404


def test_the_scope_helper_names_its_firm(firm, other_firm):
    with scopes_disabled():
        ClientFactory(firm=other_firm)
        mine = ClientFactory(firm=firm)
    with firm_scope(firm):
        assert list(Client.objects.all()) == [mine]
