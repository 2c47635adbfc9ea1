"""The client list's guards at their edges (R8, R9, R13, R25): paging, sorting,
the column chooser, the export's order and the history's wording."""

import base64
import datetime

import pytest
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from clients.models import NAME_SEPARATOR
from clients.selectors import (
    DEFAULT_COLUMNS,
    EXPORT_FIELDS,
    PAGE_SIZE,
    ClientFilters,
    Cursor,
    arrange_columns,
    clean_columns,
    client_export_values,
    client_history,
    client_page,
    lead_accountant_choices,
    readable_changes,
)
from practice.models import ActivityEvent
from practice.tenancy import firm_scope
from tests.practice.factories import MembershipFactory, UserFactory

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


@pytest.mark.parametrize(
    ("sort", "field", "expected"),
    [
        ("client_number", "client_number", ["N1", "N2", "N3"]),
        ("-client_number", "client_number", ["N3", "N2", "N1"]),
        ("-email", "email", ["c@x.test", "b@x.test", "a@x.test"]),
        # Not sortable: by name.
        ("phone", "display_name", ["a", "b", "c"]),
        ("-phone", "display_name", ["c", "b", "a"]),
    ],
)
def test_r25_the_export_follows_the_lists_sort(
    firm, standard_member, make_client, sort, field, expected
):
    for name, number, email in (
        ("b", "N3", "a@x.test"),
        ("c", "N1", "b@x.test"),
        ("a", "N2", "c@x.test"),
    ):
        make_client(display_name=name, client_number=number, email=email)
    position = EXPORT_FIELDS.index(field)
    with firm_scope(firm):
        rows = client_export_values(membership=standard_member, filters=ClientFilters(), sort=sort)
        assert [row[position] for row in rows] == expected


def test_r25_export_rows_of_the_same_name_follow_their_ids_both_ways(
    firm, standard_member, make_client
):
    made = [make_client(display_name="Same", client_number=f"N{i}") for i in range(4)]
    numbers = [client.client_number for client in sorted(made, key=lambda c: c.pk)]
    position = EXPORT_FIELDS.index("client_number")
    with firm_scope(firm):
        for sort, expected in (("name", numbers), ("-name", numbers[::-1])):
            rows = client_export_values(
                membership=standard_member, filters=ClientFilters(), sort=sort
            )
            assert [row[position] for row in rows] == expected


# Page cursors -------------------------------------------------------------------


def test_r13_every_cursor_comes_back_as_it_was_encoded():
    for pk in range(1, 400):
        for value in (None, "", "dupont", "Zoë & Co", "x" * 200):
            cursor = Cursor(value, pk)
            assert Cursor.decode(cursor.encode()) == cursor


def test_r13_a_cursor_token_is_refused_past_1200_characters():
    def token_of_length(length):
        for size in range(length):
            token = Cursor("v" * size, 7).encode()
            if len(token) >= length:
                return token, size
        raise AssertionError(length)

    token, size = token_of_length(1200)
    assert len(token) == 1200
    assert Cursor.decode(token) == Cursor("v" * size, 7)
    longer = Cursor("v" * (size + 3), 7).encode()
    assert len(longer) > 1200
    assert Cursor.decode(longer) is None


# Column chooser (R8) ------------------------------------------------------------


def test_r8_stored_columns_are_cleaned_and_the_name_always_shown():
    assert clean_columns(["email", "status"]) == ["name", "email", "status"]
    assert clean_columns(["status", "bogus", "status", "name"]) == ["status", "name"]
    assert clean_columns({"email": True, "status": True}) == ["name"]
    assert clean_columns("email") == ["name"]
    assert clean_columns(None) == ["name"]


@pytest.mark.parametrize(
    ("previous", "order", "expected"),
    [
        # Shown again: back after the column that precedes it by default.
        (
            ["name", "client_type", "status"],
            ["name", "client_type", "status", "email"],
            ["name", "client_type", "email", "status"],
        ),
        # Nothing before it by default that is shown: first.
        (["status", "email"], ["status", "email", "name"], ["name", "status", "email"]),
        # The member's own order of the others is kept.
        (
            ["status", "name", "client_type"],
            ["client_number", "status", "name", "client_type", "email"],
            ["status", "name", "client_number", "client_type", "email"],
        ),
        # Hidden columns leave.
        (DEFAULT_COLUMNS, ["email", "name"], ["email", "name"]),
    ],
)
def test_r8_a_column_shown_again_returns_to_its_default_place(previous, order, expected):
    assert arrange_columns(previous=previous, order=order, shown=set(order)) == expected


def test_r8_a_column_shown_again_goes_after_its_shown_predecessor_wherever_it_is():
    previous = ["client_type", "name", "lead_accountant"]
    order = ["email", "client_type", "name", "lead_accountant", "client_number"]
    assert arrange_columns(previous=previous, order=order, shown=set(order)) == [
        "client_type",
        "name",
        "client_number",
        "lead_accountant",
        "email",
    ]


