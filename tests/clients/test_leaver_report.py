"""The leaver report (R32): a member's clients and access, for their admins, as a
page and as CSV, in both languages."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from clients import assignments
from tests.clients.conftest import read_csv
from tests.practice.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def report_urls(firm, member):
    return (
        reverse("clients:member_report", args=[firm.slug, member.pk]),
        reverse("clients:member_report_csv", args=[firm.slug, member.pk]),
    )


def test_r32_leaver_report_of_a_restricted_member(
    client_for, today_is, firm, primary_admin, restricted, three, urls
):
    assigned, led, _hidden = three
    today_is(datetime.date(2026, 1, 5))
    with scope(firm=firm):
        assignments.client_assign(
            firm=firm,
            client=assigned,
            membership=restricted,
            by=primary_admin,
            ends_on=datetime.date(2026, 6, 30),
        )
    client_for(restricted).get(urls("export") + "?q=ancient").getvalue()
    today_is(datetime.date(2026, 3, 1))
    client_for(restricted).get(urls("export") + "?q=co&inactive=1").getvalue()
    client_for(primary_admin).get(urls("export")).getvalue()  # someone else's export
    today_is(datetime.date(2026, 5, 1))

    page_url, csv_url = report_urls(firm, restricted)
    page = client_for(primary_admin).get(page_url)
    assert page.status_code == 200
    report = page.context["report"]
    assert not report.reaches_all
    assert [(line.client.pk, line.how, line.ends_on) for line in report.clients] == [
        (assigned.pk, "Assigned", datetime.date(2026, 6, 30)),
        (led.pk, "Lead accountant", None),
    ]
    (export,) = report.exports  # the January export is older than 90 days
    assert (export.list_label, export.rows) == ("client list", 2)
    assert "Search: co" in export.filters and "Inactive clients included" in export.filters
    html = page.content.decode()
    assert "Assigned Co" in html and "Led Co" in html and "Hidden Co" not in html
    assert csv_url in html

    rows = read_csv(client_for(primary_admin).get(csv_url))
    assert rows[0] == [
        "Part",
        "Client",
        "Client number",
        "Access",
        "Until",
        "Date",
        "List",
        "Filters",
        "Rows",
    ]
    assert rows[1][:5] == ["Can reach", "Assigned Co", "A-1", "Assigned", "2026-06-30"]
    assert rows[2][:5] == ["Can reach", "Led Co", "L-1", "Lead accountant", ""]
    assert len(rows) == 4
    assert rows[3][0] == "Exported" and rows[3][5].startswith("2026-03-01")
    assert rows[3][6:] == ["client list", export.filters, "2"]


def test_r32_leaver_report_of_an_unrestricted_member(
    client_for, firm, primary_admin, standard_member, three, urls
):
    client_for(standard_member).get(urls("export")).getvalue()
    page_url, csv_url = report_urls(firm, standard_member)
    page = client_for(primary_admin).get(page_url)
    report = page.context["report"]
    assert report.reaches_all and report.reachable_count == 3 and report.clients == []
    assert [(e.list_label, e.rows, e.filters) for e in report.exports] == [("client list", 3, "")]
    assert "All clients" in page.content.decode()
    rows = read_csv(client_for(primary_admin).get(csv_url))
    assert rows[1] == ["Can reach", "All clients", "", "", "", "", "", "", ""]
    assert [r[0] for r in rows[1:]] == ["Can reach", "Exported"]


def test_r32_leaver_report_cells_are_defused(
    client_for, firm, primary_admin, restricted, make_client
):
    client = make_client(display_name="=HYPERLINK(1)", lead_accountant=restricted)
    rows = read_csv(client_for(primary_admin).get(report_urls(firm, restricted)[1]))
    assert rows[1][1] == "'=HYPERLINK(1)"
    assert client.pk


def test_r32_leaver_report_is_for_admins_of_the_firm_only(
    client_for, firm, other_firm, primary_admin, admin_member, standard_member, restricted
):
    with scopes_disabled():
        stranger = MembershipFactory(firm=other_firm)
    for url in report_urls(firm, restricted):
        assert client_for(admin_member).get(url).status_code == 200
        assert client_for(standard_member).get(url).status_code == 403
        assert client_for(restricted).get(url).status_code == 403
    for url in report_urls(firm, stranger):
        assert client_for(primary_admin).get(url).status_code == 404


def test_r32_leaver_report_in_french(client_for, firm, primary_admin, restricted, three):
    primary_admin.user.language = "fr"
    primary_admin.user.save(update_fields=["language"])
    page_url, csv_url = report_urls(firm, restricted)
    web = client_for(primary_admin)
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = web.get(page_url, headers={"Accept-Language": "fr"}).content.decode()
    assert "<h1>Rapport d'accès : " in html
    # French spreadsheets split on ";", as the other exports do for a French reader.
    rows = read_csv(web.get(csv_url, headers={"Accept-Language": "fr"}), delimiter=";")
    assert rows[0][:2] == ["Partie", "Client"] and rows[1][0] == "Accès possible"


def test_r32_the_team_page_links_each_member_to_their_access_report(
    firm, primary_admin, standard_member, client_for
):
    from django.urls import reverse

    body = client_for(primary_admin).get(reverse("team", args=[firm.slug])).content.decode()
    report = reverse("clients:member_report", args=[firm.slug, standard_member.pk])
    assert f'href="{report}"' in body
