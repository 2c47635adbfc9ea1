"""The client list (R8, R13): filters, search, sort, keyset pages, columns."""

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from clients import selectors
from clients.models import ClientListPreference
from clients.paging import Cursor
from clients.selectors import ClientFilters, client_page
from practice.tenancy import firm_scope

pytestmark = pytest.mark.django_db


def names(response):
    return [row.display_name for row in response.context["rows"]]


def test_r8_active_only_by_default_and_include_inactive(
    client_for, standard_member, make_client, urls
):
    make_client(display_name="Active one")
    make_client(display_name="Sleeping one", status="inactive")
    web = client_for(standard_member)
    assert names(web.get(urls("list"))) == ["Active one"]
    assert names(web.get(urls("list") + "?inactive=1")) == ["Active one", "Sleeping one"]


def test_r8_filters_by_type_and_lead_accountant(
    client_for, standard_member, admin_member, make_client, urls
):
    make_client(display_name="Biz", client_type="business", lead_accountant=admin_member)
    make_client(display_name="Person", client_type="individual")
    web = client_for(standard_member)
    assert names(web.get(urls("list") + "?type=individual")) == ["Person"]
    assert names(web.get(urls("list") + f"?lead={admin_member.pk}")) == ["Biz"]
    assert names(web.get(urls("list") + "?lead=none")) == ["Person"]
    # A lead from nowhere is ignored rather than an error.
    assert len(names(web.get(urls("list") + "?lead=99999&type=bogus"))) == 2


def test_r8_search_name_contains_case_and_accent_insensitive(
    client_for, standard_member, make_client, urls
):
    make_client(display_name="Crème Brûlée SARL")
    make_client(display_name="Garage Lefèvre")
    web = client_for(standard_member)
    assert names(web.get(urls("list") + "?q=BRULEE")) == ["Crème Brûlée SARL"]
    assert names(web.get(urls("list") + "?q=lefevre")) == ["Garage Lefèvre"]
    assert names(web.get(urls("list") + "?q=rage%20lef")) == ["Garage Lefèvre"]


def test_r6_r8_search_by_client_number_exact_or_prefix(
    client_for, standard_member, make_client, urls
):
    make_client(display_name="One", client_number="CX-100")
    make_client(display_name="Two", client_number="CX-1001")
    make_client(display_name="Three", client_number="ZZ-100")
    web = client_for(standard_member)
    assert names(web.get(urls("list") + "?q=CX-1001")) == ["Two"]
    assert names(web.get(urls("list") + "?q=CX-100")) == ["One", "Two"]
    assert names(web.get(urls("list") + "?q=X-100")) == []  # prefix, not contains


def test_r8_sort_by_column_both_ways(client_for, standard_member, make_client, urls):
    make_client(display_name="b", client_number="2")
    make_client(display_name="a", client_number="3")
    make_client(display_name="c", client_number=None)
    web = client_for(standard_member)
    assert names(web.get(urls("list"))) == ["a", "b", "c"]
    assert names(web.get(urls("list") + "?sort=-name")) == ["c", "b", "a"]
    assert names(web.get(urls("list") + "?sort=client_number")) == ["b", "a", "c"]
    assert names(web.get(urls("list") + "?sort=-client_number")) == ["c", "a", "b"]


@pytest.mark.parametrize("sort", ["name", "-name", "client_number", "-client_number", "status"])
def test_r13_keyset_pages_cover_every_row_once_both_ways(firm, standard_member, make_client, sort):
    for i in range(23):
        make_client(
            display_name=f"Client {i % 7}",  # ties on the sort value
            client_number=None if i % 3 == 0 else f"N{i % 5}-{i}",
            status="inactive" if i % 4 == 0 else "active",
        )
    filters = ClientFilters(include_inactive=True)
    with firm_scope(firm):
        forward, after = [], ""
        while True:
            page = client_page(
                membership=standard_member, filters=filters, sort=sort, after=after, size=5
            )
            forward += [c.pk for c in page.rows]
            if not page.has_next:
                break
            after = page.next_cursor
        assert len(forward) == 23 and len(set(forward)) == 23
        backward = []
        page = client_page(
            membership=standard_member, filters=filters, sort=sort, last=True, size=5
        )
        assert not page.has_next and page.has_previous
        backward = [c.pk for c in page.rows] + backward
        while page.has_previous:
            page = client_page(
                membership=standard_member,
                filters=filters,
                sort=sort,
                before=page.previous_cursor,
                size=5,
            )
            backward = [c.pk for c in page.rows] + backward
        assert backward == forward
        assert page.total == 23