# Lead accountant filter --------------------------------------------------------


def test_r8_the_lead_accountant_choices_are_the_firms_active_members_by_name(
    django_assert_num_queries, firm, other_firm, primary_admin
):
    with scopes_disabled():
        zoe = MembershipFactory(firm=firm, user=UserFactory(full_name="Zoë", email="0@x.test"))
        anna_b = MembershipFactory(firm=firm, user=UserFactory(full_name="Anna", email="b@x.test"))
        anna_a = MembershipFactory(firm=firm, user=UserFactory(full_name="Anna", email="a@x.test"))
        MembershipFactory(firm=firm, is_active=False, user=UserFactory(full_name="Al"))
        MembershipFactory(firm=other_firm, user=UserFactory(full_name="Bob"))
        primary_admin.user.full_name = "Marc"
        primary_admin.user.save()
        with django_assert_num_queries(1):
            choices = lead_accountant_choices(firm=firm)
            names = [m.user.full_name for m in choices]
    assert choices == [anna_a, anna_b, primary_admin, zoe]
    assert names == ["Anna", "Anna", "Marc", "Zoë"]


# History wording (R9) ------------------------------------------------------------


def test_r9_history_changes_read_with_labels_and_choice_names():
    event = ActivityEvent(
        changes={
            "status": ["active", "inactive"],
            "notes": "not a pair",
            "firm_is_primary_admin": [False, True],
            "email": ["", "a@x.test"],
            "display_name": [None, "Zoë"],
            "initial_billing": ["none", "direct"],
            "billing": ["wholesale", "none"],
            "client_type": ["business", "retired"],
            "nickname": ["direct", 2],
            "short": ["one"],
            "long": [1, 2, 3],
        }
    )
    with translation.override("en"):
        rows = readable_changes(event)
    assert rows == [
        ("Status", "Active", "Inactive"),
        ("Firm is the client's primary admin", "no", "yes"),
        ("E-mail", "—", "a@x.test"),
        ("Display name", "—", "Zoë"),
        ("Subscription chosen at creation", "No subscription", "Direct discount (the client pays)"),
        ("Billing", "Wholesale discount (the firm pays)", "No subscription"),
        ("Client type", "Business", "retired"),
        ("Nickname", "direct", "2"),
    ]


def test_r9_history_changes_in_french():
    event = ActivityEvent(changes={"status": ["active", "inactive"], "is_x": [True, False]})
    with translation.override("fr"):
        rows = readable_changes(event)
    assert rows[0][1:] == ("Actif", "Inactif")
    assert rows[1][1:] == ("oui", "non")
    assert readable_changes(ActivityEvent(changes=None)) == []


def test_r8_search_name_fits_its_column_when_the_names_together_are_longer(firm, make_client):
    """Name and company name may each take 200 characters: the search text made of
    both is cut to its 400-character column (PostgreSQL refused the save before)."""
    client = make_client(display_name="a" * 200, company_name="b" * 200, client_type="business")
    with scopes_disabled():
        client.refresh_from_db()
    assert len(client.search_name) == 400
    assert client.search_name.startswith("a" * 200 + NAME_SEPARATOR)


def test_r9_a_clients_history_is_its_own_newest_entries_in_its_firm(
    django_assert_num_queries, firm, other_firm, primary_admin, make_client
):
    """Another client's entries and those another firm wrote about the same client
    (before a transfer) stay out; the newest by time come first, 200 at most."""
    mine, other = make_client(), make_client()
    start = timezone.now() - datetime.timedelta(days=1)

    def entry(client, minutes, entry_firm=firm, verb="client.updated"):
        return ActivityEvent(
            firm=entry_firm,
            actor=primary_admin.user,
            verb=verb,
            target_type="client",
            target_id=client.pk,
            created_at=start + datetime.timedelta(minutes=minutes),
        )

    with scopes_disabled():
        ActivityEvent.objects.bulk_create(
            [entry(mine, minutes) for minutes in range(199)]
            + [entry(mine, 500, verb="client.newest"), entry(mine, -5, verb="client.oldest")]
            + [entry(other, 900), entry(mine, 901, entry_firm=other_firm)]
        )
        # The entries with their actors, and the imports' number changes.
        with django_assert_num_queries(2):
            history = client_history(firm=firm, client_id=mine.pk)
            actors = {event.actor for event in history}
    assert len(history) == 200
    assert history[0].verb == "client.newest"
    assert "client.oldest" not in {event.verb for event in history}
    assert {event.target_id for event in history} == {mine.pk}
    assert {event.firm_id for event in history} == {firm.pk}
    assert actors == {primary_admin.user}
    assert [e.created_at for e in history] == sorted((e.created_at for e in history), reverse=True)
