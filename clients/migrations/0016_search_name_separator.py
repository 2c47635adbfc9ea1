# Each client's search_name joins its names with NAME_SEPARATOR instead of a space,
# so that a phrase is found within one name only, and each run of whitespace is
# one space (clients.models.naming). Reversible: back, the separator becomes a space.

from django.db import migrations

from clients.models.naming import NAME_SEPARATOR, SEARCHED_NAMES, search_key

BATCH = 5000


def _rewrite(apps, schema_editor, key) -> None:
    """search_name = key(search_name, names) for every client whose value changes,
    BATCH clients at a time by id; nothing else of the row is written."""
    model = apps.get_model("clients", "Client")
    connection = schema_editor.connection
    rows = model._base_manager.db_manager(connection.alias).order_by("pk")
    table = schema_editor.quote_name(model._meta.db_table)
    last = 0
    while batch := list(
        rows.filter(pk__gt=last).values_list("pk", "search_name", *SEARCHED_NAMES)[:BATCH]
    ):
        last = batch[-1][0]
        changed = [
            (value, pk) for pk, old, *names in batch if (value := key(old, names)) != old
        ]
        if not changed:
            continue
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # one statement per batch
                values, ids = zip(*changed, strict=True)
                cursor.execute(
                    f"UPDATE {table} SET search_name = v.value"  # noqa: S608
                    " FROM unnest(%s::text[], %s::bigint[]) AS v(value, id)"
                    f" WHERE {table}.id = v.id",
                    [list(values), list(ids)],
                )
            else:
                cursor.executemany(
                    f"UPDATE {table} SET search_name = %s WHERE id = %s",  # noqa: S608
                    changed,
                )


def names_apart(apps, schema_editor):
    _rewrite(apps, schema_editor, lambda _old, names: search_key(*names))


def names_together(apps, schema_editor):
    _rewrite(apps, schema_editor, lambda old, _names: old.replace(NAME_SEPARATOR, " "))


class Migration(migrations.Migration):
    dependencies = [("clients", "0015_client_numbers_moved")]

    operations = [migrations.RunPython(names_apart, names_together, elidable=True)]
