"""PostgreSQL-only indexes for the client list's search (R8, R13).

- a trigram GIN index on (firm_id, search_name) answers the name search, a
  case- and accent-insensitive "contains" (LIKE '%...%' on the normalized name);
  btree_gin lets firm_id sit in the same GIN index;
- a varchar_pattern_ops btree on (firm_id, client_number) answers the
  client-number prefix search (LIKE '...%') whatever the database collation.

The extension operations are no-ops on other databases and the indexes are
created only on PostgreSQL, so SQLite still migrates."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import BtreeGinExtension, TrigramExtension
from django.db import migrations, models


def _indexes():
    return [
        GinIndex(
            fields=["firm", "search_name"],
            opclasses=["int8_ops", "gin_trgm_ops"],
            name="client_firm_search_trgm",
        ),
        models.Index(
            fields=["firm", "client_number"],
            opclasses=["int8_ops", "varchar_pattern_ops"],
            name="client_firm_number_prefix",
        ),
    ]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("clients", "Client")
    for index in _indexes():
        schema_editor.add_index(model, index)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("clients", "Client")
    for index in _indexes():
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_list_indexes_and_preferences")]

    operations = [
        TrigramExtension(),
        BtreeGinExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
