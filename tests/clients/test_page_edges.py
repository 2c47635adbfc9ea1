"""The client list's page at its edges (R8, R13, R31): a search's count at the cap,
a restricted member's count under filters, rows read as values and paged by their
cursors, both cursors given, a page without its count, and cursor tokens at the
limits of an id."""

import pytest
from django_scopes import scopes_disabled

from clients import selectors
from clients.models import ClientAssignment
from clients.paging import MAX_PK, Cursor
from clients.selectors import ClientFilters, client_page
from practice.models import ClientAccess
from practice.tenancy import firm_scope
from tests.practice.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def page(member, filters=None, **options):
    with firm_scope(member.firm):
        return client_page(membership=member, filters=filters or ClientFilters(), **options)


def names(result) -> list[str]:
    return [
        row["display_name"] if isinstance(row, dict) else row.display_name for row in result.rows
    ]


# "name" is compared byte by byte and paged from the matches the search read;
# "email" is paged by the database.
@pytest.mark.parametrize("sort", ["name", "email"])
@pytest.mark.parametrize("matching, capped", [(3, False), (4, True)])
def test_r13_a_searchs_count_stops_at_the_cap_and_its_rows_do_not(
    monkeypatch, standard_member, make_client, sort, matching, capped
):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for i in range(matching):
        make_client(display_name=f"Match {i}", email=f"m{i}@example.test")
    make_client(display_name="Other", email="o@example.test")
    result = page(standard_member, ClientFilters(q="match"), sort=sort, size=10)
    assert (result.total, result.total_capped) == (3, capped)
    assert names(result) == [f"Match {i}" for i in range(matching)]


def test_r31_a_restricted_members_count_keeps_to_the_filters(firm, primary_admin, make_client):
    with scopes_disabled():
        member = MembershipFactory(firm=firm, client_access=ClientAccess.ASSIGNED)
    business = make_client(display_name="Biz", client_type="business")
    individual = make_client(display_name="Ind", client_type="individual")
    gone = make_client(display_name="Gone", client_type="business", status="inactive")
    led = make_client(display_name="Led", client_type="individual", lead_accountant=member)
    make_client(display_name="Hidden", client_type="business")
    with scopes_disabled():
        for client in (business, individual, gone):
            ClientAssignment.objects.create(
                firm=firm, client=client, membership=member, client_active=client is not gone
            )

    def total(**filters) -> int:
        return page(member, ClientFilters(**filters)).total

    assert total() == 3  # Biz, Ind, Led
    assert total(include_inactive=True) == 4
    assert total(client_type="business") == 1
    assert total(client_type="business", include_inactive=True) == 2
    assert total(lead=str(member.pk)) == 1
    assert total(ids=[business.pk, led.pk]) == 2


@pytest.mark.parametrize("q", ["", "co"])
def test_r13_rows_read_as_values_page_as_the_models_do(standard_member, make_client, q):
    for i in range(4):
        make_client(display_name=f"Co {i}")

    def walk(values: tuple) -> list:
        pages, cursor = [], ""
        for _ in range(5):  # a broken cursor must not loop for ever
            result = page(standard_member, ClientFilters(q=q), size=2, values=values, after=cursor)
            pages.append((names(result), result.has_next))
            cursor = result.next_cursor
            if cursor is None:
                break
        return pages

    expected = [(["Co 0", "Co 1"], True), (["Co 2", "Co 3"], False)]
    assert walk(("display_name",)) == walk(()) == expected


def test_r13_a_page_after_a_cursor_ignores_a_cursor_before(standard_member, make_client):
    for i in range(6):
        make_client(display_name=f"C{i}")
    first = page(standard_member, size=2)
    second = page(standard_member, size=2, after=first.next_cursor)
    both = page(standard_member, size=2, after=first.next_cursor, before=second.next_cursor)
    assert names(both) == names(second) == ["C2", "C3"]


def test_r13_a_page_read_without_its_count(standard_member, make_client):
    for i in range(2):
        make_client(display_name=f"C{i}")
    result = page(standard_member, count=False)
    assert (result.total, result.total_capped, names(result)) == (0, False, ["C0", "C1"])


def test_r13_a_cursor_names_an_id_of_1_to_the_largest_bigint():
    assert Cursor.decode(Cursor("a", MAX_PK).encode()) == Cursor("a", MAX_PK)
    assert Cursor.decode(Cursor("a", 1).encode()) == Cursor("a", 1)
    for pk in (0, -1, MAX_PK + 1):
        assert Cursor.decode(Cursor("a", pk).encode()) is None
