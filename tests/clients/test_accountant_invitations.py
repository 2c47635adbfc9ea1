"""R22: a client company invites an accountant by e-mail; the accountant opens the
signed link (30 days), signs in, accepts, picks the firm when in several, and
confirms; the client then appears in that firm's client list. At most two firms
at once; revocable and re-sendable; all of it in the activity log."""

import html
import re

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scopes_disabled

from clients.companies import transfers
from clients.models import AccountantInvitation, AccountantInvitationStatus, Client
from practice.models import ActivityEvent
from tests.clients.factories import CompanyFactory, connect, portal_user
from tests.practice.factories import PASSWORD, FirmFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("run_on_commit")]

ACCOUNTANT = "cpa@cabinet.test"


@pytest.fixture
def company():
    return CompanyFactory(name="Boulangerie des Lilas")


@pytest.fixture
def company_admin(company):
    return portal_user(company)


@pytest.fixture
def accountant(firm):
    """The invited accountant: an admin of `firm`."""
    with scopes_disabled():
        MembershipFactory(firm=firm, role="primary_admin")
        return MembershipFactory(firm=firm, role="admin", user=UserFactory(email=ACCOUNTANT))


def invite(client_for, company, company_admin, email=ACCOUNTANT, kind="add", **extra):
    return client_for(company_admin.user).post(
        reverse("portal:accountant_invite", args=[company.pk]),
        {"email": email, "kind": kind, **extra},
    )


def link_path(message=None) -> str:
    message = message or mail.outbox[-1]
    return re.search(r"https?://[^/\s]+(/connect/\S+/)", message.body).group(1)


def clients_of(firm, company):
    with scopes_disabled():
        return list(Client.objects.filter(firm=firm, company_account=company))


def accept(c, path, membership):
    """Pick the firm, then confirm (two posts, as in the browser)."""
    confirm = c.post(path, {"membership": membership.pk})
    assert confirm.status_code == 200, confirm.content.decode()[:500]
    assert 'name="confirm"' in confirm.content.decode()
    return c.post(path, {"membership": membership.pk, "confirm": "1"})


def verbs(firm):
    with scopes_disabled():
        return [e.verb for e in ActivityEvent.objects.filter(firm=firm)]


def test_r22_invitation_email_has_text_and_html_parts_with_the_signed_link(
    client_for, company, company_admin
):
    assert invite(client_for, company, company_admin).status_code == 302
    message = mail.outbox[-1]
    assert message.to == [ACCOUNTANT]
    assert company.name in message.subject
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert link_path(message) in html


def test_r22_invitation_email_is_translated(company, company_admin):
    transfers.accountant_invitation_create(
        company=company, email=ACCOUNTANT, kind="add", by=company_admin, language="fr"
    )
    message = mail.outbox[-1]
    assert "Le lien est valable jusqu’au" in message.body
    assert "Accepter l’invitation" in message.alternatives[0][0]


def test_r22_accountant_signs_in_accepts_and_lands_on_the_new_client(
    client, client_for, firm, accountant, company, company_admin
):
    invite(client_for, company, company_admin)
    path = link_path()
    page = client.get(path).content.decode()
    sign_in = re.search(r'href="([^"]*/accounts/login/\?next=[^"]+)"', page).group(1)
    response = client.post(sign_in, {"login": ACCOUNTANT, "password": PASSWORD, "next": path})
    assert response["Location"] == path

    response = accept(client, path, accountant)
    (new_client,) = clients_of(firm, company)
    # Straight to the client (issue 15.7), not to page 1 of a list it may not be on.
    assert response["Location"] == reverse("clients:detail", args=[firm.slug, new_client.pk])
    assert new_client.display_name == company.name
    assert new_client.lead_accountant == accountant
    listing = client.get(reverse("clients:list", args=[firm.slug])).content.decode()
    assert company.name in listing
    invitation = AccountantInvitation.objects.get()
    assert invitation.status == AccountantInvitationStatus.ACCEPTED
    assert invitation.accepted_firm == firm
    assert "client.connected" in verbs(firm)
    # the company's admin is told
    assert mail.outbox[-1].to == [company_admin.user.email]
    assert firm.name in mail.outbox[-1].subject


def test_r22_an_accountant_in_several_firms_picks_the_firm(
    client_for, firm, accountant, company, company_admin
):
    with scopes_disabled():
        second = FirmFactory(name="Second cabinet")
        MembershipFactory(firm=second, role="primary_admin", user=accountant.user)
        MembershipFactory(firm=FirmFactory(name="Third"), role="standard", user=accountant.user)
    invite(client_for, company, company_admin)
    c = client_for(accountant.user)
    page = html.unescape(c.get(link_path()).content.decode())
    assert firm.name in page and "Second cabinet" in page
    assert "Only the firm's admins can accept" in page  # Third: standard member
    with scopes_disabled():
        choice = second.membership_set.get(user=accountant.user)
    accept(c, link_path(), choice)
    assert clients_of(second, company) and not clients_of(firm, company)


def test_r22_a_standard_member_cannot_accept_and_is_told_why(
    client_for, firm, company, company_admin
):
    with scopes_disabled():
        standard = MembershipFactory(firm=firm, role="standard", user=UserFactory(email=ACCOUNTANT))
    invite(client_for, company, company_admin)
    c = client_for(standard.user)
    page = html.unescape(c.get(link_path()).content.decode())
    assert 'data-testid="cannot-accept"' in page
    assert "Only the firm's admins can accept" in page
    c.post(link_path(), {"membership": standard.pk, "confirm": "1"})
    assert not clients_of(firm, company)


