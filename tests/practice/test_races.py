"""Two identical submissions at once (issue 14): a unique constraint answers with
the form error of the sequential case, never a server error, and a create form
sent twice (a double click) creates once."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from practice import services, submissions
from practice.models import (
    ActivityEvent,
    Firm,
    FormSubmission,
    Invitation,
    InvitationStatus,
    Membership,
    Role,
    User,
)
from tests.practice.factories import MembershipFactory, UserFactory
from tests.races import passes_once, postgresql_only, race, then_rival

FIRM = {"name": "Fiduciaire Léman", "country": "CH", "currency": "EUR", "language": "fr"}
PENDING = "An invitation is already pending for this address."


def invite(client, firm, email="new.person@example.test"):
    return client.post(
        reverse("team_invite", args=[firm.slug]), {"email": email, "role": "standard"}
    )


def invitations(firm):
    with scopes_disabled():
        return list(Invitation.objects.filter(firm=firm))


def events(firm, verb):
    with scopes_disabled():
        return ActivityEvent.objects.filter(firm=firm, verb=verb).count()


# Team invitation: invitation_one_pending_per_email ------------------------------------


@pytest.mark.django_db
def test_invitation_raced_by_the_same_address_shows_the_pending_error(
    monkeypatch, client_for, firm, admin_member, run_on_commit
):
    with scopes_disabled():
        Invitation.objects.create(
            firm=firm,
            email="new.person@example.test",
            role="standard",
            invited_by=admin_member.user,
        )
    calls = passes_once(monkeypatch, services, "_check_invitable")
    response = invite(client_for(admin_member), firm, "New.Person@example.test")
    assert response.status_code == 400
    assert PENDING in response.content.decode()
    assert len(calls) == 2  # the pre-check, then again once the database refused
    assert len(invitations(firm)) == 1
    assert events(firm, "invitation.sent") == 0 and mail.outbox == []


# Firm: the web address is unique ---------------------------------------------------


@pytest.mark.django_db
def test_firm_raced_by_one_of_the_same_name_gets_the_next_web_address(
    monkeypatch, client_for, user
):
    rival = Firm.objects.create(slug="fiduciaire-leman", **FIRM)
    real = services.unique_firm_slug
    answers = iter(["fiduciaire-leman"])  # what the rival's request saw: still free
    monkeypatch.setattr(
        services, "unique_firm_slug", lambda name: next(answers, None) or real(name)
    )
    response = client_for(user).post(reverse("firm_create"), FIRM)
    firm = Firm.objects.exclude(pk=rival.pk).get()
    assert firm.slug == "fiduciaire-leman-2"
    assert response["Location"] == reverse("firm_home", args=[firm.slug])
    with scopes_disabled():
        assert Membership.objects.get(firm=firm).user == user


# Accounts made from an invitation link: the e-mail address is unique ------------------


@pytest.mark.django_db
def test_account_raced_by_the_same_address_shows_the_sign_in_error(
    monkeypatch, client, client_for, firm, admin_member, run_on_commit
):
    invite(client_for(admin_member), firm)
    path = re.search(r"https?://[^/\s]+(/invitations/\S+/)", mail.outbox[-1].body).group(1)

    def rival():
        User.objects.create_user(email="new.person@example.test", password="x")

    then_rival(monkeypatch, services, "_check_no_account", rival)
    response = client.post(
        path, {"full_name": "N P", "password1": "Tr3s-secret!", "password2": "Tr3s-secret!"}
    )
    assert response.status_code == 200
    assert "An account with this e-mail address exists already" in response.content.decode()
    with scopes_disabled():
        assert Invitation.objects.get(firm=firm).status == InvitationStatus.PENDING
        assert not Membership.objects.filter(firm=firm, user__email="new.person@example.test")
    assert "_auth_user_id" not in client.session


# Primary admin: one per firm ----------------------------------------------------------


@pytest.mark.django_db
def test_two_handovers_at_once_leave_one_primary_admin(firm, primary_admin):
    with scopes_disabled():
        first, second = MembershipFactory(firm=firm), MembershipFactory(firm=firm)
        stale = Membership.objects.get(pk=primary_admin.pk)  # loaded before the first commits
        services.primary_admin_transfer(firm=firm, to=first, by=primary_admin)
        with pytest.raises(PermissionDenied):
            services.primary_admin_transfer(firm=firm, to=second, by=stale)
        roles = dict(Membership.objects.filter(firm=firm).values_list("pk", "role"))
    assert roles[first.pk] == Role.PRIMARY_ADMIN and roles[second.pk] == Role.STANDARD


# Create forms sent twice create once (form token) -----------------------------------


def form_token(response) -> str:
    html = response.content.decode()
    return html.split('name="form_token" value="', 1)[1].split('"', 1)[0]


@pytest.mark.django_db
def test_create_firm_sent_twice_with_its_token_creates_one_firm(client_for, user):
    c = client_for(user)
    token = form_token(c.get(reverse("firm_create")))
    assert submissions.valid_token(token)
    first = c.post(reverse("firm_create"), {**FIRM, "form_token": token})
    second = c.post(reverse("firm_create"), {**FIRM, "form_token": token})
    assert Firm.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert (
        second["Location"] == first["Location"] == reverse("firm_home", args=["fiduciaire-leman"])
    )


@pytest.mark.django_db
def test_create_firm_without_a_token_still_creates(client_for, user):
    """A form without a token (an API-like client, a page from before tokens) is
    created as before; each such submission creates."""
    c = client_for(user)
    assert c.post(reverse("firm_create"), FIRM).status_code == 302
    assert c.post(reverse("firm_create"), {**FIRM, "form_token": "short"}).status_code == 302
    assert sorted(Firm.objects.values_list("slug", flat=True)) == [
        "fiduciaire-leman",
        "fiduciaire-leman-2",
    ]


@pytest.mark.django_db
def test_a_token_is_the_users_own(client_for, user):
    c, other = client_for(user), client_for(UserFactory())
    token = form_token(c.get(reverse("firm_create")))
    c.post(reverse("firm_create"), {**FIRM, "form_token": token})
    other.post(reverse("firm_create"), {**FIRM, "form_token": token})
    assert Firm.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_form_keeps_its_token_for_the_corrected_one(client_for, user):
    c = client_for(user)
    token = form_token(c.get(reverse("firm_create")))
    refused = c.post(reverse("firm_create"), {**FIRM, "name": "", "form_token": token})
    assert refused.status_code == 200 and form_token(refused) == token
    assert not FormSubmission.objects.exists()
    assert c.post(reverse("firm_create"), {**FIRM, "form_token": token}).status_code == 302
    assert Firm.objects.count() == 1


@pytest.mark.django_db
def test_tokens_older_than_a_day_are_pruned(time_machine, user):
    time_machine.move_to(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC), tick=False)
    submissions.submit_once(user=user, token="a" * 20, create=lambda: "/one/")
    time_machine.move_to(datetime.datetime(2026, 3, 2, 13, tzinfo=datetime.UTC), tick=False)
    submissions.submit_once(user=user, token="b" * 20, create=lambda: "/two/")
    assert list(FormSubmission.objects.values_list("token", flat=True)) == ["b" * 20]


# PostgreSQL: the same form from two connections at once --------------------------------


def signed_in(user) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_pg_two_invitations_at_once(monkeypatch, firm, admin_member):
    from tests.races import meet_after

    meet_after(monkeypatch, services, "_check_invitable")
    clients = [signed_in(admin_member.user) for _ in range(2)]
    answers = race(*[lambda c=c: invite(c, firm) for c in clients])
    assert sorted(a.status_code for a in answers) == [302, 400]
    assert PENDING in next(a for a in answers if a.status_code == 400).content.decode()
    assert len(invitations(firm)) == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_pg_two_firms_of_the_same_name_at_once(monkeypatch, user):
    from tests.races import meet_after

    meet_after(monkeypatch, services, "unique_firm_slug")
    clients = [signed_in(user) for _ in range(2)]
    answers = race(*[lambda c=c: c.post(reverse("firm_create"), FIRM) for c in clients])
    assert [a.status_code for a in answers] == [302, 302]
    assert sorted(Firm.objects.values_list("slug", flat=True)) == [
        "fiduciaire-leman",
        "fiduciaire-leman-2",
    ]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_pg_create_firm_double_click_creates_one(monkeypatch, user):
    from tests.races import meet_after

    meet_after(monkeypatch, submissions, "valid_token")
    c = signed_in(user)
    token = form_token(c.get(reverse("firm_create")))
    clients = [signed_in(user) for _ in range(2)]
    data = {**FIRM, "form_token": token}
    answers = race(*[lambda c=c: c.post(reverse("firm_create"), data) for c in clients])
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    assert Firm.objects.count() == 1


@pytest.mark.django_db
def test_only_the_named_constraint_becomes_a_form_error(firm, primary_admin):
    from django.db import IntegrityError

    from practice.integrity import unique_or_error

    with scopes_disabled():
        with pytest.raises(IntegrityError), unique_or_error(Firm, "slug", recheck=lambda: None):
            MembershipFactory(firm=firm, user=primary_admin.user)
        with (
            pytest.raises(ValidationError) as exc,
            unique_or_error(Firm, "slug", recheck=lambda: None),
        ):
            Firm.objects.create(slug=firm.slug, **FIRM)
    assert exc.value.code == "taken_at_once"
