"""The foundation's flows in a real browser (R1, R2): sign in, switch firm, invite and
accept, change a role, switch language. Also full-page screenshots of the sign-in and
team pages in test-artifacts/ for a look at the layout."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scopes_disabled

from practice.models import Membership, Role
from tests.practice.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.e2e


def _firm_url(live_server, firm) -> str:
    return f"{live_server.url}/f/{firm.slug}/"


def _console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_sign_in_lands_in_the_only_firm(page, live_server, login, primary_admin):
    login(page, live_server, primary_admin)

    assert page.url.startswith(_firm_url(live_server, primary_admin.firm))
    assert page.locator("#firm-switcher").inner_text().strip() == primary_admin.firm.name
    user_menu = page.locator("#user-menu").inner_text()
    assert primary_admin.user.get_short_name() in user_menu
    assert "Primary admin" in user_menu


def test_sign_in_with_a_wrong_password_stays_on_the_form(page, live_server, primary_admin):
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=login]", primary_admin.user.email)
    page.fill("input[name=password]", "not-the-password")
    page.locator("main form button[type=submit]").click()

    page.get_by_text("This e-mail address and password don't match").wait_for()
    assert urlsplit(page.url).path == reverse("login")


def test_person_in_two_firms_switches_from_the_header(
    page, live_server, login, primary_admin, other_firm
):
    """R1: one person, two firms; the header switcher moves between them."""
    with scopes_disabled():
        MembershipFactory(firm=other_firm, user=primary_admin.user, role=Role.STANDARD)
    firm = primary_admin.firm

    login(page, live_server, primary_admin)
    assert urlsplit(page.url).path == reverse("firm_picker")
    page.get_by_role("link", name=firm.name).click()
    page.wait_for_url(re.compile(re.escape(_firm_url(live_server, firm))))

    page.locator("#firm-switcher").click()
    switcher = page.locator("[data-testid=firm-switcher] .dropdown-menu")
    switcher.get_by_role("link", name=other_firm.name).click()

    page.wait_for_url(re.compile(re.escape(_firm_url(live_server, other_firm))))
    assert page.locator("#firm-switcher").inner_text().strip() == other_firm.name
    assert "Standard" in page.locator("#user-menu").inner_text()


def test_admin_invites_a_member_who_creates_an_account(
    page, browser, live_server, login, admin_member
):
    """R2: admins invite by e-mail; the link creates the account and joins the firm."""
    firm = admin_member.firm
    login(page, live_server, admin_member)
    page.goto(live_server.url + reverse("team", kwargs={"firm_slug": firm.slug}))

    invite = page.locator("[data-testid=invite-form]")
    invite.locator("input[name=email]").fill("new.colleague@example.test")
    invite.locator("select[name=role]").select_option("standard")
    invite.locator("button[type=submit]").click()
    page.get_by_text("Invitation sent to new.colleague@example.test").wait_for()
    assert page.locator("[data-invitation='new.colleague@example.test']").is_visible()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.colleague@example.test"]
    link = re.search(r"https?://\S+/invitations/[^/\s]+/", message.body)
    assert link, message.body

    guest = browser.new_context()
    try:
        invitee = guest.new_page()
        invitee.goto(live_server.url + urlsplit(link.group(0)).path)
        invitee.fill("input[name=full_name]", "New Colleague")
        invitee.fill("input[name=password1]", PASSWORD)
        invitee.fill("input[name=password2]", PASSWORD)
        invitee.get_by_role("button", name="Create my account and join").click()

        invitee.wait_for_url(re.compile(re.escape(_firm_url(live_server, firm))))
        invitee.get_by_text(f"Welcome to {firm.name}.").wait_for()
        assert invitee.locator("#firm-switcher").inner_text().strip() == firm.name
    finally:
        guest.close()

    with scopes_disabled():
        joined = Membership.objects.get(firm=firm, user__email="new.colleague@example.test")
    assert joined.role == Role.STANDARD


def test_admin_changes_a_role_on_the_team_page(
    page, live_server, login, primary_admin, standard_member
):
    """R2: admins change roles (admin <-> standard) from the team page."""
    firm = primary_admin.firm
    login(page, live_server, primary_admin)
    page.goto(live_server.url + reverse("team", kwargs={"firm_slug": firm.slug}))

    row = page.locator(f"tr[data-member='{standard_member.user.email}']")
    with page.expect_navigation():
        row.locator("select[name=role]").select_option("admin")

    page.get_by_text(f"{standard_member.user} is now Admin.").wait_for()
    row = page.locator(f"tr[data-member='{standard_member.user.email}']")
    assert row.locator("select[name=role]").input_value() == "admin"
    standard_member.refresh_from_db()
    assert standard_member.role == Role.ADMIN


def test_footer_switches_the_language_to_french(page, live_server, login, primary_admin):
    firm = primary_admin.firm
    login(page, live_server, primary_admin)
    team_url = live_server.url + reverse("team", kwargs={"firm_slug": firm.slug})
    page.goto(team_url)
    assert page.locator("html").get_attribute("lang") == "en"

    with page.expect_navigation():
        page.locator("#language-select").select_option("fr")

    assert page.url == team_url
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("#language-select option:checked").inner_text().strip() == "Français"
    primary_admin.user.refresh_from_db()
    assert primary_admin.user.language == "fr"

    page.goto(live_server.url + reverse("firm_picker"))
    assert page.locator("html").get_attribute("lang") == "fr"


def test_screenshots_of_sign_in_and_team_pages(
    page, live_server, login, artifacts, primary_admin, admin_member, standard_member
):
    """Full-page screenshots for a look at the layout; the pages load without console
    errors (a CSP violation shows up there) and without horizontal scrolling."""
    errors = _console_errors(page)
    page.goto(live_server.url + reverse("login"))
    page.screenshot(path=str(artifacts / "login.png"), full_page=True)
    assert not _overflows(page)

    login(page, live_server, primary_admin)
    page.goto(live_server.url + reverse("team", kwargs={"firm_slug": primary_admin.firm.slug}))
    page.screenshot(path=str(artifacts / "team.png"), full_page=True)
    assert not _overflows(page)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.screenshot(path=str(artifacts / "team-narrow.png"), full_page=True)
    assert errors == []


def _overflows(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
