"""Accounts on django-allauth: sign in, sign out, password reset by e-mail, the
throttle on failed sign-ins, the old addresses, the admin's sign-in, caching."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scopes_disabled

from practice.models import SecurityEvent, SecurityEventKind, User
from tests.practice.factories import PASSWORD, FirmFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed sign-in attempts. Try again in a few minutes."


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"login": email, "password": password, **extra})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_sign_in_with_email_goes_straight_into_the_only_firm(client, standard_member):
    response = sign_in(client, standard_member.user.email.upper())
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("firm_home", args=[standard_member.firm.slug])


def test_sign_in_page_keeps_its_address_and_speaks_both_languages(client, db):
    assert reverse("login") == reverse("account_login") == "/accounts/login/"
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Se connecter" in page and "Mot de passe" in page
    assert 'id="mfa_login"' in page  # the passkey form and its scripts
    assert 'name="login"' in page and 'type="email"' in page


def test_sign_in_refuses_a_wrong_password(client, standard_member):
    response = sign_in(client, standard_member.user.email, "not-the-password")
    assert response.status_code == 200
    assert not signed_in(client)
    assert "This e-mail address and password don&#x27;t match" in response.content.decode()


def test_person_in_several_firms_picks_a_firm_after_sign_in(client, db):
    """R1: a person may belong to several firms and picks one."""
    with scopes_disabled():
        person = UserFactory()
        first = MembershipFactory(user=person, firm=FirmFactory(name="Alpha"))
        second = MembershipFactory(user=person, firm=FirmFactory(name="Beta"))
    sign_in(client, person.email)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("firm_picker")
    page = client.get(reverse("firm_picker")).content.decode()
    assert reverse("firm_home", args=[first.firm.slug]) in page
    assert reverse("firm_home", args=[second.firm.slug]) in page


def test_sign_in_returns_to_next(client, standard_member):
    target = reverse("team", args=[standard_member.firm.slug])
    response = client.get(target)
    assert response["Location"] == f"{reverse('login')}?next={target}"
    response = sign_in(client, standard_member.user.email, next=target)
    assert response["Location"] == target


def test_sign_in_sets_the_language_of_the_account(client, standard_member):
    standard_member.user.language = "fr"
    standard_member.user.save()
    response = sign_in(client, standard_member.user.email)
    assert response.cookies["language"].value == "fr"


def test_sign_out(client, standard_member):
    client.force_login(standard_member.user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    response = client.get(reverse("team", args=[standard_member.firm.slug]))
    assert response["Location"].startswith(reverse("login"))


def test_there_is_no_public_sign_up(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.test",
            "password1": "x-Long-pass-2026",
            "password2": "x-Long-pass-2026",
        },
    )
    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    assert not User.objects.filter(email="new@example.test").exists()


def test_old_password_reset_addresses_lead_to_the_new_ones(client, db):
    assert client.get("/accounts/password-reset/")["Location"] == reverse("account_reset_password")
    assert client.get("/accounts/password-reset/sent/")["Location"] == reverse(
        "account_reset_password_done"
    )
    assert client.get("/accounts/reset/MQ/abc-123/")["Location"] == reverse(
        "account_reset_password"
    )
    assert client.get("/accounts/reset/done/")["Location"] == reverse("account_login")


def test_password_reset_email_has_text_and_html_and_the_link_works(client, standard_member):
    user = standard_member.user
    response = client.post(reverse("account_reset_password"), {"email": user.email.upper()})
    assert response["Location"] == reverse("account_reset_password_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == "Choose a new Ledgerly password"
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", message.body).group(1)
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="http://testserver{link}"' in html
    assert "<html" not in message.body

    response = client.get(link)  # the key moves into the session
    assert response.status_code == 302
    form_url = response["Location"]
    assert "set-password" in form_url
    response = client.post(
        form_url, {"password1": "a-new-Pass-2026!", "password2": "a-new-Pass-2026!"}
    )
    assert response["Location"] == reverse("account_reset_password_from_key_done")
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEventKind.PASSWORD_RESET).exists()
    assert sign_in(client, user.email, "a-new-Pass-2026!")["Location"] == reverse("home")
    client.logout()
    again = client.get(link, follow=True)  # single use
    assert again.context["token_fail"] is True


def test_password_reset_for_unknown_address_sends_nothing(client, db):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    assert response["Location"] == reverse("account_reset_password_done")
    assert mail.outbox == []


def test_password_change_needs_the_current_password(client, standard_member):
    user = standard_member.user
    sign_in(client, user.email)
    url = reverse("account_change_password")
    response = client.post(
        url,
        {"oldpassword": "wrong", "password1": "b-New-Pass-2026", "password2": "b-New-Pass-2026"},
    )
    assert response.status_code == 200
    response = client.post(
        url,
        {"oldpassword": PASSWORD, "password1": "b-New-Pass-2026", "password2": "b-New-Pass-2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("b-New-Pass-2026")
    assert signed_in(client)
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEventKind.PASSWORD_CHANGED).exists()


@pytest.fixture
def clock(time_machine):
    """The clock stands still until a test moves it: clock.shift(seconds)."""
    time_machine.move_to(datetime.datetime(2025, 3, 3, 9, tzinfo=datetime.UTC), tick=False)
    return time_machine


@pytest.fixture
def limits(settings):
    def set_limits(per_email: int, seconds: int, per_address: int | None = None):
        settings.ACCOUNT_RATE_LIMITS = {
            "login_failed": f"{per_address or per_email * 4}/{seconds}s/ip,{per_email}/{seconds}s/key"
        }

    return set_limits


def test_throttling_locks_after_repeated_failures_even_with_the_right_password(
    client, standard_member, limits, clock
):
    limits(3, 600)
    email = standard_member.user.email
    for _ in range(3):
        sign_in(client, email, "wrong")
    response = sign_in(client, email)  # the right password
    assert response.status_code == 200
    assert not signed_in(client)
    assert TOO_MANY in response.content.decode()

    clock.shift(599)
    assert sign_in(client, email).status_code == 200
    assert not signed_in(client)

    clock.shift(2)  # the window has passed: nothing locks for ever
    assert sign_in(client, email)["Location"] == reverse("home")


def test_the_lock_out_reads_the_same_for_an_unknown_address(client, standard_member, limits):
    limits(2, 600)
    pages = []
    for email in (standard_member.user.email, "nobody@example.test"):
        for _ in range(2):
            sign_in(client, email, "wrong")
        pages.append(sign_in(client, email, "wrong").content.decode())
    assert all(TOO_MANY in page for page in pages)


def test_the_lock_out_is_in_the_users_language(client, standard_member, limits):
    limits(1, 600)
    client.cookies["language"] = "fr"
    sign_in(client, standard_member.user.email, "wrong")
    page = sign_in(client, standard_member.user.email).content.decode()
    assert "Trop de tentatives de connexion manquées. Réessayez dans quelques minutes." in page


def test_attempts_during_a_lock_do_not_extend_it(client, standard_member, limits, clock):
    limits(2, 300)
    email = standard_member.user.email
    sign_in(client, email, "wrong")
    sign_in(client, email, "wrong")
    for _ in range(5):
        clock.shift(50)
        sign_in(client, email, "wrong")
    clock.shift(60)  # 310 s after the lock began
    assert sign_in(client, email)["Location"] == reverse("home")


def test_a_successful_sign_in_clears_the_count(client, standard_member, limits, clock):
    limits(3, 900)
    email = standard_member.user.email
    sign_in(client, email, "wrong")
    sign_in(client, email, "wrong")
    sign_in(client, email)
    client.logout()
    sign_in(client, email, "wrong")
    sign_in(client, email, "wrong")
    assert sign_in(client, email)["Location"] == reverse("home")


def test_one_address_trying_many_accounts_is_locked(client, db, limits, clock):
    limits(2, 900)  # 4 x 2 = 8 failures per address
    for n in range(8):
        sign_in(client, f"guess{n}@example.test", "wrong")
    victim = UserFactory()
    response = sign_in(client, victim.email)
    assert TOO_MANY in response.content.decode()


def test_client_address_behind_trusted_proxies(rf, settings):
    from allauth.core.internal.httpkit import get_client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.2", REMOTE_ADDR="10.0.0.1")
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert get_client_ip(request) == "10.0.0.1"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    assert get_client_ip(request) == "203.0.113.9"


def test_sign_ins_and_failures_are_in_the_security_history(client, standard_member):
    user = standard_member.user
    sign_in(client, user.email, "wrong")
    sign_in(client, user.email)
    page = client.get(reverse("account_security")).content.decode()
    assert "Failed sign-in" in page and "Signed in" in page
    kinds = list(SecurityEvent.objects.filter(user=user).values_list("kind", flat=True))
    assert kinds == [SecurityEventKind.SIGNED_IN, SecurityEventKind.SIGN_IN_FAILED]


def test_a_person_sees_only_their_own_security_history(client, standard_member, admin_member):
    sign_in(client, admin_member.user.email, "wrong")
    client.force_login(standard_member.user)
    page = client.get(reverse("account_security")).content.decode()
    assert "Failed sign-in" not in page


# The Django admin (R33) ------------------------------------------------------


def test_the_admin_has_no_sign_in_of_its_own(client, db):
    response = client.get("/admin/login/?next=/admin/practice/firm/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/admin/practice/firm/"
    response = client.get("/admin/")
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_stays_staff_only(client, standard_member):
    client.force_login(standard_member.user)
    assert client.get("/admin/login/?next=/admin/").status_code == 403
    assert client.get("/admin/").status_code == 302


def test_staff_reach_the_admin_through_the_site_sign_in(client, db):
    staff = UserFactory(is_staff=True, is_superuser=True)
    response = sign_in(client, staff.email, next="/admin/")
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/")["Location"] == "/admin/"


def test_the_admin_sign_in_is_throttled(client, db, limits):
    limits(3, 900)
    staff = UserFactory(is_staff=True, is_superuser=True)
    for _ in range(15):
        sign_in(client, staff.email, "wrong", next="/admin/")
    response = sign_in(client, staff.email, next="/admin/")
    assert TOO_MANY in response.content.decode()
    assert client.get("/admin/").status_code == 302


# Caching (issue 13) ----------------------------------------------------------------


def test_signed_in_pages_are_not_stored(client, standard_member):
    client.force_login(standard_member.user)
    for url in (
        reverse("team", args=[standard_member.firm.slug]),
        reverse("firm_picker"),
        reverse("account_security"),
        reverse("mfa_index"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url


def test_a_redirect_for_a_signed_in_person_is_not_stored_either(client, standard_member):
    client.force_login(standard_member.user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
