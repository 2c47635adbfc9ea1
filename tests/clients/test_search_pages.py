"""Name search (R8) and the pages of a search: the trigram index is asked for a
few pieces of the phrase and the phrase itself is checked; a search's page is
picked from the matches it read, in the order the database gives."""

import re

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from clients import search
from clients.management.benchdata import insert_clients
from clients.search import index_pattern, name_contains
from clients.selectors import ClientFilters, client_page, client_queryset
from practice.tenancy import firm_scope, scopes_disabled
from tests.practice.factories import MembershipFactory

pytestmark = pytest.mark.django_db

NAMES = ["Zz éclair", "zZ Eclair", "Zz Ärger", "zz zèbre", "ZZ abc", "Zz ß", "zz Zz", "Zz"]


def _like(pattern: str, text: str) -> bool:
    """LIKE with backslash escapes, as the database reads it."""
    regex, i = "", 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 1
            regex += re.escape(pattern[i])
        elif char == "%":
            regex += ".*"
        elif char == "_":
            regex += "."
        else:
            regex += re.escape(char)
        i += 1
    return re.fullmatch(regex, text, re.DOTALL) is not None


words = st.text(alphabet="abcdefgh%_\\ é", min_size=1, max_size=14)


@given(name=words, before=st.text(max_size=5), after=st.text(max_size=5))
def test_every_name_containing_the_phrase_matches_its_index_pattern(name, before, after):
    name = name.strip()
    if name:
        assert _like(index_pattern(name), before + name + after)


def test_the_index_pattern_keeps_few_pieces_in_order():
    assert index_pattern("fromagerie lac") == "%fro%mag%lac%"
    assert index_pattern("garage") == "%gar%age%"
    assert index_pattern("garages") == "%gar%ges%"
    assert index_pattern("abcdefgh") == "%abc%fgh%"  # 8 letters: no middle apart from the ends
    assert index_pattern("abcdefghi") == "%abc%def%"  # 9 letters: a middle, and no end
    assert index_pattern("boulangerie fromagerie") == "%bou%ang%fro%mag%"
    assert index_pattern("le garage") == "%le%gar%age%"
    assert index_pattern("le lac") == "%le%lac%"
    assert index_pattern("a b") == "%a b%"  # no piece of three letters: the phrase
    assert index_pattern("100%_x") == "%100%\\%\\_x%"


def test_r8_name_search_matches_the_whole_phrase_only(firm, standard_member, make_client):
    for name in ["Fromagerie du Lac", "Lac Fromageries", "Fromagerie Lac Nord", "Fromagerielac"]:
        make_client(display_name=name)
    with firm_scope(firm):
        page = client_page(membership=standard_member, filters=ClientFilters(q="fromagerie LAC"))
    assert [c.display_name for c in page.rows] == ["Fromagerie Lac Nord"]
    assert name_contains(firm_id=firm.pk, text=" \u0301 ") is None


@pytest.mark.parametrize("sort", ["name", "-name", "client_number", "-client_number", "status"])
def test_r13_a_searchs_pages_are_the_lists_pages(firm, standard_member, make_client, sort):
    """Paged from the matches it read (name, client number) or by the database
    (the other columns), a search gives the rows, order, cursors and links that
    the list gives for the same clients."""
    for i in range(23):
        make_client(
            display_name=f"{NAMES[i % len(NAMES)]} {i % 3}",  # ties, accents, case
            client_number=None if i % 3 == 0 else f"N{i % 5}-{i}",
            status="inactive" if i % 4 == 0 else "active",
        )
    with firm_scope(firm):
        everyone = ClientFilters(include_inactive=True)
        ids = list(
            client_queryset(membership=standard_member, filters=everyone).values_list(
                "pk", flat=True
            )
        )
        searched = ClientFilters(q="zz", include_inactive=True)
        listed = ClientFilters(ids=ids, include_inactive=True)

        def walk(filters, **start):
            pages, page = (
                [],
                client_page(
                    membership=standard_member, filters=filters, sort=sort, size=4, **start
                ),
            )
            while True:
                pages.append(([c.pk for c in page.rows], page.has_next, page.has_previous))
                cursor = (
                    page.next_cursor
                    if "last" not in start and "before" not in start
                    else page.previous_cursor
                )
                if cursor is None:
                    return pages
                key = "before" if ("last" in start or "before" in start) else "after"
                page = client_page(
                    membership=standard_member, filters=filters, sort=sort, size=4, **{key: cursor}
                )

        forward = walk(searched)
        assert forward == walk(listed)
        assert sorted(pk for rows, _n, _p in forward for pk in rows) == sorted(ids)
        assert walk(searched, last=True) == walk(listed, last=True)
        middle = client_page(membership=standard_member, filters=listed, sort=sort, size=9)
        for start in ({"after": middle.next_cursor}, {"before": middle.next_cursor}):
            assert walk(searched, **start) == walk(listed, **start)


