"""Browser test of webhooks (R35) in Chromium: an admin adds an endpoint from the
firm's settings, copies its signing secret into a real receiver started by the
test, sends a test event, and sees the delivery in the endpoint's log. Screenshots
of the endpoint pages, in English and French, at 1366 px wide, land in
test-artifacts/."""

import pathlib

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.webhooks.receiver import Receiver

if not (pathlib.Path(__file__).parent / "conftest.py").exists():
    pytest.skip(
        "the e2e fixtures (tests/e2e/conftest.py) are not here yet", allow_module_level=True
    )

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 1366


@pytest.fixture
def receiver():
    started = Receiver().start()
    yield started
    started.stop()


def _shoot(page, artifacts, live_server, name):
    page.set_viewport_size({"width": WIDTH, "height": 900})
    for language in ("en", "fr"):
        page.context.add_cookies([{"name": "language", "value": language, "url": live_server.url}])
        page.reload()
        assert page.locator("html").get_attribute("lang") == language
        page.screenshot(path=str(artifacts / f"webhooks-{name}-{language}.png"), full_page=True)
        assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    page.context.add_cookies([{"name": "language", "value": "en", "url": live_server.url}])
    page.reload()


def test_r35_an_admin_adds_an_endpoint_sends_a_test_event_and_sees_it_delivered(
    page, live_server, login, artifacts, firm, primary_admin, receiver
):
    errors = []  # console errors (a CSP violation shows here) other than the refused form's 400

    def record(msg):
        if msg.type == "error" and "status of 400" not in msg.text:
            errors.append(msg.text)

    page.on("console", record)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    login(page, live_server, primary_admin.user)
    page.goto(live_server.url + reverse("firm_settings", args=[firm.slug]))
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_test_id("endpoints")).to_contain_text("No endpoints yet")
    _shoot(page, artifacts, live_server, "list-empty")

    page.get_by_test_id("endpoint-add").click()
    page.get_by_label("URL").fill("ftp://not-a-web-address")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_test_id("endpoint-form")).to_contain_text("Enter a full web address")
    _shoot(page, artifacts, live_server, "add-error")

    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Description").fill("Practice tool")
    page.get_by_label("Wholesale statement issued").uncheck()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator("#messages")).to_contain_text("Endpoint added.")
    secret = page.get_by_test_id("endpoint-secret").input_value()
    assert secret.startswith("whsec_")
    receiver.secret = secret
    expect(page.get_by_test_id("endpoint-events")).not_to_contain_text("statement.issued")

    page.get_by_test_id("endpoint-test").click()
    expect(page.locator("#messages")).to_contain_text("Test event sent.")
    row = page.get_by_test_id("delivery-attempt").first
    expect(row).to_contain_text("webhook.test")
    expect(row).to_contain_text("Delivered")
    expect(row).to_contain_text("200")
    [request] = receiver.requests
    assert request.verified, request.reason
    assert request.json["type"] == "webhook.test"
    expect(row).to_contain_text(request.json["id"])
    # The secret is hidden again once the page is reloaded.
    expect(page.get_by_test_id("endpoint-secret")).to_have_count(0)

    # A receiver in trouble: the failed attempt is logged with its answer.
    receiver.status, receiver.answer = 503, b'{"error": "maintenance"}'
    page.get_by_test_id("endpoint-test").click()
    failed = page.get_by_test_id("delivery-attempt").first
    expect(failed).to_contain_text("Failed")
    expect(failed).to_contain_text("503")
    failed.get_by_text("Show").click()
    expect(failed).to_contain_text('{"error": "maintenance"}')
    expect(page.get_by_test_id("delivery-attempt")).to_have_count(2)
    _shoot(page, artifacts, live_server, "detail")

    page.goto(live_server.url + reverse("webhooks:list", args=[firm.slug]))
    expect(page.get_by_test_id("endpoints")).to_contain_text(receiver.url)
    expect(page.get_by_test_id("endpoints")).to_contain_text("failed (503)")
    _shoot(page, artifacts, live_server, "list")
    assert errors == []
