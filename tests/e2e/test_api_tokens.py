"""Browser test of the API tokens pages (R34) and the API's docs in Chromium: a
member creates a token on Settings → API tokens, sees it once, and it works
against the API; the admin list shows it; the docs page renders under the
site's CSP. Screenshots at 1366 px, in English and French, land in test-artifacts/."""

import pathlib

import pytest
from django.urls import reverse
from playwright.sync_api import expect

if not (pathlib.Path(__file__).parent / "conftest.py").exists():
    pytest.skip("the e2e fixtures are not here yet", allow_module_level=True)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 1366


def _console_errors(page):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def _shoot(page, artifacts, name):
    page.screenshot(path=str(artifacts / f"api-{name}.png"), full_page=True)
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_r34_a_member_creates_a_token_sees_it_once_and_uses_it(
    browser, page, live_server, login, artifacts, firm, primary_admin, make_client
):
    make_client(display_name="Boulangerie Aubert", client_number="A-101")
    page.set_viewport_size({"width": WIDTH, "height": 900})
    errors = _console_errors(page)
    login(page, live_server, primary_admin)
    tokens_url = live_server.url + reverse("api_tokens", kwargs={"firm_slug": firm.slug})
    page.goto(tokens_url)
    page.fill("input[name=name]", "Accounting sync")
    page.check("input[name=scope][value=read_write]")
    page.select_option("select[name=expires_in_days]", "30")
    page.get_by_role("button", name="Create the token").click()
    created = page.get_by_test_id("new-token")
    expect(created).to_be_visible()
    secret = created.input_value()
    assert secret.startswith("ldg_")
    expect(page.get_by_test_id("token-table")).to_contain_text("Accounting sync")
    _shoot(page, artifacts, "tokens-created-en")

    answer = page.request.get(
        live_server.url + "/api/v1/clients", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status == 200
    assert [c["display_name"] for c in answer.json()["items"]] == ["Boulangerie Aubert"]

    page.goto(tokens_url)
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    assert secret not in page.content()
    expect(page.get_by_test_id("token-table")).to_contain_text("Accounting sync")
    _shoot(page, artifacts, "tokens-en")

    page.goto(live_server.url + reverse("api_tokens_firm", kwargs={"firm_slug": firm.slug}))
    expect(page.get_by_test_id("firm-token-table")).to_contain_text(str(primary_admin.user))
    _shoot(page, artifacts, "firm-tokens-en")

    page.context.add_cookies([{"name": "language", "value": "fr", "url": live_server.url}])
    page.goto(tokens_url)
    expect(page.get_by_role("heading", name="Nouveau jeton")).to_be_visible()
    _shoot(page, artifacts, "tokens-fr")
    page.goto(live_server.url + reverse("api_tokens_firm", kwargs={"firm_slug": firm.slug}))
    expect(page.get_by_test_id("firm-token-table")).to_contain_text("Lecture et écriture")
    _shoot(page, artifacts, "firm-tokens-fr")

    page.get_by_role("button", name="Révoquer").first.click()
    expect(page.get_by_test_id("firm-token-table")).to_contain_text("Révoqué")
    refused = page.request.get(
        live_server.url + "/api/v1/clients",
        headers={"Authorization": f"Bearer {secret}", "Accept-Language": "fr"},
    )
    assert refused.status == 401
    assert refused.json()["detail"] == "Ce jeton d'API a été révoqué."
    assert errors == []


def test_the_api_docs_render_under_the_sites_csp(page, live_server, artifacts, db):
    page.set_viewport_size({"width": WIDTH, "height": 900})
    errors = _console_errors(page)
    page.goto(live_server.url + "/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Ledgerly API")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    page.screenshot(path=str(artifacts / "api-docs.png"))
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []
