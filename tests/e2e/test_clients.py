"""Browser tests for the client flows (R4, R6, R8, R10, R11, R12), in Chromium.

They use the e2e fixtures `page`, `live_server` and `login(page, live_server, user)`
from tests/e2e/conftest.py."""

import pathlib
import re

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from clients.models import Client
from tests.clients.factories import ClientFactory

if not (pathlib.Path(__file__).parent / "conftest.py").exists():
    pytest.skip(
        "the e2e fixtures (tests/e2e/conftest.py) are not here yet", allow_module_level=True
    )

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _list_url(live_server, firm):
    return live_server.url + reverse("clients:list", kwargs={"firm_slug": firm.slug})


def _make(firm, **fields):
    with scopes_disabled():
        return ClientFactory(firm=firm, **fields)


def _row(page, client):
    return page.locator(f"#client-row-{client.pk}")


def _open_actions(page, client):
    _row(page, client).locator("details.actions-menu > summary").click()


def test_r4_r6_add_a_business_client_with_a_number_then_find_it(
    page, live_server, login, firm, primary_admin
):
    login(page, live_server, primary_admin.user)
    page.goto(_list_url(live_server, firm))
    page.get_by_test_id("add-client").click()
    page.get_by_label("Business").check()
    page.get_by_label("Display name").fill("Fromagerie du Lac")
    page.get_by_text("Add more info").click()
    page.get_by_label("Client number").fill("  E2E-4217 ")
    page.get_by_label("No subscription").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_test_id("client-name")).to_contain_text("Fromagerie du Lac")
    with scopes_disabled():
        assert Client.objects.get(display_name="Fromagerie du Lac").client_number == "E2E-4217"

    _make(firm, display_name="Someone else", client_number="X-1")
    page.goto(_list_url(live_server, firm))
    page.locator("#client-search").fill("E2E-42")
    expect(page.get_by_test_id("client-count")).to_contain_text("1 client")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("Fromagerie du Lac")
    expect(page).to_have_url(re.compile(r"q=E2E-42"))


def test_r10_edit_inline_updates_the_row_in_place(page, live_server, login, firm, standard_member):
    client = _make(firm, display_name="Old Name", client_number="IN-1")
    login(page, live_server, standard_member.user)
    page.goto(_list_url(live_server, firm))
    url = page.url
    _open_actions(page, client)
    _row(page, client).get_by_text("Edit client").click()
    form = page.get_by_test_id("inline-edit-form")
    form.get_by_label("Display name").fill("New Name")
    form.get_by_role("button", name="Save").click()
    expect(_row(page, client)).to_contain_text("New Name")
    expect(_row(page, client)).to_contain_text("IN-1")
    assert page.url == url


def test_r11_make_inactive_then_find_it_with_include_inactive(
    page, live_server, login, firm, standard_member
):
    client = _make(firm, display_name="Seasonal Shop")
    login(page, live_server, standard_member.user)
    page.goto(_list_url(live_server, firm))
    _open_actions(page, client)
    _row(page, client).get_by_role("button", name="Make inactive").click()
    expect(_row(page, client)).to_contain_text("Inactive")
    page.reload()
    expect(_row(page, client)).to_have_count(0)
    page.get_by_label("Include inactive clients").check()
    expect(_row(page, client)).to_contain_text("Seasonal Shop")
    expect(page).to_have_url(re.compile(r"inactive=1"))


def test_r8_reorder_columns_and_keep_the_order_after_reload(
    page, live_server, login, firm, standard_member
):
    _make(firm, display_name="Column Test", client_number="COL-1")
    login(page, live_server, standard_member.user)
    page.goto(_list_url(live_server, firm))
    headers = page.locator("thead th[data-column]")
    expect(headers.first).to_have_attribute("data-column", "name")
    page.get_by_test_id("column-chooser").locator("summary").click()
    item = page.locator('.column-item[data-column="client_number"] .drag-handle')
    target = page.locator('.column-item[data-column="name"]')
    item.drag_to(target, target_position={"x": 5, "y": 2})
    expect(headers.first).to_have_attribute("data-column", "client_number")
    page.reload()
    expect(headers.first).to_have_attribute("data-column", "client_number")
    expect(headers.nth(1)).to_have_attribute("data-column", "name")


def test_r12_primary_admin_deletes_after_typing_the_name(
    page, live_server, login, firm, primary_admin, artifacts
):
    client = _make(firm, display_name="Closing Down Ltd")
    login(page, live_server, primary_admin.user)
    page.goto(_list_url(live_server, firm))
    _open_actions(page, client)
    _row(page, client).get_by_text("Delete permanently").click()
    page.set_viewport_size({"width": 1366, "height": 900})
    name = page.get_by_label("Type the client's name to confirm")
    name.fill("Closing Down")
    page.get_by_test_id("confirm-delete").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("The name doesn't match")
    page.screenshot(path=str(artifacts / "delete-confirm-en.png"), full_page=True)
    with scopes_disabled():
        assert Client.objects.filter(pk=client.pk).exists()
    page.get_by_label("Type the client's name to confirm").fill(" closing down ltd ")
    page.get_by_test_id("confirm-delete").click()
    expect(page.locator("#messages")).to_contain_text("Closing Down Ltd was deleted permanently")
    expect(_row(page, client)).to_have_count(0)
    with scopes_disabled():
        assert not Client.objects.filter(pk=client.pk).exists()


def test_r12_other_roles_do_not_see_delete_and_are_refused(
    page, live_server, login, firm, admin_member
):
    client = _make(firm, display_name="Protected Client")
    login(page, live_server, admin_member.user)
    page.goto(_list_url(live_server, firm))
    _open_actions(page, client)
    expect(_row(page, client).get_by_text("Delete permanently")).to_have_count(0)
    url = live_server.url + reverse(
        "clients:delete", kwargs={"firm_slug": firm.slug, "client_id": client.pk}
    )
    response = page.goto(url)
    assert response.status == 403
    with scopes_disabled():
        assert Client.objects.filter(pk=client.pk).exists()
