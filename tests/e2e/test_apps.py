"""Browser test of the Time setup wizard (R23, R24, R20), in Chromium: from a
client with no team (the flow stops) to the client's admin accepting the
invitation from the e-mail link, and the app active on the products tab."""

import os
import pathlib
import re

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from clients.models import CompanyMember
from subscriptions.models import AppSetup, SetupStatus, TimeEmployee
from tests.subscriptions.factories import client_with_team

if not (pathlib.Path(__file__).parent / "conftest.py").exists():
    pytest.skip(
        "the e2e fixtures (tests/e2e/conftest.py) are not here yet", allow_module_level=True
    )

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalogue"),
]


def _shot(page, artifacts, name):
    """Screenshots for looking at the pages (APP_SCREENSHOTS=1)."""
    if os.environ.get("APP_SCREENSHOTS"):
        page.screenshot(path=str(artifacts / f"apps-{name}.png"), full_page=True)


def test_r23_r24_time_wizard_from_no_team_to_accepted_invitation(
    page, live_server, login, firm, primary_admin, mailoutbox, artifacts
):
    client = client_with_team(firm, members=0, name="Boulangerie Petit")
    login(page, live_server, primary_admin.user)

    # Apps for clients → pick the client by searching.
    page.get_by_role("link", name="Apps", exact=True).click()
    expect(page.get_by_role("heading", name="Apps for clients")).to_be_visible()
    # The search box is wired by htmx once the page has loaded: typing before that
    # would send no search.
    page.wait_for_load_state()
    page.get_by_test_id("client-search").fill("boulang")
    page.get_by_role("link", name="Boulangerie Petit").click()
    expect(page.get_by_test_id("picked-client")).to_contain_text("Boulangerie Petit")
    _shot(page, artifacts, "1-catalogue")

    # Find the app, open it: R23 stops the flow, with a link to add the team.
    page.get_by_test_id("open-time").click()
    stop = page.get_by_test_id("setup-stop")
    expect(stop).to_contain_text("Boulangerie Petit has no team members yet")
    expect(stop.get_by_role("link", name="Add team members")).to_have_attribute(
        "href", re.compile(reverse("clients:detail", args=[firm.slug, client.pk]))
    )
    expect(page.get_by_test_id("install-form")).to_have_count(0)
    _shot(page, artifacts, "2-stop")

    # The client's team gets a member (the Team tab belongs to another part).
    with scopes_disabled():
        member = CompanyMember.objects.create(
            company=client.company_account,
            full_name="Julie Petit",
            email="julie@boulangerie.test",
            role="admin",
        )
    page.reload()

    # Get app: install for the client, billed to the firm on wholesale (R20).
    page.get_by_label("Billed to the firm, on its wholesale statement").check()
    _shot(page, artifacts, "3-get-app")
    page.get_by_role("button", name="Install").click()
    expect(page.locator("#messages")).to_contain_text("Time is installed for Boulangerie Petit")

    # Accounts: the firm's pro account once, then a new Time account for the client.
    page.get_by_label("Pro account name").fill("Cabinet Durand Pro")
    page.get_by_label("Pro account ID").fill("PRO-123456")
    _shot(page, artifacts, "4-accounts")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_test_id("pro-account")).to_contain_text("Cabinet Durand Pro")
    page.get_by_label("Create a new Time account for the client").check()
    page.get_by_role("button", name="Next").click()

    # Payroll settings (the step arrives through htmx).
    expect(page.get_by_test_id("payroll-form")).to_be_visible()
    page.get_by_label("Every two weeks").check()
    page.get_by_label("First day of a pay period").fill("2025-01-06")
    page.get_by_label("Overtime after (hours per day)").fill("8")
    page.get_by_label("Overtime after (hours per week)").fill("40")
    page.get_by_label("Overtime pay multiplier").fill("1.5")
    _shot(page, artifacts, "5-payroll")
    page.get_by_role("button", name="Next").click()

    # Going back works and keeps what was saved.
    expect(page.get_by_test_id("track-form")).to_be_visible()
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_label("Overtime pay multiplier")).to_have_value("1.5")
    page.get_by_role("button", name="Next").click()

    # What to track: the team member is imported in the background.
    expect(page.get_by_test_id("track-form")).to_be_visible()
    page.get_by_label("Team members, as employees").check()
    page.get_by_label("Service items").check()
    page.get_by_label("Julie Petit <julie@boulangerie.test>").check()
    _shot(page, artifacts, "6-track")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_test_id("import-progress")).to_contain_text(
        "1 team member imported as an employee."
    )
    with scopes_disabled():
        assert TimeEmployee.objects.filter(member=member).count() == 1

    # The account admin: designate Julie, set permissions, send the invitation.
    page.get_by_label("Julie Petit <julie@boulangerie.test>").check()
    page.get_by_label("Approve timesheets").check()
    _shot(page, artifacts, "7-admin")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_test_id("setup-status")).to_have_text("Invitation sent")
    _shot(page, artifacts, "8-sent")

    # The client's admin accepts from the e-mail link, creating their account with the
    # invited address (never anonymously, issue 15.10).
    [invitation] = [m for m in mailoutbox if m.to == ["julie@boulangerie.test"]]
    link = re.search(r"https?://\S+/apps/time/invitations/\S+/", invitation.body).group(0)
    path = "/" + link.split("/", 3)[3]
    visitor = page.context.browser.new_context(locale="en-GB")
    client_page = visitor.new_page()
    client_page.goto(live_server.url + path)
    client_page.locator("input[name=full_name]").fill("Julie Boulanger")
    client_page.locator("input[name=password1]").fill("Croissant-2026!")
    client_page.locator("input[name=password2]").fill("Croissant-2026!")
    _shot(client_page, artifacts, "9-sign-up")
    client_page.get_by_role("button", name="Create my account and accept").click()
    expect(client_page.get_by_test_id("time-invitation-accepted")).to_be_visible()
    _shot(client_page, artifacts, "9-accepted")
    visitor.close()
    assert any(m.to == [primary_admin.user.email] for m in mailoutbox)

    # The app is active on the client's products tab.
    page.goto(
        live_server.url + reverse("clients:detail", args=[firm.slug, client.pk]) + "?tab=products"
    )
    expect(page.get_by_test_id("app-status-time")).to_have_text("Active")
    _shot(page, artifacts, "10-products")
    with scopes_disabled():
        assert AppSetup.objects.get(client=client).status == SetupStatus.ACTIVE
