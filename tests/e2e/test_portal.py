"""Browser test of R22 end to end: a client company's admin signs in to the client
portal and invites an accountant; the accountant opens the e-mailed link, signs
in, accepts, picks the firm, confirms, and the client appears in the firm's list."""

import os
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from clients.models import Client
from tests.clients.factories import CompanyFactory, CompanyMemberFactory, portal_user
from tests.practice.factories import FirmFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _shot(page, artifacts, name):
    """Screenshots for a look at the pages (SCREENSHOTS=1)."""
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=str(artifacts / f"portal-{name}.png"), full_page=True)


def test_r22_portal_user_invites_an_accountant_who_accepts_into_a_chosen_firm(
    page, browser, live_server, login, artifacts
):
    with scopes_disabled():
        company = CompanyFactory(name="Atelier des Alpes")
        admin = portal_user(company)
        CompanyMemberFactory(company=company, full_name="Noé Simon", role="time_tracking")
        accountant = UserFactory(email="cpa@cabinet.test", full_name="Camille Comptable")
        first = FirmFactory(name="Cabinet Beaulieu")
        second = FirmFactory(name="Cabinet Montcalm")
        MembershipFactory(firm=first, user=accountant, role="primary_admin")
        MembershipFactory(firm=second, user=accountant, role="admin")
        MembershipFactory(firm=second, role="primary_admin")

    # The company's admin signs in and lands in the portal, without firm navigation.
    login(page, live_server, admin.user)
    page.wait_for_url(re.compile(re.escape(reverse("portal:overview", args=[company.pk]))))
    expect(page.get_by_test_id("portal-nav")).to_be_visible()
    expect(page.get_by_test_id("firm-switcher")).to_have_count(0)
    _shot(page, artifacts, "overview-empty")

    page.get_by_test_id("portal-nav").get_by_role("link", name="Team").click()
    expect(page.get_by_test_id("company-team")).to_contain_text("Noé Simon")
    _shot(page, artifacts, "team")

    page.get_by_test_id("portal-nav").get_by_role("link", name="Accountants").click()
    form = page.get_by_test_id("accountant-invite-form")
    form.get_by_label("Accountant's e-mail").fill("cpa@cabinet.test")
    form.get_by_label("Add this accountant to my company").check()
    form.get_by_role("button", name="Send the invitation").click()
    page.get_by_text("Invitation sent to cpa@cabinet.test").wait_for()
    expect(page.get_by_test_id("accountant-invitations")).to_contain_text("cpa@cabinet.test")
    _shot(page, artifacts, "accountants")

    (message,) = [m for m in mail.outbox if m.to == ["cpa@cabinet.test"]]
    link = re.search(r"https?://\S+/connect/[^/\s]+/", message.body)
    assert link, message.body

    # The accountant opens the link, signs in and comes back to it.
    other = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    try:
        cpa = other.new_page()
        cpa.goto(live_server.url + urlsplit(link.group(0)).path)
        cpa.get_by_test_id("sign-in-to-accept").click()
        cpa.fill("input[name=login]", "cpa@cabinet.test")
        cpa.fill("input[name=password]", "correct-horse-battery-staple")
        cpa.locator("main form button[type=submit]").click()
        cpa.get_by_text("Choose the firm that takes this client").wait_for()
        _shot(cpa, artifacts, "accept")

        cpa.get_by_label("Cabinet Montcalm").check()
        cpa.get_by_role("button", name="Accept the invitation").click()
        expect(cpa.get_by_test_id("confirm-text")).to_contain_text("Cabinet Montcalm")
        _shot(cpa, artifacts, "confirm")
        cpa.get_by_role("button", name="Continue").click()

        # The accountant lands on the new client's profile (issue 15.7).
        cpa.wait_for_url(re.compile(re.escape(f"/f/{second.slug}/clients/") + r"\d+/$"))
        expect(cpa.get_by_test_id("client-name")).to_contain_text("Atelier des Alpes")
        _shot(cpa, artifacts, "firm-list")
    finally:
        other.close()

    with scopes_disabled():
        assert Client.objects.filter(firm=second, company_account=company).exists()
        assert not Client.objects.filter(firm=first, company_account=company).exists()

    # The company sees its new accountant.
    page.get_by_test_id("portal-nav").get_by_role("link", name="Overview").click()
    expect(page.get_by_test_id("accountant-list")).to_contain_text("Cabinet Montcalm")
    _shot(page, artifacts, "overview")


def test_the_firm_manages_the_client_company_team_from_the_profile(
    page, live_server, login, artifacts, firm, standard_member
):
    from tests.clients.factories import connect

    with scopes_disabled():
        company = CompanyFactory(name="Fromagerie du Lac")
        client = connect(company, firm)
    login(page, live_server, standard_member)
    page.goto(
        live_server.url + reverse("clients:detail", args=[firm.slug, client.pk]) + "?tab=team"
    )
    form = page.get_by_test_id("company-member-form")
    form.locator("input[name=full_name]").fill("Inès Moreau")
    form.locator("input[name=email]").fill("ines@lac.test")
    form.get_by_label("Role in the company").select_option("admin")
    form.get_by_label("Invite to the client portal by e-mail").check()
    form.get_by_role("button", name="Add").click()
    page.get_by_text("Inès Moreau was added.").wait_for()
    row = page.locator("[data-member='ines@lac.test']")
    expect(row).to_contain_text("Invited")
    _shot(page, artifacts, "firm-team-tab")
    assert [m.to for m in mail.outbox] == [["ines@lac.test"]]
