"""PostgreSQL only: the name index (firm, search_name, id) also carries the status
(INCLUDE, not a key), so the list's count of active clients and its status filter
read the index alone, without visiting a table page per client: a count that
must fetch its 5,000 clients from disk took 100 to 300 ms at 100,000 clients.
Elsewhere the index stays as the model declares it."""

from django.db import migrations

WITH_STATUS = (
    "CREATE INDEX client_firm_name ON clients_client (firm_id, search_name, id)"
    " INCLUDE (status) WITH (deduplicate_items = off)"
)
WITHOUT_STATUS = (
    "CREATE INDEX client_firm_name ON clients_client (firm_id, search_name, id)"
    " WITH (deduplicate_items = off)"
)


def _rebuild(definition):
    def rebuild(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("DROP INDEX IF EXISTS client_firm_name")
        schema_editor.execute(definition)

    return rebuild


class Migration(migrations.Migration):
    dependencies = [("clients", "0012_lead_index_with_firm")]

    operations = [migrations.RunPython(_rebuild(WITH_STATUS), _rebuild(WITHOUT_STATUS))]
