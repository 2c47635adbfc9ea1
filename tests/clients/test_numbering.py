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
        Client.objects.create(firm=firm, client_type="business", display_name="Bare")
        Client.objects.bulk_create(
            [
                Client(
                    firm=firm, client_type="business", display_name="Bulk A", client_number="B-1"
                ),
                Client(firm=firm, client_type="business", display_name="Bulk B"),
            ]
        )
    assert rows(firm) == {
        "Numbered": "N-1",
        "Unnumbered": None,
        "Bare": None,
        "Bulk A": "B-1",
        "Bulk B": None,
    }


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


@pytest.mark.parametrize(
    "conflicts",
    [
        {"ignore_conflicts": True},
        {"update_conflicts": True, "unique_fields": ["id"], "update_fields": ["notes"]},
    ],
)
def test_bulk_creation_refuses_conflict_handling(firm, conflicts):
    message = "^Clients are created in bulk without conflict handling.$"
    with scopes_disabled(), pytest.raises(ValueError, match=message):
        Client.objects.bulk_create(
            [Client(firm=firm, client_type="business", display_name="X")], **conflicts
        )
    assert rows(firm) == {}


@pytest.mark.django_db(transaction=True)
def test_bulk_creation_makes_clients_and_numbers_together_or_not_at_all(firm):
    """Two clients given one number: the number rows refuse it, and no client stays."""
    from django.db import IntegrityError

    twins = [
        Client(firm=firm, client_type="business", display_name=name, client_number="T-1")
        for name in ("Twin A", "Twin B")
    ]
    with scopes_disabled(), pytest.raises(IntegrityError):
        Client.objects.bulk_create(twins, batch_size=1)
    with scopes_disabled():
        assert not Client.objects.filter(firm=firm).exists()


def test_a_client_just_made_knows_its_revision_without_asking(firm, django_assert_num_queries):
    with scopes_disabled():
        one = Client.objects.create(
            firm=firm, client_type="business", display_name="One", client_number="O"
        )
        (bulk,) = Client.objects.bulk_create(
            [Client(firm=firm, client_type="business", display_name="Bulk", client_number="B")]
        )
    with django_assert_num_queries(0):
        made = [(c.client_number, c.number_version, c.revision) for c in (one, bulk)]
        stamps = [c.changed_at for c in (one, bulk)]
    assert made == [("O", 0, 1), ("B", 0, 1)]
    assert all(stamp is not None for stamp in stamps)
    # The time it knows is its number row's, to the microsecond.
    with scopes_disabled():
        saved = dict(ClientNumber.objects.filter(firm=firm).values_list("client_id", "updated_at"))
    assert saved == {one.pk: one.number_updated_at, bulk.pk: bulk.number_updated_at}


def test_a_client_without_its_row_reads_as_unnumbered_and_gets_one_when_saved(firm, make_client):
    client = make_client(display_name="Rowless", client_number="R-1")
    with scopes_disabled():
        ClientNumber.objects.filter(client=client).delete()
        bare = Client._base_manager.get(pk=client.pk)
        assert (bare.client_number, bare.number_version, bare.revision) == (None, 0, 1)
        bare.client_number = "R-2"
        bare.save()
    assert rows(firm) == {"Rowless": "R-2"}


def test_reloading_the_client_reads_its_number_again(firm, make_client):
    client = make_client(display_name="Reload", client_number="R-1")
    with scopes_disabled():
        loaded = Client.objects.get(pk=client.pk)
        Client.objects.filter(pk=client.pk).update(client_number="R-2")
        loaded.display_name = "Edited"
        loaded.refresh_from_db()
        assert (loaded.client_number, loaded.number_version) == ("R-2", 1)
        assert loaded.display_name == "Reload"
        # One that never read its number reloads too.
        bare = Client._base_manager.get(pk=client.pk)
        bare.refresh_from_db()
        assert bare.client_number == "R-2"


