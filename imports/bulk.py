"""The database-specific part of the import engine, kept in one place.

The engine works on session-private temporary tables with set-based SQL that
both databases understand. What differs is how rows get into those tables
(COPY on PostgreSQL, batched INSERTs on SQLite), the column types (PostgreSQL
compares codes byte by byte, collation "C", as SQLite always does) and the
planner's housekeeping (statistics, memory for sorts and hashes)."""

from collections.abc import Iterable
from itertools import batched

from django.db import connection, transaction

# A column of a temporary table: its name and one of these kinds, typed per
# database (connection.vendor).
TYPES = {
    "postgresql": {"int": "bigint", "text": "text", "code": 'text COLLATE "C"'},
    "sqlite": {"int": "integer", "text": "text", "code": "text"},
}
INSERT_BATCH = 1000


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def temp_table_create(name: str, columns: list[tuple[str, str]]) -> None:
    """(Re)create the temporary table `name`; visible to this connection only."""
    # Another database is typed as SQLite is (plain SQL types), as before.
    types = TYPES.get(connection.vendor, TYPES["sqlite"])
    spec = ", ".join(f"{quote(column)} {types[kind]}" for column, kind in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(name)}")
        cursor.execute(f"CREATE TEMPORARY TABLE {quote(name)} ({spec})")


def temp_tables_drop(*names: str) -> None:
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TABLE IF EXISTS {quote(name)}")


def copy_into(table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    """Append `rows` (tuples in `columns` order) to `table`."""
    names = ", ".join(quote(column) for column in columns)
    if connection.vendor == "postgresql":  # pragma: no mutate block (PostgreSQL only)
        statement = f"COPY {quote(table)} ({names}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    statement = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608
    # One transaction for all, not one per row.
    with transaction.atomic(), connection.cursor() as cursor:
        for batch in batched(rows, INSERT_BATCH):
            cursor.executemany(statement, batch)


def analyze(table: str) -> None:
    """Fresh statistics for a table just filled (autovacuum never sees
    temporary tables), so joins over it are planned for its real size. A small
    sample is enough for that, and several times cheaper than the default."""
    if connection.vendor == "postgresql":  # pragma: no mutate block (PostgreSQL only)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL default_statistics_target = 10")
            cursor.execute(f"ANALYZE {quote(table)}")


def large_work_memory() -> None:
    """Until the transaction ends, let sorts and hashes over a whole file stay in
    memory (the server's default is sized for many small queries)."""
    if connection.vendor == "postgresql":  # pragma: no mutate block (PostgreSQL only)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
