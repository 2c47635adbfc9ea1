"""Browser tests at 1366 px for everyday use of the client pages (issue 15): the
delete confirmation, the plan on the overview, the add form, the list's columns and
menus. Screenshots of each page, in English and French, go to test-artifacts/."""

import pathlib

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from clients.models import BillingChoice
from subscriptions.models import SubscriptionStatus
from tests.clients.factories import ClientFactory
from tests.subscriptions.factories import SubscriptionFactory, product

if not (pathlib.Path(__file__).parent / "conftest.py").exists():
    pytest.skip(
        "the e2e fixtures (tests/e2e/conftest.py) are not here yet", allow_module_level=True
    )

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 1366


def shoot(page, artifacts, live_server, name, url=None, languages=("en", "fr"), then=None):
    """Screenshot `url` (or the current page, reloaded) in each language."""
    page.set_viewport_size({"width": WIDTH, "height": 900})
    for language in languages:
        page.context.add_cookies([{"name": "language", "value": language, "url": live_server.url}])
        page.goto(url) if url else page.reload()
        assert page.locator("html").get_attribute("lang") == language
        if then:
            then(page)
        page.screenshot(path=str(artifacts / f"everyday-{name}-{language}.png"), full_page=True)
    page.context.add_cookies([{"name": "language", "value": "en", "url": live_server.url}])


def _url(name, firm, **kwargs):
    return reverse(name, kwargs={"firm_slug": firm.slug, **kwargs})


def test_item8_overview_shows_the_plan_and_its_status(
    page, live_server, login, firm, primary_admin, catalogue, artifacts
):
    with scopes_disabled():
        pending = ClientFactory(
            firm=firm, display_name="Pending Plan Inc", initial_billing=BillingChoice.WHOLESALE
        )
        SubscriptionFactory(
            client=pending, product=product("essentials"), status=SubscriptionStatus.PENDING
        )
        active = ClientFactory(firm=firm, display_name="Active Plan Inc")
        SubscriptionFactory(
            client=active, product=product("plus"), status=SubscriptionStatus.ACTIVE
        )
        bare = ClientFactory(firm=firm, display_name="No Plan Inc")
    login(page, live_server, primary_admin.user)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(live_server.url + _url("clients:detail", firm, client_id=pending.pk))
    plan = page.get_by_test_id("client-plan")
    expect(plan).to_contain_text("Essentials")
    expect(plan).to_contain_text("Pending")
    expect(plan).to_contain_text("can't be upgraded yet")
    page.goto(live_server.url + _url("clients:detail", firm, client_id=active.pk))
    expect(plan).to_contain_text("Plus")
    expect(plan).to_contain_text("Active")
    page.goto(live_server.url + _url("clients:detail", firm, client_id=bare.pk))
    expect(plan).to_contain_text("No subscription")
    shoot(
        page,
        artifacts,
        live_server,
        "profile-overview",
        live_server.url + _url("clients:detail", firm, client_id=pending.pk),
    )


def test_item9_delete_page_in_both_languages(
    page, live_server, login, firm, primary_admin, artifacts
):
    with scopes_disabled():
        client = ClientFactory(firm=firm, display_name="Closing Down Ltd")
    login(page, live_server, primary_admin.user)
    url = live_server.url + _url("clients:delete", firm, client_id=client.pk)
    shoot(page, artifacts, live_server, "delete", url)


def test_item6_add_client_keeps_more_info_open_and_shows_each_types_fields(
    page, live_server, login, firm, primary_admin, artifacts
):
    login(page, live_server, primary_admin.user)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    add_url = live_server.url + _url("clients:add", firm)
    page.goto(add_url)
    more = page.get_by_test_id("more-info")
    company = page.get_by_label("Company name")
    page.get_by_label("Individual").check()
    more.locator("summary").click()
    expect(company).to_be_hidden()
    expect(page.get_by_label("First name")).to_be_visible()
    page.get_by_label("First name").fill("Jeanne")
    page.get_by_label("Last name").fill("Roy")
    page.get_by_label("Client number").fill("IND-7")
    page.get_by_role("button", name="Save", exact=True).click()  # no display name
    expect(page.get_by_text("Please correct the fields")).to_be_visible()
    expect(more).to_have_attribute("open", "")
    expect(page.get_by_label("First name")).to_have_value("Jeanne")
    expect(page.get_by_label("Client number")).to_have_value("IND-7")
    expect(company).to_be_hidden()
    page.screenshot(path=str(artifacts / "everyday-add-individual-error-en.png"), full_page=True)
    page.get_by_label("Business").check()
    expect(company).to_be_visible()
    page.get_by_label("Individual").check()
    expect(company).to_be_hidden()

    def fill_individual(page):
        page.locator("input[value=individual]").check()
        page.get_by_test_id("more-info").locator("summary").click()

    shoot(page, artifacts, live_server, "add-individual", add_url, then=fill_individual)
    shoot(page, artifacts, live_server, "add-business", add_url)
