"""Browser test of client access (R30, R31) in Chromium: an admin restricts a member
to assigned clients and gives them three clients through the three ways the pages
offer (the member's page on the Team page, the client's Firm team tab, the client
list's bulk action); the member, signed in separately, sees exactly those three
and gets 404 on a fourth. Screenshots of every page changed, in English and French,
at 1366 px wide, land in test-artifacts/."""

import pathlib

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from clients.models import ClientAssignment
from practice.models import ClientAccess
from tests.clients.factories import ClientFactory
from tests.practice.factories import MembershipFactory

if not (pathlib.Path(__file__).parent / "conftest.py").exists():
    pytest.skip(
        "the e2e fixtures (tests/e2e/conftest.py) are not here yet", allow_module_level=True
    )

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 1366


def _shoot(page, artifacts, name, live_server, language):
    page.screenshot(path=str(artifacts / f"access-{name}-{language}.png"), full_page=True)
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def _console_errors(page):
    """Console errors other than the refused form post's 400 (a CSP violation shows here)."""
    errors = []

    def record(msg):
        if msg.type == "error" and "status of 400" not in msg.text:
            errors.append(msg.text)

    page.on("console", record)
    return errors


def test_r30_r31_admin_restricts_a_member_to_three_assigned_clients(
    browser, page, live_server, login, artifacts, firm, primary_admin
):
    with scopes_disabled():
        member = MembershipFactory(firm=firm, user__full_name="Camille Martin")
        clients = [
            ClientFactory(firm=firm, display_name=name, client_number=number)
            for name, number in [
                ("Boulangerie Aubert", "A-101"),
                ("Cabinet Dentaire Blanc", "A-102"),
                ("Fromagerie Colin", "A-103"),
                ("Garage Dupuis", "A-104"),
            ]
        ]
    first, second, third, fourth = clients
    errors = _console_errors(page)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    login(page, live_server, primary_admin)
    slug = firm.slug

    # Team page: switch the member to "assigned clients only" (the select submits itself).
    page.goto(live_server.url + reverse("team", kwargs={"firm_slug": slug}))
    row = page.locator(f"tr[data-member='{member.user.email}']")
    with page.expect_navigation():
        row.locator("select[name=client_access]").select_option("assigned")
    expect(page.get_by_text("Camille Martin now reaches: Assigned clients only.")).to_be_visible()
    member.refresh_from_db()
    assert member.client_access == ClientAccess.ASSIGNED

    # 1. The member's page: find a client by number and add it, with an end date.
    row = page.locator(f"tr[data-member='{member.user.email}']")
    row.get_by_test_id("member-actions").locator("summary").click()
    row.get_by_test_id("member-clients-link").click()
    expect(page.get_by_role("heading", name="Clients of Camille Martin")).to_be_visible()
    page.get_by_test_id("access-search").fill("A-10")
    results = page.locator("#access-search-results")
    expect(results.get_by_label("Garage Dupuis")).to_be_visible()
    results.get_by_label("Boulangerie Aubert").check()
    results.get_by_label("Until (optional)").fill("2027-03-31")
    results.get_by_role("button", name="Add the selected clients").click()
    expect(page.get_by_test_id("member-access-notice")).to_have_text(
        "1 client added to the list of Camille Martin."
    )
    expect(page.get_by_test_id("member-clients")).to_contain_text("until 31/03/2027")
    page.get_by_test_id("access-search").fill("A-10")
    expect(page.locator("#access-search-results").get_by_label("Garage Dupuis")).to_be_visible()

    # 2. The client's profile, Firm team tab.
    page.goto(
        live_server.url
        + reverse("clients:detail", kwargs={"firm_slug": slug, "client_id": second.pk})
    )
    page.get_by_test_id("profile-tabs").get_by_role("link", name="Firm team").click()
    form = page.get_by_test_id("firm-team-form")
    form.get_by_label("Team member").select_option(label="Camille Martin")
    form.get_by_label("Until (optional)").fill("2020-01-01")
    form.get_by_role("button", name="Add").click()
    expect(form.get_by_text("The end date can't be in the past.")).to_be_visible()
    form = page.get_by_test_id("firm-team-form")
    form.get_by_label("Until (optional)").fill("")
    form.get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("firm-team-notice")).to_have_text(
        "Camille Martin is on the firm team of Cabinet Dentaire Blanc."
    )
    expect(page.locator(f"tr[data-member='{member.user.email}']")).to_contain_text("No end date")

    # 3. The client list, bulk action.
    page.goto(live_server.url + reverse("clients:list", kwargs={"firm_slug": slug}))
    page.locator(f"#client-row-{third.pk} input[name=ids]").check()
    page.locator("#bulk-action").select_option("assign_members")
    expect(page.locator("#bulk-lead")).to_be_hidden()
    chooser = page.locator("[data-bulk-members]")
    chooser.locator("summary").click()
    chooser.get_by_label("Camille Martin").check()
    expect(chooser.locator("summary")).to_have_text("Camille Martin")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text("Camille Martin added to the firm team of 1 client.")).to_be_visible()

    with scopes_disabled():
        assigned = set(
            ClientAssignment.objects.filter(membership=member).values_list("client_id", flat=True)
        )
    assert assigned == {first.pk, second.pk, third.pk}

    # The member, signed in on their own, sees exactly those three.
    other = browser.new_context(locale="en-GB", viewport={"width": WIDTH, "height": 900})
    try:
        member_page = other.new_page()
        login(member_page, live_server, member)
        member_page.goto(live_server.url + reverse("clients:list", kwargs={"firm_slug": slug}))
        names = member_page.locator("[data-testid=client-table] tbody tr td[data-column=name]")
        expect(names).to_have_count(3)
        assert sorted(n.strip() for n in names.all_inner_texts()) == [
            "Boulangerie Aubert",
            "Cabinet Dentaire Blanc",
            "Fromagerie Colin",
        ]
        expect(member_page.get_by_test_id("client-count")).to_contain_text("3 clients")
        response = member_page.goto(
            live_server.url
            + reverse("clients:detail", kwargs={"firm_slug": slug, "client_id": fourth.pk})
        )
        assert response.status == 404
    finally:
        other.close()
    assert errors == []


