"""Accounts: sign in, sign out, password reset by e-mail, sign-in throttling."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scopes_disabled

from practice import throttle
from tests.practice.factories import PASSWORD, FirmFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": email, "password": password, **extra})


def test_sign_in_with_email_goes_straight_into_the_only_firm(client, standard_member):
    response = sign_in(client, standard_member.user.email.upper())
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("firm_home", args=[standard_member.firm.slug])


def test_sign_in_refuses_a_wrong_password(client, standard_member):
    response = sign_in(client, standard_member.user.email, "not-the-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors


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


def test_sign_out(client, standard_member):
    client.force_login(standard_member.user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    response = client.get(reverse("team", args=[standard_member.firm.slug]))
    assert response["Location"].startswith(reverse("login"))


def test_password_reset_email_has_text_and_html_and_the_link_works(client, standard_member):
    user = standard_member.user
    response = client.post(reverse("password_reset"), {"email": user.email.upper()})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="http://testserver{link}"' in html
    assert "<html" not in message.body

    response = client.get(link)  # the token moves into the session
    assert response.status_code == 302
    form_url = response["Location"]
    assert "set-password" in form_url
    response = client.post(
        form_url, {"new_password1": "a-new-Pass-2026!", "new_password2": "a-new-Pass-2026!"}
    )
    assert response["Location"] == reverse("password_reset_complete")
    client.logout()
    assert sign_in(client, user.email, "a-new-Pass-2026!")["Location"] == reverse("home")
    again = client.get(link)  # single use
    assert again.status_code == 200
    assert again.context["validlink"] is False


def test_password_reset_for_unknown_address_sends_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.test"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


@pytest.fixture
def clock(time_machine):
    """The clock stands still until a test moves it: clock.shift(seconds)."""
    time_machine.move_to(datetime.datetime(2025, 3, 3, 9, tzinfo=datetime.UTC), tick=False)
    return time_machine


def test_throttling_locks_after_repeated_failures_even_with_the_right_password(
    client, standard_member, settings, clock
):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_LOCKOUT_SECONDS = 600
    email = standard_member.user.email
    for _ in range(3):
        sign_in(client, email, "wrong")
    response = sign_in(client, email)  # the right password
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Too many failed sign-in attempts" in response.content.decode()

    clock.shift(599)
    assert "_auth_user_id" not in client.session
    assert sign_in(client, email).status_code == 200

    clock.shift(2)  # the window has passed
    assert sign_in(client, email)["Location"] == reverse("home")


def test_attempts_during_a_lock_do_not_extend_it(client, standard_member, settings, clock):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_SECONDS = 300
    email = standard_member.user.email
    sign_in(client, email, "wrong")
    sign_in(client, email, "wrong")
    for _ in range(5):
        clock.shift(50)
        sign_in(client, email, "wrong")
    clock.shift(60)  # 310 s after the lock began
    assert sign_in(client, email)["Location"] == reverse("home")


def test_failures_spread_over_more_than_the_window_do_not_lock(
    client, standard_member, settings, clock
):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_LOCKOUT_SECONDS = 300
    email = standard_member.user.email
    for _ in range(6):
        sign_in(client, email, "wrong")
        clock.shift(200)
        if _ % 2:
            clock.shift(200)
    assert throttle.seconds_locked(email, None) == 0
    assert sign_in(client, email)["Location"] == reverse("home")


def test_a_successful_sign_in_clears_the_count(client, standard_member, settings, clock):
    settings.LOGIN_MAX_FAILURES = 3
    email = standard_member.user.email
    sign_in(client, email, "wrong")
    sign_in(client, email, "wrong")
    sign_in(client, email)
    client.logout()
    sign_in(client, email, "wrong")
    sign_in(client, email, "wrong")
    assert sign_in(client, email)["Location"] == reverse("home")


def test_one_address_trying_many_accounts_is_locked(client, db, settings, clock):
    settings.LOGIN_MAX_FAILURES = 2  # 4 x 2 = 8 failures per address
    for n in range(8):
        sign_in(client, f"guess{n}@example.test", "wrong")
    victim = UserFactory()
    response = sign_in(client, victim.email)
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_client_address_behind_trusted_proxies(rf, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.2", REMOTE_ADDR="10.0.0.1")
    settings.TRUSTED_PROXY_COUNT = 0
    assert throttle.client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 2
    assert throttle.client_ip(request) == "203.0.113.9"


def test_a_new_series_of_failures_locks_again_after_a_lock_ended(
    client, standard_member, settings, clock
):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_SECONDS = 300
    email = standard_member.user.email
    sign_in(client, email, "wrong")
    sign_in(client, email, "wrong")
    assert throttle.seconds_locked(email, None) == 300
    clock.shift(200)
    sign_in(client, email, "wrong")  # during the lock: not counted
    clock.shift(101)
    assert throttle.seconds_locked(email, None) == 0
    sign_in(client, email, "wrong")
    sign_in(client, email, "wrong")
    assert throttle.seconds_locked(email, None) == 300
    assert "_auth_user_id" not in client.session
    assert "Too many" in sign_in(client, email).content.decode()
