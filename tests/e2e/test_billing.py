"""Browser tests for the accountant-billed subscriptions tab (R12, R16, R17, R18),
in Chromium, with the e2e fixtures `page`, `live_server` and `login`."""

import pathlib
import re

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from clients.models import BillingChoice, Client
from subscriptions.models import Subscription
from tests.clients.factories import ClientFactory
from tests.practice.factories import BillingProfileFactory
from tests.subscriptions.factories import (
    ClientUsageFactory,
    SubscriptionFactory,
    product,
)

if not (pathlib.Path(__file__).parent / "conftest.py").exists():
    pytest.skip(
        "the e2e fixtures (tests/e2e/conftest.py) are not here yet", allow_module_level=True
    )

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalogue"),
]


def _wholesale(firm, name, code):
    with scopes_disabled():
        client = ClientFactory(
            firm=firm, display_name=name, initial_billing=BillingChoice.WHOLESALE
        )
        return SubscriptionFactory(client=client, product=product(code))


def _open_subscriptions(page, live_server, firm, sub):
    page.goto(live_server.url + reverse("billing:index", kwargs={"firm_slug": firm.slug}))
    page.locator(f'[data-expand="detail-{sub.client_id}"]').click()
    detail = page.get_by_test_id(f"subscriptions-of-{sub.client_id}")
    expect(detail).to_be_visible()
    detail.get_by_test_id(f"subscription-actions-{sub.pk}").locator("summary").click()
    return detail


def test_r16_r17_upgrade_from_the_accountant_billed_tab(
    page, live_server, login, firm, primary_admin
):
    with scopes_disabled():
        BillingProfileFactory(firm=firm)
    sub = _wholesale(firm, "Boulangerie Petit", "essentials")
    login(page, live_server, primary_admin.user)
    detail = _open_subscriptions(page, live_server, firm, sub)
    detail.locator('a[data-action="upgrade"]').click()
    page.get_by_label("Plus").check()
    page.get_by_role("button", name="Upgrade").click()
    expect(page.locator("#messages")).to_contain_text("moved from Essentials to Plus")
    with scopes_disabled():
        assert Subscription.objects.get(pk=sub.pk).product.code == "plus"


def test_r18_a_refused_downgrade_says_why(page, live_server, login, firm, primary_admin):
    sub = _wholesale(firm, "Atelier Roux", "plus")
    with scopes_disabled():
        ClientUsageFactory(client=sub.client, users=5)
    login(page, live_server, primary_admin.user)
    detail = _open_subscriptions(page, live_server, firm, sub)
    refused = detail.locator('[data-action="downgrade"]')
    expect(refused).to_have_attribute("aria-disabled", "true")
    expect(refused).to_contain_text(
        "Atelier Roux has 5 billable users and Essentials allows 3: remove 2 users first."
    )
    # The page itself (reachable without the menu) refuses with the same reason.
    page.goto(
        live_server.url
        + reverse(
            "subscriptions:downgrade", kwargs={"firm_slug": firm.slug, "subscription_id": sub.pk}
        )
    )
    expect(page.locator('[data-plan="Essentials"]')).to_contain_text("remove 2 users first")
    expect(page.get_by_role("button", name="Downgrade")).to_be_disabled()


def test_r12_remove_from_wholesale_then_delete(page, live_server, login, firm, primary_admin):
    sub = _wholesale(firm, "Quincaillerie Blanc", "essentials")
    delete_url = live_server.url + reverse(
        "clients:delete", kwargs={"firm_slug": firm.slug, "client_id": sub.client_id}
    )
    login(page, live_server, primary_admin.user)

    page.goto(delete_url)
    expect(page.get_by_test_id("delete-blockers")).to_contain_text(re.compile("wholesale", re.I))

    detail = _open_subscriptions(page, live_server, firm, sub)
    detail.locator('a[data-action="remove"]').click()
    page.get_by_test_id("confirm-remove").click()
    expect(page.locator("#messages")).to_contain_text("no longer on wholesale billing")

    page.goto(delete_url)
    page.get_by_label("Type the client's name to confirm").fill("Quincaillerie Blanc")
    page.get_by_test_id("confirm-delete").click()
    expect(page.locator("#messages")).to_contain_text("deleted permanently")
    with scopes_disabled():
        assert not Client.objects.filter(pk=sub.client_id).exists()