def test_screenshots_of_the_access_pages_in_english_and_french(
    page, live_server, login, artifacts, firm, primary_admin
):
    """The pages this work changed, for a look: profile Firm team tab, Team page,
    a member's clients with a search, the client list's bulk access action."""
    with scopes_disabled():
        lead = MembershipFactory(firm=firm, user__full_name="Louis Lefèvre")
        member = MembershipFactory(
            firm=firm, user__full_name="Camille Martin", client_access=ClientAccess.ASSIGNED
        )
        MembershipFactory(firm=firm, role="admin", user__full_name="Inès Admin")
        clients = [
            ClientFactory(firm=firm, display_name=f"Boulangerie {n}", client_number=f"B-{n}")
            for n in range(1, 6)
        ]
        clients[0].lead_accountant = lead
        clients[0].save()
        ClientAssignment.objects.create(
            firm=firm, client=clients[0], membership=member, ends_on="2027-03-31"
        )
        ClientAssignment.objects.create(firm=firm, client=clients[1], membership=member)
    errors = _console_errors(page)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    login(page, live_server, primary_admin)
    slug = firm.slug
    for language in ("en", "fr"):
        page.context.add_cookies([{"name": "language", "value": language, "url": live_server.url}])
        page.goto(
            live_server.url
            + reverse("clients:detail", kwargs={"firm_slug": slug, "client_id": clients[0].pk})
            + "?tab=firm_team"
        )
        assert page.locator("html").get_attribute("lang") == language
        _shoot(page, artifacts, "profile-firm-team", live_server, language)
        page.locator("[data-testid=assignment-actions] > summary").first.click()
        _shoot(page, artifacts, "profile-firm-team-actions", live_server, language)

        page.goto(live_server.url + reverse("team", kwargs={"firm_slug": slug}))
        row = page.locator(f"tr[data-member='{member.user.email}']")
        row.get_by_test_id("member-actions").locator("summary").click()
        _shoot(page, artifacts, "team", live_server, language)

        page.goto(
            live_server.url
            + reverse("member_clients", kwargs={"firm_slug": slug, "membership_id": member.pk})
        )
        page.get_by_test_id("access-search").fill("boulang")
        expect(page.locator("#access-search-results input[name=ids]")).to_have_count(3)
        _shoot(page, artifacts, "member-clients", live_server, language)

        page.goto(live_server.url + reverse("clients:list", kwargs={"firm_slug": slug}))
        page.locator("#bulk-action").select_option("assign_members")
        page.locator("[data-bulk-members] summary").click()
        _shoot(page, artifacts, "client-list-bulk", live_server, language)
    assert errors == []


def test_r31_a_restricted_members_client_list_in_english_and_french(
    page, live_server, login, artifacts, firm, primary_admin
):
    """The client list as a restricted member sees it (each page's ids read first,
    clients.paging.read_rows): the clients they lead or are assigned, in name order,
    their count, sorted the other way and by client number too; a screenshot in each
    language at 1366 px."""
    with scopes_disabled():
        member = MembershipFactory(
            firm=firm, user__full_name="Camille Martin", client_access=ClientAccess.ASSIGNED
        )
        clients = {
            name: ClientFactory(firm=firm, display_name=name, client_number=number)
            for name, number in [
                ("Atelier Nord", "A-3"),
                ("Boulangerie Sud", None),
                ("Cabinet Est", "A-1"),
                ("Droguerie Ouest", "A-2"),
                ("Épicerie Centre", "A-4"),
            ]
        }
        for name in ("Cabinet Est", "Épicerie Centre"):
            ClientAssignment.objects.create(firm=firm, client=clients[name], membership=member)
        clients["Atelier Nord"].lead_accountant = member
        clients["Atelier Nord"].save()
    errors = _console_errors(page)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    login(page, live_server, member)
    names = page.locator("[data-testid=client-table] tbody tr td[data-column=name]")
    base = live_server.url + reverse("clients:list", kwargs={"firm_slug": firm.slug})
    for language, count in (("en", "3 clients"), ("fr", "3 clients")):
        page.context.add_cookies([{"name": "language", "value": language, "url": live_server.url}])
        page.goto(base)
        assert page.locator("html").get_attribute("lang") == language
        expect(names).to_have_text(["Atelier Nord", "Cabinet Est", "Épicerie Centre"])
        expect(page.get_by_test_id("client-count")).to_contain_text(count)
        _shoot(page, artifacts, "restricted-client-list", live_server, language)
    page.goto(base + "?sort=-name")
    expect(names).to_have_text(["Épicerie Centre", "Cabinet Est", "Atelier Nord"])
    page.goto(base + "?sort=client_number")
    expect(names).to_have_text(["Cabinet Est", "Atelier Nord", "Épicerie Centre"])
    assert errors == []
