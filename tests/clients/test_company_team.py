"""The client company's own team (issue 6, R23 needs it): managed by the firm from
the client profile and by the company's admins in the portal; portal access by a
signed 30-day link; the company's primary-admin handover (R12a)."""

import re

import pytest
from django.core import mail, signing
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_scopes import scopes_disabled

from clients.companies import portal_access, selectors, services
from clients.companies.selectors import PORTAL_SALT
from clients.models import Client, Company, CompanyMember, CompanyRole
from practice.models import ActivityEvent, User
from tests.clients.factories import (
    ClientFactory,
    CompanyFactory,
    CompanyMemberFactory,
    connect,
    portal_user,
)
from tests.practice.factories import PASSWORD, FirmFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("run_on_commit")]


@pytest.fixture
def company():
    return CompanyFactory(name="Fromagerie du Lac")


@pytest.fixture
def firm_client(firm, company):
    with scopes_disabled():
        return connect(company, firm, firm_is_primary_admin=True)


def team_url(firm, client, name, **kwargs):
    return reverse(
        f"clients:{name}", kwargs={"firm_slug": firm.slug, "client_id": client.pk, **kwargs}
    )


def events(firm, verb):
    with scopes_disabled():
        return list(ActivityEvent.objects.filter(firm=firm, verb=verb))


def link_path(message, prefix) -> str:
    return re.search(rf"https?://[^/\s]+({prefix}\S+/)", message.body).group(1)


# Firm side: the profile's Team tab ---------------------------------------------------


def test_team_tab_lists_the_company_people(client_for, firm, standard_member, firm_client):
    CompanyMemberFactory(company=firm_client.company_account, full_name="Alice Martin")
    page = client_for(standard_member).get(
        reverse("clients:detail", args=[firm.slug, firm_client.pk]) + "?tab=team"
    )
    assert page.status_code == 200
    assert "Alice Martin" in page.content.decode()


def test_a_standard_member_adds_a_company_person_and_it_is_logged(
    client_for, firm, standard_member, firm_client
):
    response = client_for(standard_member).post(
        team_url(firm, firm_client, "team_add"),
        {"full_name": "Bob Roy", "email": "Bob@Fromagerie.test", "role": "time_tracking"},
    )
    assert response.status_code == 302
    member = CompanyMember.objects.get(company=firm_client.company_account)
    assert (member.email, member.role, member.user) == (
        "bob@fromagerie.test",
        CompanyRole.TIME_TRACKING,
        None,
    )
    assert events(firm, "client.member_added")[0].target_id == firm_client.pk


def test_a_client_without_a_company_gets_one_when_a_person_is_added(
    client_for, firm, standard_member
):
    with scopes_disabled():
        old = ClientFactory(firm=firm, display_name="Ancien client")
    assert old.company_account is None
    client_for(standard_member).post(
        team_url(firm, old, "team_add"),
        {"full_name": "Chloé Petit", "email": "chloe@ancien.test", "role": "admin"},
    )
    with scopes_disabled():
        old.refresh_from_db()
    assert old.company_account.name == "Ancien client"
    assert old.company_account.members.get().full_name == "Chloé Petit"


def test_the_same_email_twice_is_refused(client_for, firm, standard_member, firm_client):
    CompanyMemberFactory(company=firm_client.company_account, email="dup@x.test")
    response = client_for(standard_member).post(
        team_url(firm, firm_client, "team_add"),
        {"full_name": "Dup", "email": "DUP@x.test", "role": "standard"},
    )
    assert response.status_code == 400
    assert "already in the company" in response.content.decode()


def test_firm_changes_role_and_deactivates(client_for, firm, standard_member, firm_client):
    member = CompanyMemberFactory(company=firm_client.company_account, role="standard")
    c = client_for(standard_member)
    c.post(team_url(firm, firm_client, "team_role", member_id=member.pk), {"role": "admin"})
    member.refresh_from_db()
    assert member.role == CompanyRole.ADMIN
    c.post(team_url(firm, firm_client, "team_active", member_id=member.pk), {"active": "0"})
    member.refresh_from_db()
    assert not member.is_active
    assert events(firm, "client.member_changed") and events(firm, "client.member_deactivated")


