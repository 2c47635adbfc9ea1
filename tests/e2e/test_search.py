"""Name search in the browser (R8): a phrase typed in the list's search box finds
the clients with it in one of their names, never across two, in both languages.
Screenshots at 1366 px go to test-artifacts/search-phrase-{en,fr}.png."""

import pathlib

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from tests.clients.factories import ClientFactory

if not (pathlib.Path(__file__).parent / "conftest.py").exists():
    pytest.skip(
        "the e2e fixtures (tests/e2e/conftest.py) are not here yet", allow_module_level=True
    )

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_r8_a_phrase_is_found_in_one_name_in_both_languages(
    page, live_server, login, firm, primary_admin, artifacts
):
    with scopes_disabled():
        for display, company in [
            ("Lac Fromagerie", "Lac Fromagerie"),  # the phrase across two names
            ("Fromagerie", "Lac Nord"),
            ("Fromagerie Lac Sud", ""),
            ("FL", "La Fromagerie Lac"),
        ]:
            ClientFactory(firm=firm, display_name=display, company_name=company)
    login(page, live_server, primary_admin.user)
    page.set_viewport_size({"width": 1366, "height": 900})
    url = live_server.url + reverse("clients:list", kwargs={"firm_slug": firm.slug})
    for language, count in [("en", "2 clients"), ("fr", "2 clients")]:
        page.context.add_cookies([{"name": "language", "value": language, "url": live_server.url}])
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == language
        expect(page.locator("tbody tr")).to_have_count(4)
        # The search box is wired by htmx once the page has loaded.
        page.wait_for_load_state()
        page.locator("#client-search").fill("FROMAGERIE   lac")
        expect(page.locator("tbody tr")).to_have_count(2)
        expect(page.get_by_test_id("client-count")).to_contain_text(count)
        names = page.locator("tbody td.sticky-name a")
        expect(names).to_have_text(["FL", "Fromagerie Lac Sud"])
        page.screenshot(path=str(artifacts / f"search-phrase-{language}.png"), full_page=True)
