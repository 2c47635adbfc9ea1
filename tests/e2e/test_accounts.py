"""Browser tests of accounts (R33): set up an authenticator app, then sign in with
it, in English and in French, under the site's strict CSP; screenshots at 1366 px
of each account page land in test-artifacts/accounts-<page>-<language>.png."""

import time
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests.practice.factories import PASSWORD
from tests.practice.totp import totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 1366


def fresh_code(secret: str) -> str:
    """A code that stays valid for the next few seconds."""
    if 30 - time.time() % 30 < 4:
        time.sleep(30 - time.time() % 30 + 0.2)
    return totp_code(secret)


def submit(page):
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_enrol_an_authenticator_app_then_sign_in_with_it(
    page, live_server, login, primary_admin, artifacts, language
):
    problems = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" else None,
    )
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.context.add_cookies([{"name": "language", "value": language, "url": live_server.url}])

    def shot(name):
        page.screenshot(path=str(artifacts / f"accounts-{name}-{language}.png"), full_page=True)

    def path():
        return urlsplit(page.url).path

    user = primary_admin.user
    user.language = language
    user.save()
    page.goto(live_server.url + reverse("login"))
    shot("sign-in")
    login(page, live_server, primary_admin)

    page.goto(live_server.url + reverse("account_security"))
    assert page.locator("[data-testid=two-step-off]").count() == 1
    shot("security-before")
    page.goto(live_server.url + reverse("mfa_index"))
    shot("two-step-index-before")
    page.locator(f"main a[href='{reverse('mfa_activate_totp')}']").click()
    page.wait_for_url(f"**{reverse('account_reauthenticate')}**")
    shot("reauthenticate")
    page.fill("input[name=password]", PASSWORD)
    submit(page)
    assert path() == reverse("mfa_activate_totp")
    shot("activate-app")
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("input[name=code]", "000000")
    submit(page)
    assert path() == reverse("mfa_activate_totp")
    assert page.locator(".invalid-feedback, .alert-danger:not([hidden])").count() >= 1
    shot("activate-app-wrong-code")
    secret = page.locator("#authenticator_secret").input_value() or secret
    page.fill("input[name=code]", fresh_code(secret))
    submit(page)
    assert path() == reverse("mfa_view_recovery_codes")
    shot("recovery-codes")
    page.goto(live_server.url + reverse("mfa_index"))
    shot("two-step-index-after")
    page.goto(live_server.url + reverse("account_security"))
    assert page.locator("[data-testid=two-step-on]").count() == 1
    shot("security-after")

    # Sign out, then in again: the password, then a code from the app.
    page.locator("#user-menu").click()
    with page.expect_navigation():
        page.locator(f"form[action='{reverse('logout')}'] button").click()
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    submit(page)
    assert path() == reverse("mfa_authenticate")
    shot("second-step")
    page.fill("input[name=code]", "123456")
    submit(page)
    assert path() == reverse("mfa_authenticate")
    error = page.locator(".invalid-feedback, .alert-danger:not([hidden])").first.inner_text()
    assert ("not valid" if language == "en" else "n’est pas valide") in error
    shot("second-step-wrong-code")
    page.fill("input[name=code]", fresh_code(secret))
    submit(page)
    assert path().startswith(f"/f/{primary_admin.firm.slug}/")

    page.goto(live_server.url + reverse("team", args=[primary_admin.firm.slug]))
    assert page.locator("[data-testid=two-step-badge]").count() == 1
    shot("team")
    page.goto(live_server.url + reverse("firm_settings", args=[primary_admin.firm.slug]))
    assert page.locator("input[name=two_step_required_from]").count() == 1
    shot("firm-settings")
    page.goto(live_server.url + reverse("account_change_password"))
    shot("change-password")
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "language", "value": language, "url": live_server.url}])
    page.goto(live_server.url + reverse("account_reset_password"))
    shot("password-reset")

    csp = [p for p in problems if "Content Security Policy" in p]
    assert not csp, csp


def test_add_a_passkey_then_sign_in_with_it(page, live_server, login, primary_admin, artifacts):
    """Passkeys work under the strict CSP: Chromium's virtual authenticator stands
    in for a security key."""
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    login(page, live_server, primary_admin)
    page.goto(live_server.url + reverse("mfa_add_webauthn"))
    if urlsplit(page.url).path.startswith(reverse("account_reauthenticate")):
        page.fill("input[name=password]", PASSWORD)
        submit(page)
    assert urlsplit(page.url).path == reverse("mfa_add_webauthn")
    page.screenshot(path=str(artifacts / "accounts-add-passkey-en.png"), full_page=True)
    page.fill("input[name=name]", "Laptop")
    passkey = page.locator("input[name=passwordless]")
    if passkey.count():
        passkey.check()
    with page.expect_navigation():
        page.locator("#mfa_webauthn_add").click()
    assert urlsplit(page.url).path != reverse("mfa_add_webauthn"), page.content()[:3000]

    page.locator("#user-menu").click()
    with page.expect_navigation():
        page.locator(f"form[action='{reverse('logout')}'] button").click()
    page.goto(live_server.url + reverse("login"))
    with page.expect_navigation():
        page.locator("#passkey_login").click()
    assert urlsplit(page.url).path.startswith(f"/f/{primary_admin.firm.slug}/")
    csp = [p for p in problems if "Content Security Policy" in p]
    assert not csp, csp