def test_the_company_primary_admin_is_not_edited_from_the_firm(
    client_for, firm, standard_member, firm_client
):
    boss = CompanyMemberFactory(company=firm_client.company_account, role="primary_admin")
    c = client_for(standard_member)
    c.post(team_url(firm, firm_client, "team_role", member_id=boss.pk), {"role": "standard"})
    c.post(team_url(firm, firm_client, "team_active", member_id=boss.pk), {"active": "0"})
    boss.refresh_from_db()
    assert boss.role == CompanyRole.PRIMARY_ADMIN and boss.is_active


def test_a_person_of_another_company_answers_404(client_for, firm, standard_member, firm_client):
    stranger = CompanyMemberFactory()
    c = client_for(standard_member)
    for name in ("team_edit", "team_role", "team_active", "team_invite"):
        response = c.post(team_url(firm, firm_client, name, member_id=stranger.pk))
        assert response.status_code == 404, name


def test_service_refuses_a_firm_that_does_not_hold_the_client(firm, other_firm, company):
    with scopes_disabled():
        mine = connect(company, firm)
        outsider = MembershipFactory(firm=other_firm, role="primary_admin")
    with pytest.raises(PermissionDenied) as exc:
        services.company_member_add(
            company=company,
            client=mine,
            full_name="X",
            email="x@x.test",
            role="standard",
            by=outsider,
        )
    assert "not one of your firm" in str(exc.value)


# Portal access by e-mailed link ---------------------------------------------------


def test_firm_invites_a_person_to_the_portal_who_signs_up(
    client, client_for, firm, standard_member, firm_client
):
    member = CompanyMemberFactory(company=firm_client.company_account, email="dana@lac.test")
    client_for(standard_member).post(
        team_url(firm, firm_client, "team_invite", member_id=member.pk)
    )
    message = mail.outbox[-1]
    assert message.to == ["dana@lac.test"]
    assert message.alternatives[0][1] == "text/html"
    path = link_path(message, "/portal/join/")
    assert path in message.alternatives[0][0]

    assert 'data-testid="signup-form"' in client.get(path).content.decode()
    response = client.post(
        path, {"full_name": "Dana", "password1": "Tr3s-secret!", "password2": "Tr3s-secret!"}
    )
    assert response["Location"] == reverse("portal:overview", args=[member.company_id])
    member.refresh_from_db()
    assert member.user == User.objects.get(email="dana@lac.test")
    # the firm person who sent the link hears about it
    assert mail.outbox[-1].to == [standard_member.user.email]
    assert "Dana" in mail.outbox[-1].subject or member.full_name in mail.outbox[-1].subject
    # used twice
    again = client.get(path)
    assert again.status_code == 410
    assert "already been accepted" in again.content.decode()


def test_portal_link_for_an_existing_account_signs_in_and_comes_back(client, company):
    admin = portal_user(company)
    person = UserFactory(email="eve@lac.test")
    member = CompanyMemberFactory(company=company, email="eve@lac.test")
    portal_access.company_member_invite_portal(company=company, member=member, by=admin)
    path = link_path(mail.outbox[-1], "/portal/join/")
    page = client.get(path).content.decode()
    sign_in = re.search(r'href="([^"]*/accounts/login/\?next=[^"]+)"', page).group(1)
    response = client.post(sign_in, {"login": person.email, "password": PASSWORD, "next": path})
    assert response["Location"] == path
    assert client.post(path)["Location"] == reverse("portal:overview", args=[company.pk])
    member.refresh_from_db()
    assert member.user == person


def test_portal_link_sent_again_kills_the_old_one_and_expires_after_30_days(
    client, company, travel
):
    admin = portal_user(company)
    member = CompanyMemberFactory(company=company, email="fred@lac.test")
    portal_access.company_member_invite_portal(company=company, member=member, by=admin)
    old = link_path(mail.outbox[-1], "/portal/join/")
    portal_access.company_member_invite_portal(company=company, member=member, by=admin)
    new = link_path(mail.outbox[-1], "/portal/join/")
    assert client.get(old).status_code == 410
    assert client.get(new).status_code == 200
    with travel(days=30, seconds=1):
        response = client.get(new)
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_forged_portal_link(client):
    response = client.get(reverse("portal_join", args=["not-a-real-token"]))
    assert response.status_code == 410
    assert "not valid" in response.content.decode()


