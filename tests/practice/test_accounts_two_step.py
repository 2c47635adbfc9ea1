"""Two-step verification (R33): an authenticator app with codes computed here,
recovery codes, removal with a fresh code, the firm's policy from a date, and
the security history."""

import datetime

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.urls import reverse
from django_scopes import scopes_disabled

from practice import services
from practice.models import ActivityEvent, SecurityEvent, SecurityEventKind
from tests.practice.factories import PASSWORD, UserFactory
from tests.practice.totp import totp_code

pytestmark = pytest.mark.django_db

WRONG_CODE = "This code is not valid"


@pytest.fixture(autouse=True)
def _on_commit_now(monkeypatch):
    """allauth sends its signals on commit; the test transaction never commits."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, *a, **k: func())


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, 5, tzinfo=datetime.UTC), tick=False)
    return time_machine


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"login": email, "password": password, **extra})


def enrol_totp(client, user) -> str:
    """Sign in with the password, set up the authenticator app; returns its secret."""
    sign_in(client, user.email)
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": PASSWORD})  # a fresh password
    assert response["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


def test_full_authenticator_app_flow(client, standard_member, frozen):
    user = standard_member.user
    secret = enrol_totp(client, user)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    client.post(reverse("logout"))

    response = sign_in(client, user.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # the password alone is not enough

    frozen.shift(30)  # the next code
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response["Location"] == reverse("home")
    assert int(client.session["_auth_user_id"]) == user.pk
    kinds = set(SecurityEvent.objects.filter(user=user).values_list("kind", flat=True))
    assert {SecurityEventKind.FACTOR_ADDED, SecurityEventKind.SIGNED_IN} <= kinds


def test_wrong_reused_and_expired_codes_are_refused_clearly(client, standard_member, frozen):
    user = standard_member.user
    secret = enrol_totp(client, user)
    client.post(reverse("logout"))
    frozen.shift(30)
    used = totp_code(secret)
    sign_in(client, user.email)
    assert client.post(reverse("mfa_authenticate"), {"code": used}).status_code == 302
    client.post(reverse("logout"))

    sign_in(client, user.email)
    reused = client.post(reverse("mfa_authenticate"), {"code": used})
    assert WRONG_CODE in reused.content.decode()
    expired = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret, at=0)})
    assert WRONG_CODE in expired.content.decode()
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert WRONG_CODE in wrong.content.decode() or "Too many" in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(
        user=user, kind=SecurityEventKind.SECOND_STEP_FAILED
    ).exists()


def test_a_wrong_code_reads_in_french(client, standard_member, frozen):
    user = standard_member.user
    enrol_totp(client, user)
    client.post(reverse("logout"))
    client.cookies["language"] = "fr"
    sign_in(client, user.email)
    page = client.post(reverse("mfa_authenticate"), {"code": "123456"}).content.decode()
    assert "Ce code n’est pas valide" in page


def test_a_recovery_code_works_once(client, standard_member, frozen):
    user = standard_member.user
    enrol_totp(client, user)
    client.post(reverse("logout"))
    rc = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    code = RecoveryCodes(rc).get_unused_codes()[0]

    sign_in(client, user.email)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response["Location"] == reverse("home")
    client.post(reverse("logout"))
    assert (
        SecurityEvent.objects.filter(user=user, kind=SecurityEventKind.RECOVERY_CODE_USED).count()
        == 1
    )

    sign_in(client, user.email)
    again = client.post(reverse("mfa_authenticate"), {"code": code})
    assert again.status_code == 200
    assert WRONG_CODE in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_regenerating_recovery_codes_replaces_them(client, standard_member, frozen):
    user = standard_member.user
    enrol_totp(client, user)
    rc = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    before = RecoveryCodes(rc).get_unused_codes()
    response = client.post(reverse("mfa_generate_recovery_codes"))
    assert response.status_code == 302
    rc = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    after = RecoveryCodes(rc).get_unused_codes()
    assert set(before).isdisjoint(after)
    assert SecurityEvent.objects.filter(
        user=user, kind=SecurityEventKind.RECOVERY_CODES_REGENERATED
    ).exists()


def test_removing_the_app_needs_a_fresh_sign_in(client, standard_member, frozen):
    user = standard_member.user
    secret = enrol_totp(client, user)
    frozen.shift(60 * 60)  # the sign-in is no longer fresh
    response = client.get(reverse("mfa_deactivate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    frozen.shift(30)
    response = client.post(
        reverse("mfa_reauthenticate") + "?next=" + reverse("mfa_deactivate_totp"),
        {"code": totp_code(secret)},
    )
    assert response["Location"] == reverse("mfa_deactivate_totp")
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEventKind.FACTOR_REMOVED).exists()


def test_the_admin_needs_the_second_step_too(client, db, frozen):
    staff = UserFactory(is_staff=True, is_superuser=True)
    secret = enrol_totp(client, staff)
    client.post(reverse("logout"))
    response = sign_in(client, staff.email, next="/admin/")
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/admin/").status_code == 302
    frozen.shift(30)
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


# The firm's policy ---------------------------------------------------------------


def settings_form(firm, **extra):
    return {
        "name": firm.name,
        "country": firm.country,
        "currency": firm.currency,
        "language": firm.language,
        **extra,
    }


def test_only_the_primary_admin_sets_the_policy_and_it_is_logged(
    client_for, firm, primary_admin, admin_member, today_is
):
    today_is(datetime.date(2026, 3, 1))
    url = reverse("firm_settings", args=[firm.slug])
    client_for(admin_member).post(url, settings_form(firm, two_step_required_from="2026-04-01"))
    firm.refresh_from_db()
    assert firm.two_step_required_from is None

    response = client_for(primary_admin).post(
        url, settings_form(firm, two_step_required_from="2026-04-01")
    )
    assert response.status_code == 302
    firm.refresh_from_db()
    assert firm.two_step_required_from == datetime.date(2026, 4, 1)
    with scopes_disabled():
        event = ActivityEvent.objects.get(firm=firm, verb="firm.two_step_required")
    assert event.actor == primary_admin.user
    page = client_for(admin_member).get(reverse("activity", args=[firm.slug])).content.decode()
    assert "Required two-step verification for every member from 2026-04-01" in page


def test_the_policy_applies_from_its_date(
    client_for, firm, primary_admin, standard_member, today_is
):
    with scopes_disabled():
        services.firm_update(
            firm=firm, by=primary_admin, two_step_required_from=datetime.date(2026, 4, 1)
        )
    web = client_for(standard_member)
    team = reverse("team", args=[firm.slug])
    today_is(datetime.date(2026, 3, 31))
    assert web.get(team).status_code == 200
    today_is(datetime.date(2026, 4, 1))
    response = web.get(team)
    assert response["Location"] == reverse("mfa_index")
    for url in (reverse("clients:list", args=[firm.slug]), reverse("activity", args=[firm.slug])):
        assert web.get(url)["Location"] == reverse("mfa_index")
    # At sign-in: straight to enrolment.
    assert web.get(reverse("home"))["Location"] == reverse("mfa_index")
    # Pages to enrol stay open.
    assert web.get(reverse("mfa_index")).status_code == 200


def test_an_enrolled_member_passes_the_policy_and_the_team_page_shows_it(
    client, client_for, firm, primary_admin, standard_member, frozen
):
    with scopes_disabled():
        services.firm_update(
            firm=firm, by=primary_admin, two_step_required_from=datetime.date(2026, 1, 1)
        )
    enrol_totp(client, standard_member.user)
    assert client.get(reverse("team", args=[firm.slug])).status_code == 200
    page = client_for(primary_admin).get(reverse("firm_home", args=[firm.slug]))
    assert page["Location"] == reverse("mfa_index")  # the primary admin has none yet
    Authenticator.objects.create(user=primary_admin.user, type=Authenticator.Type.TOTP, data={})
    page = client_for(primary_admin).get(reverse("team", args=[firm.slug])).content.decode()
    assert page.count('data-testid="two-step-badge"') == 2


# The client portal -------------------------------------------------------------


def test_a_company_admin_requires_two_step_in_the_portal(client_for, today_is):
    from tests.clients.factories import CompanyMemberFactory

    with scopes_disabled():
        admin = CompanyMemberFactory(role="primary_admin", user=UserFactory())
        person = CompanyMemberFactory(company=admin.company, role="standard", user=UserFactory())
    company = admin.company
    today_is(datetime.date(2026, 3, 1))
    team = reverse("portal:team", args=[company.pk])
    url = reverse("portal:two_step_policy", args=[company.pk])
    client_for(person.user).post(url, {"two_step_required_from": "2026-03-10"})
    company.refresh_from_db()
    assert company.two_step_required_from is None  # not an admin

    client_for(admin.user).post(url, {"two_step_required_from": "2026-03-10"})
    company.refresh_from_db()
    assert company.two_step_required_from == datetime.date(2026, 3, 10)
    assert client_for(person.user).get(team).status_code == 200
    today_is(datetime.date(2026, 3, 10))
    assert client_for(person.user).get(team)["Location"] == reverse("mfa_index")
    Authenticator.objects.create(user=person.user, type=Authenticator.Type.TOTP, data={})
    assert client_for(person.user).get(team).status_code == 200