def test_r8_last_page_and_navigation_links(client_for, standard_member, make_client, urls):
    for i in range(60):
        make_client(display_name=f"C{i:03d}")
    web = client_for(standard_member)
    first = web.get(urls("list"))
    assert len(names(first)) == 50 and first.context["next_url"] and not first.context["first_url"]
    last = web.get(first.context["last_url"])
    assert names(last)[-1] == "C059" and len(names(last)) == 50
    assert last.context["next_url"] is None and last.context["previous_url"]
    second = web.get(first.context["next_url"])
    assert names(second) == [f"C{i:03d}" for i in range(50, 60)]
    back = web.get(second.context["previous_url"])
    assert names(back) == names(first)


def test_a_forged_cursor_is_ignored(client_for, standard_member, make_client, urls):
    """A token that does not decode to a cursor gives the first page, as without one."""
    make_client(display_name="Only")
    web = client_for(standard_member)
    for token in ("!!!", "e30", Cursor("x", 1).encode()[:-2] + "zz", "W1tdLCJ4Il0"):
        assert Cursor.decode(token) is None
        for key in ("after", "before"):
            response = web.get(urls("list") + f"?{key}={token}")
            assert response.status_code == 200
            assert names(response) == ["Only"], (key, token)
            assert response.context["previous_url"] is None, (key, token)


def test_a_cursor_with_unbindable_values_is_ignored(client_for, standard_member, make_client, urls):
    """A token that decodes to a pk beyond 64 bits, or a NUL in the value, crashed the query."""
    make_client(display_name="Only")
    web = client_for(standard_member)
    forgeries = (Cursor("a", 10**30), Cursor("a", -1), Cursor("a\x00", 1), Cursor("\ud800", 1))
    # ["a", true] and ["a", "5"]: a boolean or a text where the id goes.
    raw = [
        base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
        for text in ('["a",true]', '["a","5"]', '["\\ud800",1]')
    ]
    for forged in forgeries:
        assert Cursor.decode(forged.encode()) is None
    for token in raw:
        assert Cursor.decode(token) is None
        for key in ("after", "before"):
            response = web.get(urls("list") + f"?{key}={token}&sort=-client_number")
            assert response.status_code == 200
            assert [c.display_name for c in response.context["rows"]] == ["Only"]
    for forged in forgeries:
        for key in ("after", "before"):
            response = web.get(urls("list") + f"?{key}={forged.encode()}&sort=-client_number")
            assert response.status_code == 200
            assert [c.display_name for c in response.context["rows"]] == ["Only"]


def test_r13_list_query_count_does_not_grow_with_rows(
    client_for, standard_member, admin_member, make_client, urls, django_assert_max_num_queries
):
    web = client_for(standard_member)
    make_client(lead_accountant=admin_member)
    with CaptureQueriesContext(connection) as few:
        web.get(urls("list") + "?sort=client_number")
    for i in range(60):
        make_client(
            lead_accountant=admin_member if i % 2 else standard_member, client_number=f"N{i}"
        )
    with CaptureQueriesContext(connection) as many:
        web.get(urls("list") + "?sort=client_number")
    assert len(many) <= len(few)
    with django_assert_max_num_queries(12):
        web.get(urls("list"))
    with django_assert_max_num_queries(12):
        web.get(
            urls("list") + "?q=client&inactive=1&last=1",
            headers={"HX-Request": "true", "HX-Target": "client-results"},
        )


def test_r8_htmx_search_returns_only_the_results(client_for, standard_member, make_client, urls):
    make_client(display_name="Findme")
    web = client_for(standard_member)
    response = web.get(
        urls("list") + "?q=find", headers={"HX-Request": "true", "HX-Target": "client-results"}
    )
    html = response.content.decode()
    assert 'id="client-results"' in html and "Findme" in html and "<html" not in html