def test_a_portal_link_sent_before_links_were_compressed_still_opens(client, company):
    admin = portal_user(company)
    member = CompanyMemberFactory(company=company, email="hal@lac.test")
    portal_access.company_member_invite_portal(company=company, member=member, by=admin)
    member.refresh_from_db()
    token = signing.dumps({"m": member.pk, "n": member.portal_nonce}, salt=PORTAL_SALT)
    assert selectors.member_from_portal_token(token) == member
    assert client.get(reverse("portal_join", args=[token])).status_code == 200


def test_portal_link_opened_by_someone_else(client_for, company):
    admin = portal_user(company)
    member = CompanyMemberFactory(company=company, email="gil@lac.test")
    portal_access.company_member_invite_portal(company=company, member=member, by=admin)
    path = link_path(mail.outbox[-1], "/portal/join/")
    c = client_for(UserFactory())
    assert c.get(path).status_code == 403
    c.post(path)
    member.refresh_from_db()
    assert member.user is None


# Portal side: the company's admins manage the team ------------------------------------


def test_company_admin_adds_and_invites_from_the_portal(client_for, company):
    admin = portal_user(company)
    response = client_for(admin.user).post(
        reverse("portal:member_add", args=[company.pk]),
        {"full_name": "Hugo", "email": "hugo@lac.test", "role": "standard", "portal_access": "on"},
    )
    assert response.status_code == 302
    assert CompanyMember.objects.get(email="hugo@lac.test").portal_invitation_pending
    assert mail.outbox[-1].to == ["hugo@lac.test"]


def test_a_standard_company_member_sees_the_team_but_cannot_change_it(client_for, company):
    standard = portal_user(company, role=CompanyRole.STANDARD)
    other = CompanyMemberFactory(company=company)
    c = client_for(standard.user)
    assert c.get(reverse("portal:team", args=[company.pk])).status_code == 200
    response = c.post(
        reverse("portal:member_add", args=[company.pk]),
        {"full_name": "X", "email": "x@lac.test", "role": "standard"},
    )
    assert response.status_code == 403
    response = c.post(reverse("portal:member_active", args=[company.pk, other.pk]), {"active": "0"})
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.is_active


def test_a_deactivated_person_loses_portal_access(client_for, company):
    admin = portal_user(company)
    worker = portal_user(company, role=CompanyRole.STANDARD)
    client_for(admin.user).post(
        reverse("portal:member_active", args=[company.pk, worker.pk]), {"active": "0"}
    )
    assert (
        client_for(worker.user).get(reverse("portal:overview", args=[company.pk])).status_code
        == 404
    )


# R12a: the company changes its primary admin ---------------------------------------------


def test_r12a_changing_the_primary_admin_removes_the_firms_role_in_every_firm(
    client_for, firm, other_firm, company
):
    with scopes_disabled():
        first = connect(company, firm, firm_is_primary_admin=True)
        second = connect(company, other_firm, firm_is_primary_admin=True)
    admin = portal_user(company)
    heir = CompanyMemberFactory(company=company, role="standard")
    response = client_for(admin.user).post(
        reverse("portal:primary_admin", args=[company.pk]), {"member": heir.pk}
    )
    assert response.status_code == 302
    heir.refresh_from_db()
    assert heir.role == CompanyRole.PRIMARY_ADMIN
    with scopes_disabled():
        for c in (first, second):
            c.refresh_from_db()
            assert not c.firm_is_primary_admin
    for f in (firm, other_firm):
        (event,) = events(f, "client.primary_admin_changed")
        assert event.changes["firm_is_primary_admin"] == [True, False]


