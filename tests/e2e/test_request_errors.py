"""Issue 15.2: an htmx request that fails says so in the page, in the reader's
language, and never swaps a raw error page or leaves the page silent."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from tests.clients.factories import ClientFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _list(page, live_server, login, firm, member):
    with scopes_disabled():
        ClientFactory(firm=firm, display_name="Fromagerie du Lac")
    login(page, live_server, member.user)
    page.goto(live_server.url + reverse("clients:list", kwargs={"firm_slug": firm.slug}))
    expect(page.get_by_text("Fromagerie du Lac")).to_be_visible()


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        ("server", "the server answered with an error"),
        ("refused", "This action was refused"),
        ("network", "The server could not be reached"),
    ],
)
def test_a_failed_search_request_says_so_and_keeps_the_page(
    page, live_server, login, firm, primary_admin, failure, message, artifacts
):
    _list(page, live_server, login, firm, primary_admin)

    def fail(route):
        if failure == "network":
            route.abort()
        else:
            status = 500 if failure == "server" else 403
            route.fulfill(status=status, body="<h1>Server Error (500)</h1>")

    page.route("**/clients/?*q=*", fail)
    page.locator("#client-search").fill("Lac")
    error = page.get_by_test_id("request-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(message)
    # The page is still the page: its header, its list, no raw error page swapped in.
    expect(page.locator("header.app-header")).to_be_visible()
    expect(page.get_by_text("Fromagerie du Lac")).to_be_visible()
    expect(page.get_by_text("Server Error (500)")).to_have_count(0)
    page.set_viewport_size({"width": 1366, "height": 700})
    page.screenshot(path=str(artifacts / f"request-error-{failure}-en.png"))


def test_the_message_is_in_french_for_a_french_reader(
    page, live_server, login, firm, primary_admin, artifacts
):
    with scopes_disabled():
        primary_admin.user.language = "fr"
        primary_admin.user.save()
    _list(page, live_server, login, firm, primary_admin)
    page.route("**/clients/?*q=*", lambda route: route.abort())
    page.locator("#client-search").fill("Lac")
    expect(page.get_by_test_id("request-error")).to_contain_text("Le serveur est injoignable")
    page.set_viewport_size({"width": 1366, "height": 700})
    page.screenshot(path=str(artifacts / "request-error-network-fr.png"))
