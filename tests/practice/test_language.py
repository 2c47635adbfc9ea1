"""French and English: the switcher sets the cookie and remembers the choice."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.practice.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_language_switch_sets_the_cookie_and_saves_it_on_the_account(
    client_for, firm, standard_member
):
    c = client_for(standard_member)
    team = reverse("team", args=[firm.slug])
    response = c.post(reverse("set_language"), {"language": "fr", "next": team})
    assert response["Location"] == team
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    standard_member.user.refresh_from_db()
    assert standard_member.user.language == "fr"
    page = c.get(team)
    assert '<html lang="fr">' in page.content.decode()


def test_language_switch_works_signed_out_and_refuses_foreign_next(client, db):
    response = client.post(
        reverse("set_language"), {"language": "fr", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert '<html lang="fr">' in client.get(reverse("login")).content.decode()


def test_unknown_language_is_ignored(client_for, standard_member):
    c = client_for(standard_member)
    response = c.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    standard_member.user.refresh_from_db()
    assert standard_member.user.language == "en"


def test_signing_in_applies_the_accounts_language(client, standard_member):
    user = standard_member.user
    user.language = "fr"
    user.save()
    response = client.post(reverse("login"), {"login": user.email, "password": PASSWORD})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


def test_dates_follow_the_language(client_for, firm, admin_member, standard_member):
    from django_scopes import scopes_disabled

    from tests.practice.factories import InvitationFactory

    with scopes_disabled():
        invitation = InvitationFactory(firm=firm, invited_by=admin_member.user)
    c = client_for(admin_member)
    team = reverse("team", args=[firm.slug])
    sent = timezone.localtime(invitation.sent_at)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert sent.strftime("%d/%m/%Y") in c.get(team).content.decode()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert sent.strftime("%m/%d/%Y") in c.get(team).content.decode()
