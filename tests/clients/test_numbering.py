"""The client number's own table (clients.models.numbering): every client has its
row, every way of writing a number writes it there, and an import changes that
row alone while the client's revision still moves on."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_scopes import scopes_disabled

from clients import services
from clients.models import Client, ClientNumber
from clients.selectors import ClientFilters, client_page, client_queryset
from tests.imports.factories import csv_bytes

pytestmark = pytest.mark.django_db


def rows(firm):
    with scopes_disabled():
        return dict(
            ClientNumber.objects.filter(firm=firm).values_list("client__display_name", "number")
        )


def test_every_way_of_making_a_client_gives_it_a_number_row(firm, make_client):
    make_client(display_name="Numbered", client_number="N-1")
    make_client(display_name="Unnumbered", client_number=None)
    with scopes_disabled():
        Client.objects.bulk_create(
            [
                Client(
                    firm=firm, client_type="business", display_name="Bulk A", client_number="B-1"
                ),
                Client(firm=firm, client_type="business", display_name="Bulk B"),
            ]
        )
    assert rows(firm) == {"Numbered": "N-1", "Unnumbered": None, "Bulk A": "B-1", "Bulk B": None}


def test_the_number_reads_like_a_column(firm, make_client):
    client = make_client(display_name="Read", client_number="R-7")
    with scopes_disabled():
        assert Client.objects.get(pk=client.pk).client_number == "R-7"
        assert Client.objects.filter(client_number__startswith="R-").get().pk == client.pk
        assert list(Client.objects.values_list("client_number", flat=True)) == ["R-7"]
        # Read without the manager (a related client, say): fetched on demand.
        assert Client._base_manager.get(pk=client.pk).client_number == "R-7"


def test_saving_writes_the_number_only_when_it_changed(
    firm, make_client, django_assert_num_queries
):
    client = make_client(display_name="Saved", client_number="S-1")
    with scopes_disabled():
        loaded = Client.objects.get(pk=client.pk)
        with django_assert_num_queries(1):  # the client's row alone
            loaded.save()
        loaded.client_number = "  S-2  "
        loaded.save()
        assert ClientNumber.objects.get(client=client).number == "S-2"
        loaded.client_number = "   "
        loaded.save()
        assert ClientNumber.objects.get(client=client).number is None
        # Named fields only: the number stays as it is in the database.
        loaded.client_number, loaded.notes = "S-3", "note"
        loaded.save(update_fields=["notes"])
        assert ClientNumber.objects.get(client=client).number is None
        loaded.save(update_fields=["client_number"])
        assert ClientNumber.objects.get(client=client).number == "S-3"
        loaded.refresh_from_db()
        assert loaded.client_number == "S-3"


def test_a_number_set_before_it_was_ever_read_is_saved(firm, make_client):
    client = make_client(display_name="Blind", client_number="B-1")
    with scopes_disabled():
        blind = Client._base_manager.get(pk=client.pk)
        blind.client_number = "B-2"
        blind.save()
        assert ClientNumber.objects.get(client=client).number == "B-2"


def test_queryset_and_bulk_updates_write_the_number_rows(firm, make_client):
    a = make_client(display_name="A", client_number="1")
    make_client(display_name="B", client_number="2")
    with scopes_disabled():
        assert Client.objects.filter(pk=a.pk).update(client_number="10") == 1
        assert rows(firm) == {"A": "10", "B": "2"}
        both = list(Client.objects.order_by("pk"))
        both[0].client_number, both[1].client_number = "20", "30"
        Client.objects.bulk_update(both, ["client_number", "display_name"])
    assert rows(firm) == {"A": "20", "B": "30"}


def test_deleting_a_client_deletes_its_number_row(firm, make_client):
    client = make_client(display_name="Gone", client_number="G-1")
    with scopes_disabled():
        client.delete()
        assert not ClientNumber.objects.filter(client_id=client.pk).exists()


def test_a_number_held_in_the_table_is_refused_to_another_client(firm, make_client, primary_admin):
    make_client(display_name="Holder", client_number="H-1")
    with scopes_disabled(), pytest.raises(ValidationError) as refused:
        services.client_create(
            firm=firm,
            by=primary_admin,
            client_type="business",
            display_name="Second",
            client_number="H-1",
        )
    assert "Holder" in refused.value.message_dict["client_number"][0]


def test_an_import_changes_the_number_row_and_the_revision_not_the_client_row(
    firm, make_client, run_import, primary_admin
):
    client = make_client(display_name="Imported", client_number="OLD")
    with scopes_disabled():
        before = Client.objects.get(pk=client.pk)
    run_import(csv_bytes([[client.company_id, client.display_name, "NEW"]]))
    with scopes_disabled():
        after = Client.objects.get(pk=client.pk)
    assert after.client_number == "NEW"
    assert (after.version, after.updated_at) == (before.version, before.updated_at)
    assert after.revision == before.revision + 1
    assert after.changed_at > before.changed_at
    # An edit opened before the import is refused, as any edit made meanwhile.
    with scopes_disabled(), pytest.raises(services.ClientConflict):
        services.client_update(
            firm=firm, client=after, by=primary_admin, version=before.revision, notes="late"
        )
    with scopes_disabled():
        saved = services.client_update(
            firm=firm, client=after, by=primary_admin, version=after.revision, notes="on time"
        )
    assert saved.revision == after.revision + 1


def test_the_list_sorts_and_searches_numbers_from_their_table(firm, make_client, primary_admin):
    for name, number in [("Cb", "B-2"), ("Ca", "B-1"), ("Cn", None), ("Bx-1 name", "Z-9")]:
        make_client(display_name=name, client_number=number)
    with scopes_disabled():
        page = client_page(membership=primary_admin, filters=ClientFilters(), sort="client_number")
        assert [c.display_name for c in page.rows] == ["Ca", "Cb", "Bx-1 name", "Cn"]
        found = client_page(
            membership=primary_admin, filters=ClientFilters(q="B"), sort="client_number"
        )
        # "B" starts two numbers and is in one name.
        assert [c.display_name for c in found.rows] == ["Ca", "Cb", "Bx-1 name"]
        paged = client_page(
            membership=primary_admin, filters=ClientFilters(), sort="client_number", size=1
        )
        second = client_page(
            membership=primary_admin,
            filters=ClientFilters(),
            sort="client_number",
            size=1,
            after=paged.next_cursor,
        )
        assert [c.display_name for c in second.rows] == ["Cb"]


def test_a_members_grants_come_with_their_clients_numbers_in_one_query(
    firm, make_client, restricted, django_assert_num_queries
):
    from clients.access_selectors import member_assignments
    from clients.models import ClientAssignment

    with scopes_disabled():
        for n in range(3):
            client = make_client(display_name=f"Granted {n}", client_number=f"G-{n}")
            ClientAssignment.objects.create(firm=firm, client=client, membership=restricted)
        with django_assert_num_queries(1):
            numbers = [g.client.client_number for g in member_assignments(membership=restricted)]
    assert numbers == ["G-0", "G-1", "G-2"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_on_postgresql_a_search_looks_numbered_clients_up_by_key(
    firm, make_client, primary_admin, search_plan
):
    """The numbers' ids come as one array, which the clients' key looks up beside
    the trigram name index (one bitmap of both), not a subquery tested against
    each client of the firm."""
    make_client(display_name="Planned", client_number="P-1")
    with scopes_disabled():
        qs = client_queryset(membership=primary_admin, filters=ClientFilters(q="P-"))
        assert [c.display_name for c in qs] == ["Planned"]
        plan = search_plan(qs)
    scan = plan.partition("Bitmap Index Scan on client_id_only")[2].split("\n")[1:2]
    assert scan and "Index Cond: (id = ANY" in scan[0], plan
    assert "Bitmap Index Scan on client_firm_search_trgm" in plan, plan


def test_an_import_gives_a_number_row_to_a_client_that_lost_it(firm, make_client, run_import):
    client = make_client(display_name="Rowless", client_number="R-1")
    with scopes_disabled():
        ClientNumber.objects.filter(client=client).delete()
    run_import(csv_bytes([[client.company_id, client.display_name, "R-2"]]))
    assert rows(firm) == {"Rowless": "R-2"}


def test_bulk_writes_move_the_revision_on_and_make_missing_rows(firm, make_client):
    a = make_client(display_name="A", client_number="1")
    b = make_client(display_name="B", client_number="2")
    with scopes_disabled():
        ClientNumber.objects.filter(client=b).delete()
        Client.objects.filter(pk=a.pk).update(client_number="3")
        assert Client.objects.get(pk=a.pk).revision == a.revision + 1
        both = list(Client.objects.order_by("pk"))
        both[0].client_number, both[1].client_number = "4", "5"
        Client.objects.bulk_update(both, ["client_number"])
        assert Client.objects.get(pk=a.pk).revision == a.revision + 2
    assert rows(firm) == {"A": "4", "B": "5"}


def test_bulk_creation_refuses_conflict_handling(firm):
    with scopes_disabled(), pytest.raises(ValueError):
        Client.objects.bulk_create(
            [Client(firm=firm, client_type="business", display_name="X")], ignore_conflicts=True
        )
    assert rows(firm) == {}


def test_reloading_other_fields_keeps_a_number_not_saved_yet(firm, make_client):
    client = make_client(display_name="Pending", client_number="P-1")
    with scopes_disabled():
        loaded = Client.objects.get(pk=client.pk)
        loaded.client_number = "P-2"
        loaded.refresh_from_db(fields=["notes"])
        assert loaded.client_number == "P-2"
        loaded.refresh_from_db(fields=["client_number"])
        assert loaded.client_number == "P-1"


def test_locking_a_client_locks_its_row_alone(firm, make_client):
    """The number row is joined on the nullable side, which PostgreSQL can't lock."""
    from django.db import transaction

    client = make_client(display_name="Locked", client_number="L-1")
    with scopes_disabled(), transaction.atomic():
        assert Client.objects.select_for_update().get(pk=client.pk).client_number == "L-1"
