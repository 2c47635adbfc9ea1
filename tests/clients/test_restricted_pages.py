"""A restricted member's list (R30, R31) reads each page's ids first, from the name
index alone on PostgreSQL, then the page's rows: the same pages, in the same
order, as the firm's whole list keeps for the clients they reach, whatever the
sort, direction and cursor."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from clients.models import ClientAssignment
from clients.selectors import ClientFilters, client_page
from practice.models import ClientAccess
from practice.tenancy import firm_scope
from tests.practice.factories import MembershipFactory

pytestmark = pytest.mark.django_db

SORTS = ["name", "-name", "client_number", "-client_number", "email", "-status"]


@pytest.fixture
def restricted(firm, primary_admin, make_client):
    """A member assigned every third client and leading one more, among 24 clients,
    some without a client number, some inactive."""
    with scopes_disabled():
        member = MembershipFactory(firm=firm, client_access=ClientAccess.ASSIGNED)
    reached = set()
    for i in range(24):
        client = make_client(
            display_name=f"Client {(i * 7) % 24:02d}",
            email=f"c{(i * 5) % 24:02d}@example.test",
            client_number=f"N-{(i * 11) % 24:02d}" if i % 4 else None,
            status="inactive" if i % 5 == 0 else "active",
            lead_accountant=member if i == 10 else primary_admin,
        )
        if i % 3 == 0:
            with scopes_disabled():
                ClientAssignment.objects.create(
                    firm=firm, client=client, membership=member, client_active=client.is_active
                )
        if i % 3 == 0 or i == 10:
            reached.add(client.pk)
    return member, reached


def _walk(member, sort, *, backwards=False, values=()):
    """Every page's ids, following the cursors from the first (or last) page."""
    pages, cursor = [], ""
    with firm_scope(member.firm):
        for _ in range(20):
            options = {"before": cursor} if backwards else {"after": cursor}
            result = client_page(
                membership=member,
                filters=ClientFilters(include_inactive=True),
                sort=sort,
                size=3,
                last=backwards and not cursor,
                values=values,
                **options,
            )
            pages.append([row["id"] if values else row.pk for row in result.rows])
            cursor = result.previous_cursor if backwards else result.next_cursor
            if cursor is None:
                return pages
    raise AssertionError("the cursors did not come to an end")


@pytest.mark.parametrize("sort", SORTS)
def test_r31_a_restricted_members_pages_are_the_firms_list_of_what_they_reach(
    restricted, primary_admin, sort
):
    member, reached = restricted
    everyone = [pk for page in _walk(primary_admin, sort) for pk in page]
    expected = [pk for pk in everyone if pk in reached]
    forward = _walk(member, sort)
    assert [pk for page in forward for pk in page] == expected
    assert all(len(page) == 3 for page in forward[:-1])
    backward = _walk(member, sort, backwards=True)
    assert [pk for page in reversed(backward) for pk in page] == expected
    as_values = _walk(member, sort, values=("display_name",))
    assert as_values == forward


def test_r31_a_restricted_members_page_costs_the_same_queries(restricted, primary_admin):
    member, _reached = restricted
    counts = []
    for who in (member, primary_admin):
        with firm_scope(who.firm), CaptureQueriesContext(connection) as ctx:
            client_page(membership=who, filters=ClientFilters(), size=3)
        counts.append(len(ctx))
    assert counts[0] == counts[1] == 2  # the count, then the page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_r31_a_restricted_members_page_ids_come_from_the_name_index_alone(restricted):
    member, _reached = restricted
    # 24 clients fit in a page or two, which PostgreSQL would rather read whole: the
    # plan is asked as for a firm of thousands, where the index is what it reads.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    with firm_scope(member.firm), CaptureQueriesContext(connection) as ctx:
        client_page(membership=member, filters=ClientFilters(), size=3, count=False)
    (query,) = ctx.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + query["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using client_firm_name" in plan, plan
