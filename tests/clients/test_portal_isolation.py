"""Isolation of the client portal, over every portal URL of the URLconf.

Every /portal/<company_pk>/... page is requested:
  - anonymously: sign-in redirect;
  - by a signed-in person who is not an active member of that company (a stranger,
    a deactivated member, a member of another company, and a member of a firm that
    works with the company): 404, as if the company did not exist;
  - by company B's admin at company B's address with company A's object ids: 404.
And a portal user can't reach any firm URL (every /f/<slug>/ page answers 404),
even of the firm that works with their company."""

import re

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from clients.models import AccountantInvitation
from tests.clients.factories import CompanyFactory, CompanyMemberFactory, connect, portal_user
from tests.practice.factories import FirmFactory, MembershipFactory
from tests.test_isolation import FIRM_ROUTES, OBJECT_IN_FIRM, all_routes

pytestmark = pytest.mark.django_db


def _member(company, admin):
    return CompanyMemberFactory(company=company).pk


def _accountant_invitation(company, admin):
    return AccountantInvitation.objects.create(
        company=company, email="cpa@example.test", invited_by=admin.user
    ).pk


# kwarg name -> builds an object of `company` and returns the value for the URL.
OBJECT_IN_COMPANY = {
    "member_id": _member,
    "accountant_invitation_id": _accountant_invitation,
}

PORTAL_ROUTES = [r for r in all_routes() if "company_pk" in r[2]]


def test_the_portal_has_routes_and_every_kwarg_is_known():
    assert len(PORTAL_ROUTES) >= 10
    problems = []
    for route, name, kwargs in PORTAL_ROUTES:
        if not name or not name.startswith("portal:"):
            problems.append(f"{route}: name it in the portal namespace")
        unknown = [k for k in kwargs if k != "company_pk" and k not in OBJECT_IN_COMPANY]
        if unknown:
            problems.append(f"{route}: add {unknown} to OBJECT_IN_COMPANY")
    assert not problems, problems


@pytest.fixture
def two_companies(db):
    """Company A (with one object of each kind) and company B, each with an admin."""
    with scopes_disabled():
        company_a, company_b = CompanyFactory(), CompanyFactory()
        admin_a = portal_user(company_a)
        admin_b = portal_user(company_b)
        objects_a = {key: build(company_a, admin_a) for key, build in OBJECT_IN_COMPANY.items()}
    return company_a, company_b, admin_a, admin_b, objects_a


def _url(name, company, objects, kwargs):
    values = {"company_pk": company.pk}
    values.update({k: objects[k] for k in kwargs if k != "company_pk"})
    return reverse(name, kwargs=values)


def _each_portal_url(company, objects):
    for route, name, kwargs in PORTAL_ROUTES:
        yield route, _url(name, company, objects, kwargs)


def test_anonymous_visitors_are_sent_to_sign_in(client, two_companies):
    company_a, _b, _admin_a, _admin_b, objects_a = two_companies
    for route, url in _each_portal_url(company_a, objects_a):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, (route, method)
            assert response["Location"].startswith(reverse("login")), route


def _assert_all_404(client, company, objects):
    for route, url in _each_portal_url(company, objects):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 404, (route, method, response.status_code)


def test_signed_in_strangers_get_404(client_for, two_companies, user):
    company_a, _b, _admin_a, _admin_b, objects_a = two_companies
    _assert_all_404(client_for(user), company_a, objects_a)


def test_members_of_another_company_get_404(client_for, two_companies):
    company_a, _b, _admin_a, admin_b, objects_a = two_companies
    _assert_all_404(client_for(admin_b.user), company_a, objects_a)


def test_deactivated_members_get_404(client_for, two_companies):
    company_a, _b, _admin_a, _admin_b, objects_a = two_companies
    with scopes_disabled():
        former = portal_user(company_a, is_active=False)
    _assert_all_404(client_for(former.user), company_a, objects_a)


def test_a_firm_member_cannot_reach_the_portal_of_a_company_that_is_not_theirs(
    client_for, two_companies
):
    """Even the firm that works with company A is not one of A's people: 404."""
    company_a, company_b, _admin_a, _admin_b, objects_a = two_companies
    with scopes_disabled():
        firm = FirmFactory()
        owner = MembershipFactory(firm=firm, role="primary_admin")
        connect(company_a, firm)
        connect(company_b, firm)
    _assert_all_404(client_for(owner.user), company_a, objects_a)


