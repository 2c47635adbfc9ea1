"""Browser tests at 1366 px for the client list (issue 15, items 3 to 5): the
default columns fit, the name and Actions columns stay while a wide selection
scrolls, the Actions menus are never clipped and one is open at a time, the
column chooser puts a column back in its place and dragging breaks no CSP rule."""

import pathlib

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from clients.models import BillingChoice
from tests.clients.factories import ClientFactory
from tests.e2e.test_everyday_clients import WIDTH, shoot
from tests.subscriptions.factories import SubscriptionFactory, product

if not (pathlib.Path(__file__).parent / "conftest.py").exists():
    pytest.skip(
        "the e2e fixtures (tests/e2e/conftest.py) are not here yet", allow_module_level=True
    )

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _list_url(live_server, firm):
    return live_server.url + reverse("clients:list", kwargs={"firm_slug": firm.slug})


def _clients(firm, lead, count=3):
    with scopes_disabled():
        return [
            ClientFactory(
                firm=firm,
                display_name=f"Boulangerie-Pâtisserie Artisanale du Vieux Port n°{n}",
                email=f"comptabilite.generale.{n}@boulangerie-du-vieux-port.example",
                client_number=f"CLI-2024-{n:05d}",
                lead_accountant=lead,
            )
            for n in range(count)
        ]


def _overflow(page):
    return page.locator(".client-table-wrap").evaluate("el => el.scrollWidth - el.clientWidth")


def _menu_clickable(page, menu):
    """The last item of an open menu is what the browser finds at its own centre."""
    item = menu.locator(".dropdown-item").last
    return item.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);"
        " return r.height > 0 && (hit === el || el.contains(hit)); }"
    )


def test_item3_default_columns_fit_and_sticky_columns_stay(
    page, live_server, login, firm, primary_admin, artifacts
):
    rows = _clients(firm, primary_admin)
    login(page, live_server, primary_admin.user)
    for language in ("en", "fr"):
        page.context.add_cookies([{"name": "language", "value": language, "url": live_server.url}])
        page.set_viewport_size({"width": WIDTH, "height": 900})
        page.goto(_list_url(live_server, firm))
        page.screenshot(path=str(artifacts / f"everyday-list-fit-{language}.png"))
        assert _overflow(page) <= 0, f"default columns scroll sideways ({language})"
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    page.context.add_cookies([{"name": "language", "value": "en", "url": live_server.url}])
    page.goto(_list_url(live_server, firm))
    shoot(page, artifacts, live_server, "list-default")

    page.get_by_test_id("column-chooser").locator("summary").click()
    for key in ("phone", "products"):
        page.locator(f"#col-{key}").check()
        expect(page.locator(f'thead th[data-column="{key}"]')).to_have_count(1)
    page.mouse.click(5, 880)
    # Every column fits 1366 px too, wrapped; a narrower window scrolls them.
    page.set_viewport_size({"width": 1024, "height": 900})
    assert _overflow(page) > 0
    wrap = page.locator(".client-table-wrap")
    wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    box = wrap.bounding_box()
    row = page.locator(f"#client-row-{rows[0].pk}")
    name = row.locator("td.sticky-name").bounding_box()
    select = row.locator("td.select-col").bounding_box()
    actions = row.locator("td.sticky-end").bounding_box()
    assert box["x"] - 1 <= select["x"] < name["x"] < box["x"] + 80
    assert actions["x"] + actions["width"] <= box["x"] + box["width"] + 1
    assert row.locator("td.sticky-name a").evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return document.elementFromPoint(r.x + 5, r.y + r.height / 2).closest('a') === el; }"
    )
    shoot(
        page,
        artifacts,
        live_server,
        "list-wide-scrolled",
        then=lambda p: p.locator(".client-table-wrap").evaluate(
            "el => { el.scrollLeft = el.scrollWidth; }"
        ),
    )


