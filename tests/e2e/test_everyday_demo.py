"""Issue 15 items 11 and 12 in the browser: the import page leads to the client
export (semicolons for a French reader), and `make run`'s demo shows a wholesale
enrolment that stays pending, whose upgrade is refused with the reason."""

import csv
import io
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from practice.models import Membership, Role
from subscriptions.models import Subscription, SubscriptionStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_item11_the_import_page_leads_to_the_french_export(
    page, live_server, login, firm, primary_admin, make_client, artifacts
):
    make_client(display_name="Dupont, Martin et fils", client_number="D-1")
    with scopes_disabled():
        primary_admin.user.language = "fr"
        primary_admin.user.save()
    login(page, live_server, primary_admin.user)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + reverse("imports:index", args=[firm.slug]))
    expect(page.get_by_test_id("import-headers")).to_contain_text("Numéro de client")
    page.screenshot(path=str(artifacts / "everyday-import-page-fr.png"))
    with page.expect_download() as download:
        page.get_by_test_id("import-export-link").click()
    body = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0][:3] == [
        "Numéro d'identification de l'entreprise",
        "Nom d'affichage",
        "Numéro de client",
    ]
    assert rows[1][1:3] == ["Dupont, Martin et fils", "D-1"]


def test_item12_the_demo_shows_a_pending_enrolment_that_cant_be_upgraded(
    page, live_server, login, artifacts, catalogue
):
    call_command("demo_data", "--quiet")
    with scopes_disabled():
        pending = Subscription.objects.select_related("firm", "client").get(
            status=SubscriptionStatus.PENDING
        )
        admin = Membership.objects.get(firm=pending.firm, role=Role.PRIMARY_ADMIN)
    login(page, live_server, admin.user, password="demo-pass-2026")
    page.set_viewport_size({"width": 1366, "height": 900})
    # The tab lists 50 clients a page: find the pending one by its name.
    url = reverse("billing:index", args=[pending.firm.slug])
    page.goto(live_server.url + url + "?" + urlencode({"q": pending.client.display_name}))
    page.locator(f'[data-expand="detail-{pending.client_id}"]').click()
    detail = page.get_by_test_id(f"subscriptions-of-{pending.client_id}")
    detail.get_by_test_id(f"subscription-actions-{pending.pk}").locator("summary").click()
    upgrade = detail.locator('[data-action="upgrade"]')
    expect(upgrade).to_have_attribute("aria-disabled", "true")
    expect(upgrade).to_contain_text("still pending")
    page.screenshot(path=str(artifacts / "everyday-demo-pending.png"))
