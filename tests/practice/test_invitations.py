"""Team invitations: signed e-mailed link valid 30 days, accepted by signing in or
by creating an account, revocable, re-sendable (R1, R2)."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scopes_disabled

from practice import selectors
from practice.models import Invitation, InvitationStatus, Membership, Role, User
from tests.practice.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("run_on_commit")]


def invite(client, firm, email, role="standard"):
    return client.post(reverse("team_invite", args=[firm.slug]), {"email": email, "role": role})


def link_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/invitations/\S+/)", message.body).group(1)


@pytest.fixture
def invited(client_for, firm, admin_member):
    """An admin invites new.person@example.test; returns (invitation, link path)."""
    response = invite(client_for(admin_member), firm, "New.Person@example.test")
    assert response.status_code == 302
    with scopes_disabled():
        invitation = Invitation.objects.get(firm=firm)
    return invitation, link_path(mail.outbox[-1])


def is_member(firm, user) -> bool:
    with scopes_disabled():
        return Membership.objects.filter(firm=firm, user=user, is_active=True).exists()


def test_invitation_email_has_text_and_html_with_the_signed_link(invited, firm):
    invitation, path = invited
    message = mail.outbox[-1]
    assert message.to == ["new.person@example.test"]
    assert firm.name in message.subject
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert path in html
    assert invitation.status == InvitationStatus.PENDING


def test_accept_by_creating_an_account(client, invited, firm):
    invitation, path = invited
    page = client.get(path)
    assert page.status_code == 200
    assert 'data-testid="signup-form"' in page.content.decode()
    response = client.post(
        path,
        {
            "full_name": "Nouvelle Personne",
            "password1": "Tr3s-secret!",
            "password2": "Tr3s-secret!",
        },
    )
    assert response["Location"] == reverse("firm_home", args=[firm.slug])
    user = User.objects.get(email="new.person@example.test")
    assert is_member(firm, user)
    with scopes_disabled():
        assert Membership.objects.get(firm=firm, user=user).role == Role.STANDARD
    assert client.session["_auth_user_id"] == str(user.pk)


def test_accept_by_signing_in_comes_back_to_the_invitation(client, client_for, firm, admin_member):
    existing = UserFactory(email="known@example.test")
    invite(client_for(admin_member), firm, existing.email, role="admin")
    path = link_path(mail.outbox[-1])

    page = client.get(path).content.decode()
    sign_in_href = re.search(r'href="([^"]*/accounts/login/\?next=[^"]+)"', page).group(1)
    login_page = client.get(sign_in_href)
    assert login_page.context["redirect_field_value"] == path
    response = client.post(
        sign_in_href, {"login": existing.email, "password": PASSWORD, "next": path}
    )
    assert response["Location"] == path
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response["Location"] == reverse("firm_home", args=[firm.slug])
    assert is_member(firm, existing)
    with scopes_disabled():
        assert Membership.objects.get(firm=firm, user=existing).role == Role.ADMIN


def test_signing_up_again_with_an_existing_address_is_refused(
    client, client_for, firm, admin_member
):
    existing = UserFactory(email="known@example.test")
    invite(client_for(admin_member), firm, existing.email)
    path = link_path(mail.outbox[-1])
    client.post(path, {"full_name": "X", "password1": "Tr3s-secret!", "password2": "Tr3s-secret!"})
    assert not is_member(firm, existing)
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD)


def test_wrong_account_signed_in(client_for, invited, firm, other_firm):
    _invitation, path = invited
    with scopes_disabled():
        someone_else = MembershipFactory(firm=other_firm).user
    c = client_for(someone_else)
    page = c.get(path)
    assert page.status_code == 403
    assert "new.person@example.test" in page.content.decode()
    assert c.post(path).status_code == 403
    assert not is_member(firm, someone_else)


def test_invitation_expires_after_30_days(client, invited, travel):
    _invitation, path = invited
    with travel(days=29, hours=23):
        assert client.get(path).status_code == 200
    with travel(days=30, seconds=1):
        response = client.get(path)
        assert response.status_code == 410
        assert "expired" in response.content.decode()
        response = client.post(
            path, {"full_name": "Late", "password1": "Tr3s-secret!", "password2": "Tr3s-secret!"}
        )
        assert response.status_code == 410
    assert not User.objects.filter(email="new.person@example.test").exists()


def test_revoked_invitation_cannot_be_used(client, client_for, invited, firm, admin_member):
    invitation, path = invited
    response = client_for(admin_member).post(
        reverse("invitation_revoke", args=[firm.slug, invitation.pk])
    )
    assert response.status_code == 302
    page = client.get(path)
    assert page.status_code == 410
    assert "withdrawn" in page.content.decode()


def test_resend_rotates_the_link_and_restarts_the_30_days(
    client, client_for, invited, firm, admin_member, travel
):
    invitation, old_path = invited
    with travel(days=20):
        response = client_for(admin_member).post(
            reverse("invitation_resend", args=[firm.slug, invitation.pk])
        )
        assert response.status_code == 302
        new_path = link_path(mail.outbox[-1])
    assert new_path != old_path
    assert client.get(old_path).status_code == 410
    with travel(days=45):  # 25 days after the new link
        assert client.get(new_path).status_code == 200


def test_invitation_used_twice(client, invited, firm):
    _invitation, path = invited
    data = {"full_name": "First", "password1": "Tr3s-secret!", "password2": "Tr3s-secret!"}
    assert client.post(path, data).status_code == 302
    client.logout()
    again = client.get(path)
    assert again.status_code == 410
    assert "already been accepted" in again.content.decode()


def test_forged_or_tampered_token(client, invited):
    _invitation, path = invited
    token = path.split("/")[2]
    tampered = path.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    for bad in (tampered, "/invitations/not-a-token/"):
        response = client.get(bad)
        assert response.status_code == 410
        assert "not valid" in response.content.decode()


def test_a_token_for_another_invitation_id_is_refused(client, invited, firm):
    """A validly signed payload is useless without the invitation's nonce."""
    from django.core import signing

    invitation, _path = invited
    signup = {"full_name": "Forger", "password1": "Tr3s-secret!", "password2": "Tr3s-secret!"}
    for salt in ("wrong-salt", selectors.INVITATION_SALT):
        forged = reverse(
            "invitation_accept", args=[signing.dumps({"i": invitation.pk, "n": "guess"}, salt=salt)]
        )
        page = client.get(forged)
        assert page.status_code == 410, salt
        assert re.search(r'data-testid="invitation-reason">[^<]* valid', page.content.decode())
        assert client.post(forged, signup).status_code == 410, salt
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert not User.objects.filter(email__iexact=invitation.email).exists()