def _two_firms(firm, other_firm, member, *, mine: int, theirs: int):
    """`mine` bench clients in the member's firm, `theirs` in the other firm (led
    by a member of its own, returned), and the table analyzed."""
    insert_clients(firm_id=firm.pk, member_ids=[member.pk], start=0, stop=mine)
    with scopes_disabled():
        neighbour = MembershipFactory(firm=other_firm)
    insert_clients(firm_id=other_firm.pk, member_ids=[neighbour.pk], start=0, stop=theirs)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")
    return neighbour


def _trigram_scan(search_plan, member) -> str:
    """What the member's name search asks of the trigram index."""
    with firm_scope(member.firm):
        qs = client_queryset(membership=member, filters=ClientFilters(q="fromagerie lac"))
        plan = search_plan(qs)
    scan = plan.partition("Bitmap Index Scan on client_firm_search_trgm")[2].split("\n")
    assert len(scan) > 1, plan
    return scan[1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_the_trigram_index_is_read_for_the_firm_alone(
    firm, other_firm, standard_member, search_plan, monkeypatch
):
    """The firm is compared as a bigint, which the trigram index (btree_gin's
    int8_ops) can use: the index scan then covers the firm's names alone."""
    _two_firms(firm, other_firm, standard_member, mine=3000, theirs=30000)
    monkeypatch.setattr(search, "_dominant", {})
    assert f"firm_id = '{firm.pk}'::bigint" in _trigram_scan(search_plan, standard_member)


def test_a_search_box_text_is_trimmed_cut_and_rid_of_nul():
    from clients.search import QUERY_MAX_LENGTH, search_text

    assert search_text("  Bou\x00langerie  ") == "Boulangerie"
    assert search_text(None) == ""
    assert search_text("x" * 100_000) == "x" * QUERY_MAX_LENGTH
    assert search_text("a" + " " * QUERY_MAX_LENGTH + "b") == "a"
    assert QUERY_MAX_LENGTH == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics and plans")
def test_a_firm_holding_most_clients_is_searched_by_its_trigrams_alone(
    firm, other_firm, standard_member, search_plan, monkeypatch
):
    """A firm with most of the table reads the trigram index without its key (a
    list as long as the table, telling nothing apart) and checks its firm on the
    rows found; the other firms keep their key. The share comes from ANALYZE's
    statistics, read once per STATS_TTL seconds."""
    neighbour = _two_firms(firm, other_firm, standard_member, mine=3000, theirs=300)
    clock = [1000.0]
    monkeypatch.setattr(search, "monotonic", lambda: clock[0])
    monkeypatch.setattr(search, "_dominant", {})
    assert search.dominant_firms() == {firm.pk}
    assert "firm_id" not in _trigram_scan(search_plan, standard_member)
    assert f"firm_id = '{other_firm.pk}'::bigint" in _trigram_scan(search_plan, neighbour)
    with firm_scope(firm):
        found = client_page(membership=standard_member, filters=ClientFilters(q="fromagerie lac"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM clients_client WHERE firm_id = %s AND status = 'active'"
            " AND strpos(search_name, 'fromagerie lac') > 0",
            [firm.pk],
        )
        (expected,) = cursor.fetchone()
    assert expected and found.total == expected
    assert {c.firm_id for c in found.rows} == {firm.pk}  # the neighbour's namesakes stay out

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM clients_clientnumber WHERE firm_id = %s", [firm.pk])
        cursor.execute("DELETE FROM clients_client WHERE firm_id = %s", [firm.pk])
        cursor.execute("ANALYZE clients_client")
    clock[0] += search.STATS_TTL - 1
    assert search.dominant_firms() == {firm.pk}  # kept until STATS_TTL has passed
    clock[0] += 1
    assert search.dominant_firms() == {other_firm.pk}
    insert_clients(firm_id=firm.pk, member_ids=[standard_member.pk], start=0, stop=3000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")
    search.forget_statistics()  # as the benchmarks do after their ANALYZE
    assert search.dominant_firms() == {firm.pk}