def test_another_companys_object_ids_answer_404_like_missing_ones(client_for, two_companies):
    company_a, company_b, _admin_a, admin_b, objects_a = two_companies
    c = client_for(admin_b.user)
    checked = 0
    for route, name, kwargs in PORTAL_ROUTES:
        if kwargs == ["company_pk"]:
            continue
        foreign = c.post(_url(name, company_b, objects_a, kwargs))
        assert foreign.status_code == 404, (route, foreign.status_code)
        missing = c.post(_url(name, company_b, dict.fromkeys(OBJECT_IN_COMPANY, 987654), kwargs))
        assert missing.status_code == 404, (route, missing.status_code)
        checked += 1
    assert checked >= 5


# What a company's own admin gets from a GET: the portal's pages render; its
# actions only take a POST (require_POST), so a GET is refused with 405.
PORTAL_PAGES = {
    "portal:overview",
    "portal:team",
    "portal:member_edit",
    "portal:primary_admin",
    "portal:accountants",
    "portal:billing",
}
PORTAL_POST_ONLY = {
    "portal:member_add",
    "portal:two_step_policy",
    "portal:member_role",
    "portal:member_active",
    "portal:member_invite",
    "portal:accountant_invite",
    "portal:accountant_invitation_resend",
    "portal:accountant_invitation_revoke",
}


def _company_state(company):
    from clients.models import Company

    return (
        Company.objects.filter(pk=company.pk).values().get(),
        list(company.members.order_by("pk").values()),
        list(company.accountant_invitations.order_by("pk").values()),
    )


def test_own_portal_pages_answer(
    client_for, two_companies, mailoutbox, django_capture_on_commit_callbacks
):
    """A page renders for its company only; a GET on an action is refused (405)
    and changes nothing, sends nothing."""
    company_a, company_b, admin_a, admin_b, objects_a = two_companies
    assert {name for _route, name, _kwargs in PORTAL_ROUTES} == PORTAL_PAGES | PORTAL_POST_ONLY
    with scopes_disabled():
        before = _company_state(company_a)
    c = client_for(admin_a.user)
    with django_capture_on_commit_callbacks() as callbacks:
        for route, name, kwargs in PORTAL_ROUTES:
            response = c.get(_url(name, company_a, objects_a, kwargs))
            if name in PORTAL_POST_ONLY:
                assert response.status_code == 405, (route, response.status_code)
                assert response["Allow"] == "POST", route
                continue
            assert response.status_code == 200, (route, response.status_code)
            html = response.content.decode()
            shown = re.search(r'data-testid="portal-company">([^<]*) · ', html)
            assert shown and shown.group(1) == company_a.name, route
            assert f"/portal/{company_b.pk}/" not in html, route
            assert admin_b.user.email not in html, route
    assert callbacks == []
    assert mailoutbox == []
    with scopes_disabled():
        assert _company_state(company_a) == before


def test_a_portal_user_cannot_reach_any_firm_url(client_for, two_companies):
    """Every /f/<slug>/ page answers 404 to a portal user, including the pages of
    the firm that works with their company."""
    company_a, _b, admin_a, _admin_b, _objects = two_companies
    with scopes_disabled():
        firm = FirmFactory()
        owner = MembershipFactory(firm=firm, role="primary_admin")
        connect(company_a, firm)
        objects = {key: build(firm, owner) for key, build in OBJECT_IN_FIRM.items()}
    c = client_for(admin_a.user)
    for route, name, kwargs in FIRM_ROUTES:
        values = {"firm_slug": firm.slug}
        values.update({k: objects[k] for k in kwargs if k != "firm_slug"})
        url = reverse(name, kwargs=values)
        for method in ("get", "post"):
            response = getattr(c, method)(url)
            assert response.status_code == 404, (route, method, response.status_code)


def test_portal_pages_show_no_firm_navigation(client_for, two_companies):
    company_a, _b, admin_a, _admin_b, _objects = two_companies
    with scopes_disabled():
        connect(company_a, FirmFactory())
    page = client_for(admin_a.user).get(reverse("portal:overview", args=[company_a.pk]))
    html = page.content.decode()
    assert 'data-testid="portal-nav"' in html
    assert 'data-testid="firm-switcher"' not in html
    assert "/f/" not in html