def test_inviting_a_current_member_or_twice_is_refused(client_for, firm, admin_member, invited):
    c = client_for(admin_member)
    assert invite(c, firm, admin_member.user.email).status_code == 400
    assert invite(c, firm, "NEW.person@example.test").status_code == 400
    with scopes_disabled():
        assert Invitation.objects.filter(firm=firm).count() == 1


def test_r2_the_primary_admin_role_cannot_be_invited(client_for, firm, admin_member):
    assert (
        invite(client_for(admin_member), firm, "boss@example.test", "primary_admin").status_code
        == 400
    )
    with scopes_disabled():
        assert not Invitation.objects.filter(firm=firm).exists()


def test_r2_standard_user_cannot_resend_or_revoke(client_for, invited, firm, standard_member):
    invitation, _path = invited
    c = client_for(standard_member)
    assert c.post(reverse("invitation_resend", args=[firm.slug, invitation.pk])).status_code == 403
    assert c.post(reverse("invitation_revoke", args=[firm.slug, invitation.pk])).status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_wrong_account_signs_out_and_comes_back_to_the_link(client_for, invited):
    _invitation, path = invited
    c = client_for(UserFactory())
    response = c.post(reverse("logout"), {"next": path})
    assert response["Location"] == path
    assert 'data-testid="signup-form"' in c.get(path).content.decode()