def test_r8_filters_live_in_links(client_for, standard_member, admin_member, make_client, urls):
    for i in range(55):
        make_client(display_name=f"Z{i}", client_type="individual", lead_accountant=admin_member)
    web = client_for(standard_member)
    response = web.get(urls("list") + f"?type=individual&lead={admin_member.pk}&inactive=1&q=z")
    for key in ("next_url", "last_url", "export_url"):
        link = response.context[key]
        assert "type=individual" in link and f"lead={admin_member.pk}" in link
        assert "inactive=1" in link and "q=z" in link
    sort_link = response.context["headers"][0]["url"]
    assert "sort=-name" in sort_link and "type=individual" in sort_link


def test_r8_empty_states(client_for, standard_member, make_client, urls):
    web = client_for(standard_member)
    assert "No clients yet" in web.get(urls("list")).content.decode()
    make_client(display_name="Dormant", status="inactive")
    assert "No active clients" in web.get(urls("list")).content.decode()
    html = web.get(urls("list") + "?q=nothing-like-it").content.decode()
    assert "No clients match" in html and "Include inactive clients" in html


def test_r8_column_choice_and_order_are_remembered_per_member(
    firm, client_for, standard_member, admin_member, make_client, urls
):
    make_client(display_name="Visible", client_number="N-1", email="e@x.test")
    web = client_for(standard_member)
    response = web.post(
        urls("columns"),
        {
            "order": ["client_number", "name", "email", "status"],
            "shown": ["client_number", "email"],
            "query": "q=vis",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("?q=vis")
    page = web.get(urls("list"))
    assert page.context["columns"] == ["client_number", "name", "email"]
    html = page.content.decode()
    assert html.index('data-column="client_number"') < html.index('data-column="name"')
    assert 'data-column="status"' not in html.split("<tbody>")[1]
    # Another member keeps the default layout.
    assert (
        client_for(admin_member).get(urls("list")).context["columns"] == selectors.DEFAULT_COLUMNS
    )
    # The arrows move a column without JavaScript.
    web.post(
        urls("columns"),
        {
            "order": ["client_number", "name", "email"],
            "shown": ["client_number", "email"],
            "move": "email:up",
        },
    )
    with scopes_disabled():
        pref = ClientListPreference.objects.get(membership=standard_member)
    assert pref.columns == ["client_number", "email", "name"]


def test_r8_columns_htmx_returns_results_and_chooser(
    client_for, standard_member, make_client, urls
):
    make_client(display_name="Row")
    web = client_for(standard_member)
    response = web.post(
        urls("columns"),
        {"order": ["status", "name"], "shown": ["status", "name"], "query": ""},
        headers={"HX-Request": "true", "HX-Target": "client-results"},
    )
    html = response.content.decode()
    assert 'id="client-results"' in html and 'hx-swap-oob="true"' in html


def test_r13_count_is_bounded(client_for, standard_member, make_client, urls, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for i in range(5):
        make_client(display_name=f"N{i}")
    response = client_for(standard_member).get(urls("list"))
    assert response.context["page"].total_capped
    assert "More than 3 clients" in response.content.decode()
    assert len(names(response)) == 5


def test_row_values_are_html_escaped(client_for, standard_member, make_client, urls):
    make_client(
        display_name='<script>alert("x")</script>',
        client_number="<b>1</b>",
        email="a@b.test",
        phone='"><img src=x>',
    )
    html = client_for(standard_member).get(urls("list")).content.decode()
    body = html.split("<tbody>")[1]
    assert "<script>alert" not in body and "<b>1</b>" not in body and "<img src=x>" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


@pytest.mark.django_db
def test_codes_and_search_name_compare_byte_by_byte_on_every_database():
    """Client numbers, company IDs and the folded name sort byte by byte, as SQLite
    always does: on PostgreSQL the columns carry collation "C", which keeps the
    number prefix search on the unique index and the import's index upkeep cheap."""
    from django.db import connection

    from clients.models import Client, ClientNumber

    columns = [
        (Client, "clients_client", "company_id"),
        (Client, "clients_client", "search_name"),
        (ClientNumber, "clients_clientnumber", "number"),
    ]
    if connection.vendor != "postgresql":
        assert all(
            model._meta.get_field(name).db_parameters(connection)["collation"] is None
            for model, _table, name in columns
        )
        return
    collations = {}
    with connection.cursor() as cursor:
        for _model, table, name in columns:
            cursor.execute(
                "SELECT collation_name FROM information_schema.columns"
                " WHERE table_name = %s AND column_name = %s",
                [table, name],
            )
            collations[name] = cursor.fetchone()[0]
    assert collations == {"number": "C", "company_id": "C", "search_name": "C"}