def test_r12a_after_the_handover_the_firm_can_delete_the_client(
    client_for, firm, primary_admin, company
):
    """R12 condition (a) met by the company itself; no wholesale, so deletion works."""
    with scopes_disabled():
        firm_client = connect(company, firm, firm_is_primary_admin=True)
    admin = portal_user(company)
    delete_url = reverse("clients:delete", args=[firm.slug, firm_client.pk])
    blocked = client_for(primary_admin).post(delete_url)
    assert blocked.status_code == 400
    services.company_primary_admin_change(company=company, to=admin, by=admin)
    confirmed = {"confirm_name": firm_client.display_name}
    assert client_for(primary_admin).post(delete_url, confirmed).status_code == 302
    with scopes_disabled():
        assert not Client.objects.filter(pk=firm_client.pk).exists()


def test_only_the_current_primary_admin_hands_over(company):
    boss = portal_user(company, role=CompanyRole.PRIMARY_ADMIN)
    admin = portal_user(company, role=CompanyRole.ADMIN)
    with pytest.raises(Exception, match="primary admin"):
        services.company_primary_admin_change(company=company, to=admin, by=admin)
    services.company_primary_admin_change(company=company, to=admin, by=boss)
    boss.refresh_from_db()
    admin.refresh_from_db()
    assert (boss.role, admin.role) == (CompanyRole.ADMIN, CompanyRole.PRIMARY_ADMIN)


# Billing takeover -------------------------------------------------------------------


def test_company_enters_its_billing_details(client_for, company):
    admin = portal_user(company)
    url = reverse("portal:billing", args=[company.pk])
    refused = client_for(admin.user).post(
        url,
        {
            "billing_contact": "Ines",
            "billing_email": "compta@lac.test",
            "billing_address": "1 quai du Lac",
            "payment_method": "4242 4242 4242 4242",
        },
    )
    assert refused.status_code == 400
    client_for(admin.user).post(
        url,
        {
            "billing_contact": "Ines",
            "billing_email": "compta@lac.test",
            "billing_address": "1 quai du Lac",
            "payment_method": "SEPA RUM-1",
        },
    )
    company.refresh_from_db()
    assert selectors.company_billing_is_complete(company)
    assert company.payment_method == "SEPA RUM-1"


# Sign-in lands in the portal ----------------------------------------------------------


def test_home_sends_a_portal_only_person_to_their_portal(client_for, company):
    admin = portal_user(company)
    response = client_for(admin.user).get(reverse("home"))
    assert response["Location"] == reverse("portal:overview", args=[company.pk])


def test_the_picker_lists_firms_and_companies(client_for, firm, company):
    admin = portal_user(company)
    with scopes_disabled():
        MembershipFactory(firm=firm, user=admin.user)
        MembershipFactory(firm=FirmFactory(), user=admin.user)
    page = client_for(admin.user).get(reverse("firm_picker")).content.decode()
    assert company.name in page and firm.name in page
    assert reverse("portal:overview", args=[company.pk]) in page


def test_overview_shows_accountants_and_subscriptions(client_for, firm, primary_admin, company):
    from tests.subscriptions.factories import SubscriptionFactory

    with scopes_disabled():
        firm_client = connect(company, firm, lead_accountant=primary_admin)
        SubscriptionFactory(client=firm_client)
    admin = portal_user(company)
    page = client_for(admin.user).get(reverse("portal:overview", args=[company.pk]))
    html = page.content.decode()
    assert firm.name in html
    assert str(primary_admin.user) in html
    assert "Essentials" in html
    assert "Paid by your accountant" in html
    assert Company.objects.count() == 1


def test_portal_pages_run_a_fixed_number_of_queries(
    client_for, company, django_assert_max_num_queries
):
    admin = portal_user(company)
    with scopes_disabled():
        for _n in range(2):
            connect(company, FirmFactory())
    for _n in range(20):
        CompanyMemberFactory(company=company)
    c = client_for(admin.user)
    with django_assert_max_num_queries(20):
        assert c.get(reverse("portal:team", args=[company.pk])).status_code == 200
    with django_assert_max_num_queries(20):
        assert c.get(reverse("portal:overview", args=[company.pk])).status_code == 200
