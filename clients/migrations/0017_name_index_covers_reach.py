"""The name index (firm, search_name, id) carries the lead accountant beside the
status (INCLUDE, not keys; 0013 added the status on PostgreSQL alone): a restricted
member's page reads its ids from the index alone (clients.paging.read_rows). The
model now declares both; SQLite builds the index without them.

On PostgreSQL the index keeps B-tree deduplication off (it ends with the id, so it
holds no duplicates, as 0006 and 0012 say), and going back gives 0013's index."""

from django.db import migrations, models

NAME = "client_firm_name"
WITH_STATUS = (
    f"CREATE INDEX {NAME} ON clients_client (firm_id, search_name, id)"
    " INCLUDE (status) WITH (deduplicate_items = off)"
)


def no_deduplication(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {NAME} SET (deduplicate_items = off)")


def back_to_0013(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")
        schema_editor.execute(WITH_STATUS)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0016_search_name_separator"),
        ("practice", "0008_small_tables_analysed"),
    ]

    operations = [
        # Run last when going back, once the index of the state before is made.
        migrations.RunPython(migrations.RunPython.noop, back_to_0013),
        migrations.RemoveIndex(model_name="client", name=NAME),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                fields=["firm", "search_name", "id"],
                include=("status", "lead_accountant"),
                name=NAME,
            ),
        ),
        migrations.RunPython(no_deduplication, migrations.RunPython.noop),
    ]
