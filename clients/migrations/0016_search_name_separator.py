# Each client's search_name joins its names with NAME_SEPARATOR instead of a space,
# so that a phrase is found within one name only, and each run of whitespace is
# one space (clients.models.naming). Reversible: back, the separator becomes a space.

from django.db import migrations

from clients.models.naming import NAME_SEPARATOR, SEARCHED_NAMES, search_key

BATCH = 2000


def _batches(apps, schema_editor):
    """The clients in batches of BATCH, by id, each with its names and search_name."""
    rows = apps.get_model("clients", "Client")._base_manager.db_manager(
        schema_editor.connection.alias
    )
    last = 0
    while batch := list(
        rows.filter(pk__gt=last).order_by("pk").only("search_name", *SEARCHED_NAMES)[:BATCH]
    ):
        yield rows, batch
        last = batch[-1].pk


def _rewrite(apps, schema_editor, key) -> None:
    for rows, batch in _batches(apps, schema_editor):
        changed = []
        for client in batch:
            value = key(client)
            if value != client.search_name:
                client.search_name = value
                changed.append(client)
        rows.bulk_update(changed, ["search_name"])


def names_apart(apps, schema_editor):
    _rewrite(
        apps, schema_editor, lambda client: search_key(*(getattr(client, n) for n in SEARCHED_NAMES))
    )


def names_together(apps, schema_editor):
    _rewrite(apps, schema_editor, lambda client: client.search_name.replace(NAME_SEPARATOR, " "))


class Migration(migrations.Migration):
    dependencies = [("clients", "0015_client_numbers_moved")]

    operations = [migrations.RunPython(names_apart, names_together, elidable=True)]
