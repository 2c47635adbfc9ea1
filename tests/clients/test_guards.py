"""The client list's paging guards at their edges (R8, R13)."""

import base64

import pytest

from clients.selectors import (
    EXPORT_FIELDS,
    PAGE_SIZE,
    ClientFilters,
    Cursor,
    client_export_values,
    client_page,
)
from practice.tenancy import firm_scope

pytestmark = pytest.mark.django_db


def names(response):
    return [row.display_name for row in response.context["rows"]]


def page_of(firm, member, **kwargs):
    with firm_scope(firm):
        return client_page(membership=member, filters=ClientFilters(), **kwargs)


def test_r13_an_exact_multiple_of_the_page_size_has_no_next_page(
    firm, standard_member, make_client
):
    for i in range(10):
        make_client(display_name=f"c{i}")
    first = page_of(firm, standard_member, size=5)
    assert len(first.rows) == 5 and first.has_next and first.next_cursor
    second = page_of(firm, standard_member, size=5, after=first.next_cursor)
    assert [c.display_name for c in second.rows] == [f"c{i}" for i in range(5, 10)]
    assert not second.has_next and second.next_cursor is None
    assert second.has_previous
    # Going back from the end: the last page is the same five, with no next page.
    last = page_of(firm, standard_member, size=5, last=True)
    assert [c.pk for c in last.rows] == [c.pk for c in second.rows]
    assert not last.has_next and last.has_previous


def test_r8_a_full_single_page_shows_no_next_link(client_for, standard_member, make_client, urls):
    for i in range(PAGE_SIZE):
        make_client(display_name=f"C{i:03d}")
    response = client_for(standard_member).get(urls("list"))
    assert len(names(response)) == PAGE_SIZE
    assert response.context["next_url"] is None
    assert response.context["last_url"] is None
    assert response.context["previous_url"] is None and response.context["first_url"] is None


def test_r8_the_first_page_has_no_previous_link(client_for, standard_member, make_client, urls):
    for i in range(7):
        make_client(display_name=f"c{i}")
    first = page_of(firm=standard_member.firm, member=standard_member, size=5)
    assert not first.has_previous and first.is_first and first.previous_cursor is None
    response = client_for(standard_member).get(urls("list"))
    assert response.context["previous_url"] is None
    assert response.context["first_url"] is None


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("nonsense", ["a", "b", "c"]),
        ("-nonsense", ["c", "b", "a"]),  # an unknown column keeps the direction asked
        ("phone", ["a", "b", "c"]),
        ("-lead_accountant", ["a", "b", "c"]),  # an unsortable one sorts by name
    ],
)
def test_r8_a_sort_by_an_unknown_or_unsortable_column_falls_back_to_the_name(
    firm, standard_member, make_client, sort, expected
):
    for name in ("b", "c", "a"):
        make_client(display_name=name)
    page = page_of(firm, standard_member, sort=sort)
    assert [c.display_name for c in page.rows] == expected
    assert page.sort_field == "search_name"


@pytest.mark.parametrize("sort", ["nonsense", "-nonsense", "phone", "-", ""])
def test_r8_an_unknown_sort_in_the_address_is_not_an_error(
    client_for, standard_member, make_client, urls, sort
):
    for name in ("b", "a"):
        make_client(display_name=name)
    response = client_for(standard_member).get(urls("list") + f"?sort={sort}")
    assert response.status_code == 200
    assert names(response) == ["a", "b"]


def test_r13_a_cursor_on_the_first_id_is_honoured(firm, standard_member, make_client):
    """Ids start at 1: a cursor on pk 1 is a real position, not a forgery."""
    for cursor in (Cursor("b", 1), Cursor(None, 1), Cursor("", 1)):
        assert Cursor.decode(cursor.encode()) == cursor
    for name in ("a", "b", "c"):
        make_client(display_name=name)
    # After ("b", 1): every "b" with a greater id, then "c"; never "a".
    page = page_of(firm, standard_member, after=Cursor("b", 1).encode())
    assert [c.display_name for c in page.rows] == ["b", "c"]
    assert page.has_previous


def test_r13_a_cursor_with_a_text_id_is_ignored(client_for, standard_member, make_client, urls):
    make_client(display_name="Only")
    token = base64.urlsafe_b64encode(b'["a","5"]').decode().rstrip("=")
    assert Cursor.decode(token) is None
    web = client_for(standard_member)
    for key in ("after", "before"):
        response = web.get(urls("list") + f"?{key}={token}")
        assert response.status_code == 200
        assert names(response) == ["Only"]
        assert response.context["previous_url"] is None


@pytest.mark.parametrize(("sort", "expected"), [("nonsense", "abc"), ("-nonsense", "cba")])
def test_r25_an_export_sorted_by_an_unknown_column_falls_back_to_the_name(
    firm, standard_member, make_client, sort, expected
):
    for name in ("b", "c", "a"):
        make_client(display_name=name)
    position = EXPORT_FIELDS.index("display_name")
    with firm_scope(firm):
        rows = client_export_values(membership=standard_member, filters=ClientFilters(), sort=sort)
        assert "".join(row[position] for row in rows) == expected
