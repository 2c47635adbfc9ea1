# Every client gets its number row, numbered or not, and the clients' column goes.
# Reversible.

from django.db import migrations


def _tables(apps):
    client = apps.get_model("clients", "Client")._meta.db_table
    number = apps.get_model("clients", "ClientNumber")._meta.db_table
    return client, number


def numbers_out(apps, schema_editor):
    client, number = map(schema_editor.quote_name, _tables(apps))
    schema_editor.execute(
        f"INSERT INTO {number} (firm_id, client_id, number, version, updated_at)"  # noqa: S608
        f" SELECT firm_id, id, client_number, 0, updated_at FROM {client}"
    )


def numbers_back(apps, schema_editor):
    client, number = map(schema_editor.quote_name, _tables(apps))
    schema_editor.execute(
        f"UPDATE {client} SET client_number = n.number,"  # noqa: S608
        # The revision a reader saw must not come back: the number's changes
        # count in the client's version again.
        f" version = {client}.version + n.version,"
        f" updated_at = CASE WHEN n.updated_at > {client}.updated_at"
        f" THEN n.updated_at ELSE {client}.updated_at END"
        f" FROM {number} n WHERE n.client_id = {client}.id AND n.firm_id = {client}.firm_id"
    )


class Migration(migrations.Migration):
    dependencies = [("clients", "0014_client_number_table")]

    operations = [
        migrations.RunPython(numbers_out, numbers_back),
        migrations.RemoveField(model_name="client", name="client_number"),
    ]