def test_item4_actions_menus_float_one_at_a_time_and_first_click_after_search_opens(
    page, live_server, login, firm, primary_admin, artifacts
):
    rows = _clients(firm, primary_admin, count=2)
    login(page, live_server, primary_admin.user)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(_list_url(live_server, firm))
    page.locator("#client-search").fill("n°1")
    expect(page.locator("tbody tr")).to_have_count(1)
    menu = page.get_by_test_id(f"actions-{rows[1].pk}")
    menu.locator("summary").click()  # the first click after typing
    expect(menu).to_have_attribute("open", "")
    page.wait_for_timeout(400)  # no refresh on blur closes it
    expect(menu).to_have_attribute("open", "")
    assert _menu_clickable(page, menu), "the open menu is clipped"
    list_box = menu.locator(".actions-menu-list").bounding_box()
    wrap_box = page.locator(".client-table-wrap").bounding_box()
    assert list_box["y"] + list_box["height"] > wrap_box["y"] + wrap_box["height"]
    page.screenshot(path=str(artifacts / "everyday-list-menu-en.png"), full_page=True)

    page.locator("#client-search").fill("")
    expect(page.locator("tbody tr")).to_have_count(2)
    first = page.get_by_test_id(f"actions-{rows[0].pk}")
    second = page.get_by_test_id(f"actions-{rows[1].pk}")
    second.locator("summary").click()
    first.locator("summary").click()
    expect(first).to_have_attribute("open", "")
    expect(second).not_to_have_attribute("open", "")
    assert _menu_clickable(page, first)
    page.keyboard.press("Escape")
    expect(first).not_to_have_attribute("open", "")


def test_item4_billing_tab_one_menu_at_a_time(
    page, live_server, login, firm, primary_admin, catalogue
):
    with scopes_disabled():
        subs = []
        for name in ("Quincaillerie Blanc", "Menuiserie Noir"):
            client = ClientFactory(
                firm=firm, display_name=name, initial_billing=BillingChoice.WHOLESALE
            )
            subs.append(SubscriptionFactory(client=client, product=product("essentials")))
    login(page, live_server, primary_admin.user)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(live_server.url + reverse("billing:index", kwargs={"firm_slug": firm.slug}))
    menus = []
    for sub in subs:
        page.locator(f'[data-expand="detail-{sub.client_id}"]').click()
        detail = page.get_by_test_id(f"subscriptions-of-{sub.client_id}")
        expect(detail).to_be_visible()
        menus.append(detail.get_by_test_id(f"subscription-actions-{sub.pk}"))
    menus[0].locator("summary").click()
    expect(menus[0]).to_have_attribute("open", "")
    menus[1].locator("summary").click()
    expect(menus[1]).to_have_attribute("open", "")
    expect(menus[0]).not_to_have_attribute("open", "")
    assert _menu_clickable(page, menus[1])


def test_item5_column_shown_again_returns_to_its_place_and_drag_breaks_no_csp(
    page, live_server, login, firm, standard_member, artifacts
):
    _clients(firm, None, count=1)
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.add_init_script(
        "window.cspViolations = [];"
        " document.addEventListener('securitypolicyviolation',"
        " e => window.cspViolations.push(e.violatedDirective));"
    )
    login(page, live_server, standard_member.user)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(_list_url(live_server, firm))
    headers = page.locator("thead th[data-column]")
    page.get_by_test_id("column-chooser").locator("summary").click()
    page.locator("#col-client_type").uncheck()
    expect(page.locator('thead th[data-column="client_type"]')).to_have_count(0)
    page.locator("#col-client_type").check()
    expect(headers.nth(2)).to_have_attribute("data-column", "client_type")
    page.locator("#col-phone").check()  # not shown by default: after e-mail
    expect(page.locator('thead th[data-column="phone"]')).to_have_count(1)
    keys = headers.evaluate_all("els => els.map(el => el.dataset.column)")
    assert keys.index("phone") == keys.index("email") + 1

    item = page.locator('.column-item[data-column="client_number"] .drag-handle')
    target = page.locator('.column-item[data-column="name"]')
    item.drag_to(target, target_position={"x": 5, "y": 2})
    expect(headers.first).to_have_attribute("data-column", "client_number")
    page.wait_for_timeout(300)
    assert violations == []
    assert page.evaluate("window.cspViolations") == []
    shoot(
        page,
        artifacts,
        live_server,
        "list-chooser",
        then=lambda p: p.get_by_test_id("column-chooser").locator("summary").click(),
    )
