"""Tenancy: one gate, scoped queries, the same 404 for missing and foreign ids (R1)."""

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import resolve_url
from django.test import RequestFactory
from django.urls import reverse
from django_scopes import ScopeError, scopes_disabled

from clients.models import Client
from practice.middleware import TenantGateMiddleware
from practice.models import ActivityEvent, BillingProfile, Invitation, Membership
from practice.tenancy import firm_scope, firm_task, get_in_firm_or_404
from tests.clients.factories import ClientFactory
from tests.practice.factories import InvitationFactory, MembershipFactory, UserFactory

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


def _gate(path, user):
    """Run the gate alone on a GET of `path`; the view reports what it was given."""
    seen = {}

    def view(request):
        seen.update(path=request.path, firm=request.firm, membership=request.membership)
        seen["clients"] = Client.objects.count()
        return HttpResponse()

    request = RequestFactory().get(path)
    request.user = user
    response = TenantGateMiddleware(view)(request)
    return response, seen


def test_r1_pages_outside_a_firm_pass_the_request_on_with_no_firm(primary_admin):
    with scopes_disabled():
        ClientFactory()
    for path in ("/no-such-page/", reverse("home")):
        with pytest.raises(ScopeError):
            _gate(path, primary_admin.user)
    with scopes_disabled():
        response, seen = _gate("/no-such-page/", primary_admin.user)
    assert response.status_code == 200
    assert seen["path"] == "/no-such-page/"
    assert seen["firm"] is None
    assert seen["membership"] is None


def test_r1_the_django_admin_runs_unscoped_for_staff(firm, other_firm):
    """The admin lists every firm's rows: the gate lifts the scope for it alone."""
    with scopes_disabled():
        ClientFactory(firm=firm)
        ClientFactory(firm=other_firm)
    staff = UserFactory(is_staff=True, is_superuser=True)
    path = reverse("admin:index")
    response, seen = _gate(path, staff)
    assert response.status_code == 200
    assert seen["path"] == path
    assert seen["clients"] == 2


def test_r1_anonymous_visitors_sign_in_then_come_back_to_the_page(client, firm):
    page = reverse("clients:list", args=[firm.slug]) + "?q=dupont&sort=-name"
    response = client.get(page)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == resolve_url(settings.LOGIN_URL)
    assert parse_qs(location.query)["next"] == [page]


def test_the_gate_reads_the_membership_with_its_firm_and_person_at_once(
    django_assert_num_queries, firm, standard_member
):
    seen = {}

    def view(request):
        seen["names"] = (request.firm.name, request.membership.user.email)
        return HttpResponse()

    request = RequestFactory().get(reverse("team", args=[firm.slug]))
    request.user = standard_member.user
    with django_assert_num_queries(1):
        TenantGateMiddleware(view)(request)
    assert seen["names"] == (firm.name, standard_member.user.email)


# Celery tasks acting in one firm ------------------------------------------------


def _firm_clients(firm, *extra):
    """What a firm task sees: its firm, the clients its scope shows, its arguments."""
    return firm.pk, sorted(Client.objects.values_list("firm_id", flat=True)), extra


def _new_function(body):
    """`body` under a name no task has yet (a second task of the same name would
    not be registered, and calls would reach the first)."""

    def function(*args):
        return body(*args)

    function.__name__ = function.__qualname__ = f"task_{uuid.uuid4().hex}"
    return function


def test_r1_a_firm_task_gets_the_firm_and_runs_in_its_scope(firm, other_firm):
    with scopes_disabled():
        ClientFactory(firm=firm)
        ClientFactory(firm=other_firm)
    bare = firm_task(_new_function(_firm_clients))
    called = firm_task()(_new_function(_firm_clients))
    for task in (bare, called):
        assert task.apply(args=[firm.pk, "x"]).get() == (firm.pk, [firm.pk], ("x",))
        assert task.apply(args=[other_firm.pk]).get() == (other_firm.pk, [other_firm.pk], ())
        assert task.apply(args=[987654]).get() is None


def test_r1_a_bound_firm_task_gets_itself_then_the_firm(firm):
    def bound_clients(task, firm, *extra):
        return task.name, _firm_clients(firm, *extra)

    name = f"tests.practice.bound_{uuid.uuid4().hex}"
    task = firm_task(bind=True, name=name)(bound_clients)
    assert task.apply(args=[firm.pk, 3]).get() == (name, (firm.pk, [], (3,)))