def test_r22_the_link_is_for_the_invited_address_only(client_for, firm, company, company_admin):
    with scopes_disabled():
        other = MembershipFactory(firm=firm, role="primary_admin")
    invite(client_for, company, company_admin)
    c = client_for(other.user)
    assert c.get(link_path()).status_code == 403
    c.post(link_path(), {"membership": other.pk, "confirm": "1"})
    assert not clients_of(firm, company)


def test_r22_invitation_expires_after_30_days(
    client_for, travel, firm, accountant, company, company_admin
):
    invite(client_for, company, company_admin)
    # Sessions last two weeks: the accountant signs in again on the day.
    with travel(days=29, hours=23):
        page = client_for(accountant.user).get(link_path())
        assert page.status_code == 200
        assert page.context["eligible"] == [accountant]
    with travel(days=30, seconds=1):
        c = client_for(accountant.user)
        response = c.get(link_path())
        assert response.status_code == 410
        assert "expired" in response.content.decode()
        late = c.post(link_path(), {"membership": accountant.pk, "confirm": "1"})
        assert late.status_code == 410
    assert not clients_of(firm, company)


def test_r22_a_forged_link_gets_a_clear_page(client, client_for, company, company_admin):
    invite(client_for, company, company_admin)
    token = link_path().split("/")[2]
    for forged in ("not-a-token", token[:-3] + "abc"):
        response = client.get(reverse("accountant_invitation", args=[forged]))
        assert response.status_code == 410
        assert "not valid" in response.content.decode()


def test_r22_a_link_used_twice_gets_a_clear_page(
    client_for, firm, accountant, company, company_admin
):
    invite(client_for, company, company_admin)
    path = link_path()
    c = client_for(accountant.user)
    accept(c, path, accountant)
    again = c.get(path)
    assert again.status_code == 410
    assert "already been accepted" in again.content.decode()
    c.post(path, {"membership": accountant.pk, "confirm": "1"})
    assert len(clients_of(firm, company)) == 1


def test_r22_revoked_then_sent_again_old_link_dead(
    client_for, firm, accountant, company, company_admin
):
    invite(client_for, company, company_admin)
    first = link_path()
    invitation = AccountantInvitation.objects.get()
    admin_client = client_for(company_admin.user)
    admin_client.post(
        reverse("portal:accountant_invitation_resend", args=[company.pk, invitation.pk])
    )
    second = link_path()
    assert first != second
    c = client_for(accountant.user)
    assert c.get(first).status_code == 410
    assert c.get(second).status_code == 200
    admin_client.post(
        reverse("portal:accountant_invitation_revoke", args=[company.pk, invitation.pk])
    )
    response = c.get(second)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_r22_invitations_are_logged_in_the_connected_firms(
    client_for, firm, company, company_admin
):
    with scopes_disabled():
        connect(company, firm)
    invite(client_for, company, company_admin)
    invitation = AccountantInvitation.objects.get()
    client_for(company_admin.user).post(
        reverse("portal:accountant_invitation_resend", args=[company.pk, invitation.pk])
    )
    client_for(company_admin.user).post(
        reverse("portal:accountant_invitation_revoke", args=[company.pk, invitation.pk])
    )
    logged = verbs(firm)
    for verb in (
        "client.accountant_invited",
        "client.accountant_invitation_resent",
        "client.accountant_invitation_revoked",
    ):
        assert verb in logged


def test_r22_a_company_works_with_at_most_two_firms(client_for, company, company_admin):
    with scopes_disabled():
        connect(company, FirmFactory())
        connect(company, FirmFactory())
    response = invite(client_for, company, company_admin)
    assert response.status_code == 400
    assert "two firms" in response.content.decode()
    assert not AccountantInvitation.objects.exists()


def test_r22_a_third_firm_cannot_accept_even_if_invited_before(
    client_for, firm, accountant, company, company_admin
):
    with scopes_disabled():
        connect(company, FirmFactory())
    invite(client_for, company, company_admin)
    with scopes_disabled():
        connect(company, FirmFactory())
    c = client_for(accountant.user)
    page = c.get(link_path()).content.decode()
    assert "two firms" in page
    c.post(link_path(), {"membership": accountant.pk, "confirm": "1"})
    assert not clients_of(firm, company)
    with pytest.raises(Exception, match="two firms"):
        transfers.accountant_invitation_accept(
            invitation=AccountantInvitation.objects.get(), membership=accountant
        )


def test_r22_a_firm_already_connected_cannot_accept_again(
    client_for, firm, accountant, company, company_admin
):
    with scopes_disabled():
        connect(company, firm)
    invite(client_for, company, company_admin)
    page = client_for(accountant.user).get(link_path()).content.decode()
    assert "already works with this client" in page
    assert len(clients_of(firm, company)) == 1


def test_r22_a_second_firm_joins_alongside_the_first(
    client_for, firm, accountant, company, company_admin
):
    with scopes_disabled():
        first_firm = FirmFactory()
        first = connect(company, first_firm)
    invite(client_for, company, company_admin)
    accept(client_for(accountant.user), link_path(), accountant)
    assert clients_of(firm, company)
    with scopes_disabled():
        assert Client.objects.filter(pk=first.pk).exists()


def test_only_company_admins_invite(client_for, company):
    standard = portal_user(company, role="standard")
    assert invite(client_for, company, standard).status_code == 403
    assert not AccountantInvitation.objects.exists()