def test_reloading_named_fields_reads_them_and_leaves_the_rest(firm, make_client):
    client = make_client(display_name="Named", client_number="N-1")
    with scopes_disabled():
        loaded = Client.objects.get(pk=client.pk)
        Client.objects.filter(pk=client.pk).update(notes="fresh", client_number="N-9")
        loaded.display_name, loaded.client_number = "Edited", "N-2"
        loaded.refresh_from_db(fields=["notes"])
    assert (loaded.notes, loaded.display_name, loaded.client_number) == ("fresh", "Edited", "N-2")


def test_a_number_saved_moves_its_change_time_on(firm, make_client):
    import datetime

    import time_machine

    client = make_client(display_name="Timed", client_number="T-1")
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    with scopes_disabled(), time_machine.travel(later, tick=False):
        loaded = Client.objects.get(pk=client.pk)
        loaded.client_number = "T-2"
        loaded.save()
        assert ClientNumber.objects.get(client=client).updated_at == later


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


def test_bulk_writes_report_their_rows_and_move_the_change_time_on(firm, make_client):
    import datetime

    import time_machine

    a = make_client(display_name="A", client_number="1")
    b = make_client(display_name="B", client_number="2")
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    latest = later + datetime.timedelta(days=1)
    with scopes_disabled():
        with time_machine.travel(later, tick=False):
            both = list(Client.objects.order_by("pk"))
            both[0].display_name, both[1].display_name = "A2", "B2"
            assert Client.objects.bulk_update(both, ["display_name"]) == 2
            both[0].client_number = "10"
            assert Client.objects.bulk_update(both, ["client_number"]) == 2
        with time_machine.travel(latest, tick=False):
            assert Client.objects.filter(pk=b.pk).update(client_number="20", notes="n") == 1
        stamps = dict(ClientNumber.objects.values_list("client_id", "updated_at"))
        names = dict(Client.objects.values_list("pk", "display_name"))
    assert rows(firm) == {"A2": "10", "B2": "20"}
    assert names == {a.pk: "A2", b.pk: "B2"}
    assert stamps == {a.pk: later, b.pk: latest}


def test_bulk_creation_costs_the_same_few_queries_for_any_number_of_clients(
    firm, django_assert_max_num_queries
):
    made = [Client(firm=firm, client_type="business", display_name=f"C{n}") for n in range(6)]
    for n, client in enumerate(made[:3]):
        client.client_number = f"N{n}"
    with scopes_disabled(), django_assert_max_num_queries(4):
        Client.objects.bulk_create(made)
    assert rows(firm) == {f"C{n}": f"N{n}" if n < 3 else None for n in range(6)}


def test_each_client_reads_and_writes_its_own_number_row(
    firm, make_client, django_assert_num_queries
):
    a = make_client(display_name="A", client_number="A-1")
    b = make_client(display_name="B", client_number="B-1")
    with scopes_disabled():
        read = Client._base_manager.get(pk=b.pk)
        assert read.client_number == "B-1"
        with django_assert_num_queries(1):  # unchanged: the client's row alone
            read.save()
        blind = Client._base_manager.get(pk=a.pk)
        blind.client_number = "A-2"
        blind.save()
    assert rows(firm) == {"A": "A-2", "B": "B-1"}


def test_the_lock_reads_the_number_row_again(firm, make_client, django_assert_num_queries):
    from django.db import transaction

    client = make_client(display_name="Locked", client_number="L-1")
    with scopes_disabled(), transaction.atomic():
        stale = Client.objects.get(pk=client.pk)
        Client.objects.filter(pk=client.pk).update(client_number="L-2")
        stale.number_lock()
        assert (stale.client_number, stale.revision) == ("L-2", client.revision + 1)
        with django_assert_num_queries(1):  # read under the lock: nothing to write
            stale.save()
        ClientNumber.objects.filter(client=client).delete()
        stale.number_lock()
        assert (stale.client_number, stale.revision) == (None, stale.version)
