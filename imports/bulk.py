"""Fast bulk writes for large imports: COPY and INSERT ... SELECT on PostgreSQL,
the ORM elsewhere (SQLite in development and local tests)."""

from collections.abc import Iterable

from django.db import connection


def copy_rows(model, columns: list[str], rows: Iterable[tuple]) -> None:
    """Insert `rows` (tuples in `columns` order) into `model`'s table."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=1000
        )
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    statement = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
