"""The name a client is searched and sorted by (R8): its names folded, each apart
from the others, however the client was written, and the migration that brought
the clients saved before that to the same form."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from clients.models import NAME_SEPARATOR, Client, normalize_search, search_key
from clients.selectors import ClientFilters, client_page
from practice.tenancy import firm_scope, scopes_disabled

pytestmark = pytest.mark.django_db

migration = importlib.import_module("clients.migrations.0016_search_name_separator")


def _found(member, q: str, **filters) -> list[str]:
    with firm_scope(member.firm):
        page = client_page(membership=member, filters=ClientFilters(q=q, **filters))
    return [client.display_name for client in page.rows]


def test_the_search_name_keeps_each_name_apart():
    assert normalize_search("  Épicerie\t du\u00a0 LAC ") == "epicerie du lac"
    assert normalize_search(f"a{NAME_SEPARATOR}b") == "a b"
    assert search_key("Lac Fromagerie", "", "Jean", "Dupont") == NAME_SEPARATOR.join(
        ["lac fromagerie", "jean", "dupont"]
    )
    assert search_key("", "") == ""
    assert len(search_key("a" * 300, "b" * 300)) == 400


def test_r8_a_phrase_is_found_within_one_name_never_across_two(firm, standard_member, make_client):
    # Each name ends where the next begins with the phrase's other half.
    make_client(display_name="Lac Fromagerie", company_name="Lac Fromagerie")
    make_client(display_name="Fromagerie", company_name="Lac Nord")
    make_client(
        client_type="individual", display_name="Paul", first_name="Fromagerie", last_name="Lac"
    )
    # In one name: the display name, or another one.
    make_client(display_name="Fromagerie  Lac\tSud")
    make_client(display_name="FL", company_name="La Fromagerie Lac")
    assert sorted(_found(standard_member, "fromagerie lac")) == ["FL", "Fromagerie  Lac\tSud"]
    # Whitespace in the search text is one space, the separator included.
    for text in ["fromagerie   lac", f"fromagerie{NAME_SEPARATOR}lac", "fromagerie\u00a0lac"]:
        assert sorted(_found(standard_member, text)) == ["FL", "Fromagerie  Lac\tSud"]


def test_r8_the_name_order_is_the_display_names_order(firm, standard_member, make_client):
    """A display name comes before the longer ones it begins, whatever the client's
    other names."""
    for display, company in [("Dupont Jean", "Aaa"), ("Dupont", "Zèbre SA"), ("Dupont-Aîné", "")]:
        make_client(display_name=display, company_name=company)
    with firm_scope(firm):
        names = [
            [c.display_name for c in client_page(membership=standard_member, filters=f).rows]
            for f in (ClientFilters(), ClientFilters(q="dupont"))
        ]
    assert names == [["Dupont", "Dupont Jean", "Dupont-Aîné"]] * 2


def test_clients_written_in_bulk_get_their_search_name(firm):
    with scopes_disabled():
        (bulk,) = Client.objects.bulk_create(
            [
                Client(
                    firm=firm,
                    client_type="business",
                    display_name="Épicerie  Nord",
                    company_name="Nord SA",
                    search_name="stale",
                )
            ]
        )
        assert Client.objects.get(pk=bulk.pk).search_name == f"epicerie nord{NAME_SEPARATOR}nord sa"
        bulk.company_name = "Sud SARL"
        Client.objects.bulk_update([bulk], ["company_name"])
        assert (
            Client.objects.get(pk=bulk.pk).search_name == f"epicerie nord{NAME_SEPARATOR}sud sarl"
        )
        # Other fields leave it alone.
        Client.objects.filter(pk=bulk.pk).update(search_name="kept")
        bulk.email = "nord@example.com"
        Client.objects.bulk_update([bulk], ["email"])
        assert Client.objects.get(pk=bulk.pk).search_name == "kept"


def test_the_migration_keeps_the_names_apart_and_back_again(firm, make_client, monkeypatch):
    monkeypatch.setattr(migration, "BATCH", 2)  # three clients: two batches
    old = {
        "lac fromagerie lac fromagerie": make_client(
            display_name="Lac Fromagerie", company_name="Lac Fromagerie"
        ),
        "paul  fromagerie lac": make_client(
            client_type="individual",
            display_name="Paul ",
            company_name="",
            first_name=" Fromagerie",
            last_name="Lac",
        ),
        "solo": make_client(display_name="Solo", company_name=""),
    }
    with scopes_disabled():
        rows = Client._base_manager.filter(firm=firm)
        for key, client in old.items():
            rows.filter(pk=client.pk).update(search_name=key)
        before = dict(rows.values_list("pk", "updated_at"))
        editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
        migration.names_apart(apps, editor)
        keys = dict(rows.values_list("pk", "search_name"))
        assert keys == {
            old[
                "lac fromagerie lac fromagerie"
            ].pk: f"lac fromagerie{NAME_SEPARATOR}lac fromagerie",
            old["paul  fromagerie lac"].pk: NAME_SEPARATOR.join(["paul", "fromagerie", "lac"]),
            old["solo"].pk: "solo",
        }
        # Only the search name is written: the clients' change times stay.
        assert dict(rows.values_list("pk", "updated_at")) == before
        migration.names_together(apps, editor)
        assert dict(rows.values_list("pk", "search_name")) == {
            old["lac fromagerie lac fromagerie"].pk: "lac fromagerie lac fromagerie",
            old["paul  fromagerie lac"].pk: "paul fromagerie lac",
            old["solo"].pk: "solo",
        }


@pytest.mark.parametrize("name", ["display_name", "company_name", "first_name", "last_name"])
def test_a_name_changed_by_update_is_refused_not_left_unsearchable(firm, make_client, name):
    """update() writes a value to every row and cannot fold each client's names into
    its search_name: it refuses the names, nothing written, and leaves other
    fields to it."""
    client = make_client(display_name="Atelier Nord", company_name="Nord SA")
    with scopes_disabled():
        rows = Client.objects.filter(pk=client.pk)
        with pytest.raises(ValueError, match=name):
            rows.update(**{name: "Renamed"}, notes="with it")
        assert rows.update(notes="alone") == 1
        kept = Client.objects.get(pk=client.pk)
    assert (kept.display_name, kept.company_name, kept.notes) == (
        "Atelier Nord",
        "Nord SA",
        "alone",
    )
    assert kept.search_name == search_key("Atelier Nord", "Nord SA")
