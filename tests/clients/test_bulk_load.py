"""The benchmarks' bulk load (clients.management.benchdata.bulk_load) gives its
tables back whole: every index and foreign key put back after the load, even when
the load fails, and the ones that cannot be (a unique index the load broke) named
with their SQL."""

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from clients.management.benchdata import BulkLoadError, bulk_load
from clients.models import ClientNumber

TABLES = ("clients_client", "clients_clientnumber")

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the bulk load reads PostgreSQL's catalog"
)


def _schema() -> tuple[dict, set]:
    """The tables' indexes (name -> definition) and foreign keys (names)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [list(TABLES)]
        )
        indexes = dict(cursor.fetchall())
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid = ANY(ARRAY[%s::regclass, %s::regclass])",
            list(TABLES),
        )
        keys = {name for (name,) in cursor.fetchall()}
    return indexes, keys


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_failed_load_gives_the_tables_back_whole():
    indexes, keys = _schema()
    assert "client_firm_search_trgm" in indexes and len(keys) >= 4
    with pytest.raises(ValueError, match="the load failed"), bulk_load(*TABLES):
        during, keys_during = _schema()
        assert "client_firm_search_trgm" not in during and not keys_during
        raise ValueError("the load failed")
    assert _schema() == (indexes, keys)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_an_index_the_load_broke_is_named_and_the_rest_put_back(firm, make_client):
    make_client(display_name="First", client_number="N-1")
    second = make_client(display_name="Second", client_number="N-2")
    indexes, keys = _schema()
    # Without its unique index, the number table takes a number twice.
    with pytest.raises(BulkLoadError) as caught, bulk_load(*TABLES), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE clients_clientnumber SET number = 'N-1' WHERE client_id = %s", [second.pk]
        )
    assert "CREATE UNIQUE INDEX client_number_unique_per_firm" in str(caught.value)
    broken = "client_number_unique_per_firm"
    assert _schema() == ({k: v for k, v in indexes.items() if k != broken}, keys)
    # What the message names builds once the duplicate is gone.
    with scopes_disabled():
        ClientNumber._base_manager.filter(client_id=second.pk).update(number="N-2")
    with connection.cursor() as cursor:
        cursor.execute(indexes[broken])
    assert _schema() == (indexes, keys)
