"""The R26 rules over the whole file at once, in a few set-based statements: the
file's rows (engine.staging) are matched to their clients, then each gets its
outcome: the rules a row breaks on its own, repeated company IDs and numbers,
unchanged numbers, and numbers that stay with a client that keeps them."""

import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection

from clients.access import clients_reachable, reach_condition
from clients.models import Client
from imports import bulk
from imports.engine.staging import FILE_TABLE
from imports.models import ImportJob, RowOutcome
from practice.models import Membership

FAILED, UNCHANGED, UPDATED = (
    str(RowOutcome.FAILED),
    str(RowOutcome.UNCHANGED),
    str(RowOutcome.UPDATED),
)
# Each row matched to its client; the name of a client only where it differs.
MATCHED_TABLE = "import_matched"
MATCHED_COLUMNS = [
    ("line", "int"),
    ("company_id", "code"),
    ("display_name", "text"),
    ("client_number", "code"),
    ("own_reason", "text"),
    ("client_id", "int"),
    ("previous_number", "code"),
    ("client_name", "text"),
]
# Lines whose display name is not the client's, even read loosely.
NAMES_TABLE = "import_names"
# Every row with its outcome and reason: what the import records and applies.
ROWS_TABLE = "import_rows"
ROWS_COLUMNS = [
    ("line", "int"),
    ("company_id", "code"),
    ("display_name", "text"),
    ("client_number", "code"),
    ("client_id", "int"),
    ("previous_number", "code"),
    ("outcome", "text"),
    ("reason", "text"),
]
# Lines refused because the number they want stays with its holder.
TAKEN_TABLE = "import_taken"
TEMP_TABLES = (FILE_TABLE, MATCHED_TABLE, NAMES_TABLE, ROWS_TABLE, TAKEN_TABLE)


def same_name(a: str, b: str) -> bool:
    """Display names match ignoring case, Unicode form and spacing (R26)."""
    if a == b:
        return True

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).split()).casefold()

    return norm(a) == norm(b)


def runner(job: ImportJob) -> Membership | None:
    """The member who runs the import when their client access is restricted (R30)."""
    membership = (
        Membership.objects.filter(firm=job.firm_id, user=job.created_by_id)
        .select_related("firm")
        .first()
    )
    if membership is None or reach_condition(membership) is None:
        return None
    return membership


def clients_sql(firm_id: int, membership: Membership | None) -> tuple[str, tuple]:
    """The firm's clients the runner may reach, as SQL: a client they may not
    reach is as unknown as a missing company ID. The firm is named in the query
    itself, whatever the scope."""
    clients = Client.objects.filter(firm_id=firm_id)
    if membership is not None:
        clients = clients_reachable(membership=membership).filter(firm_id=firm_id)
    query = clients.values("id", "company_id", "display_name", "client_number").query
    return query.sql_with_params()


def match(job: ImportJob) -> None:
    """Match every staged row to its client by company ID, in one join."""
    clients, params = clients_sql(job.firm_id, runner(job))
    q = bulk.quote
    bulk.temp_table_fill(
        MATCHED_TABLE,
        MATCHED_COLUMNS,
        f"""SELECT f.line, f.company_id, f.display_name, f.client_number, f.own_reason,
                   c.id, c.client_number,
                   CASE WHEN c.display_name <> f.display_name THEN c.display_name END
            FROM {q(FILE_TABLE)} f
            LEFT JOIN ({clients}) c ON c.company_id = f.company_id AND f.company_id <> ''""",  # noqa: S608
        list(params),
    )
    bulk.temp_tables_drop(FILE_TABLE)


def _mismatched_names() -> list[tuple[int]]:
    """The lines whose display name differs from their client's even read
    loosely; only names that differ byte for byte are read back to compare."""
    mismatched = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT line, display_name, client_name FROM {bulk.quote(MATCHED_TABLE)}"  # noqa: S608
            " WHERE client_name IS NOT NULL"
        )
        while batch := cursor.fetchmany(2000):
            mismatched += [(line,) for line, name, other in batch if not same_name(name, other)]
    return mismatched


def decide() -> None:
    """Give each matched row its outcome and reason (R26), the first rule it
    breaks winning: unknown company ID, display name, empty or too long number
    (the row on its own), then a company ID repeated among the rows that pass
    those, a number repeated anywhere in the file, and a number the client
    already has (unchanged). Numbers held by other clients are `numbers_taken`'s."""
    bulk.temp_table_create(NAMES_TABLE, [("line", "int")])
    bulk.copy_into(NAMES_TABLE, ["line"], _mismatched_names())
    bulk.analyze(NAMES_TABLE)
    q = bulk.quote
    sql = f"""
        WITH own AS (
            SELECT m.line, m.company_id, m.display_name, m.client_number, m.client_id,
                   m.previous_number,
                   CASE WHEN m.client_id IS NULL THEN 'unknown_company_id'
                        WHEN n.line IS NOT NULL THEN 'name_mismatch'
                        ELSE m.own_reason END AS own_reason
            FROM {q(MATCHED_TABLE)} m LEFT JOIN {q(NAMES_TABLE)} n ON n.line = m.line
        ), counted AS (
            SELECT own.*,
                   SUM(CASE WHEN own_reason = '' THEN 1 ELSE 0 END)
                       OVER (PARTITION BY client_id) AS rows_of_client,
                   COUNT(*) OVER (PARTITION BY client_number) AS rows_of_number
            FROM own
        )
        SELECT line, company_id, display_name, client_number, client_id, previous_number,
               CASE WHEN own_reason <> '' OR rows_of_client > 1 OR rows_of_number > 1 THEN %s
                    WHEN client_number = previous_number THEN %s
                    ELSE %s END,
               CASE WHEN own_reason <> '' THEN own_reason
                    WHEN rows_of_client > 1 THEN 'duplicate_company_id'
                    WHEN rows_of_number > 1 THEN 'duplicate_number'
                    ELSE '' END
        FROM counted
    """  # noqa: S608 - identifiers are the engine's own, values are parameters
    bulk.temp_table_fill(ROWS_TABLE, ROWS_COLUMNS, sql, [FAILED, UNCHANGED, UPDATED])
    bulk.temp_tables_drop(MATCHED_TABLE, NAMES_TABLE)


def cascade(conflicts: Iterable[tuple[int, int, int, bool]]) -> tuple[list[int], list[int]]:
    """Rows that must fail because the number they want stays with its holder,
    and the holders to clear before the numbers are written.

    `conflicts` holds (row id, row's client, holder of the wanted number, whether
    the holder's own number changes in this run). A failing row keeps its client's
    number, so rows wanting that number fail in turn. A holder whose number moves
    on is cleared first, so that no write trips the per-firm unique constraint."""
    waiting: dict[int, list[tuple[int, int]]] = defaultdict(list)
    failing: list[tuple[int, int]] = []
    wanted_from: list[tuple[int, int]] = []
    for row_id, client_id, holder_id, holder_moves in conflicts:
        if holder_moves:
            waiting[holder_id].append((row_id, client_id))
            wanted_from.append((row_id, holder_id))
        else:
            failing.append((row_id, client_id))
    failed: list[int] = []
    while failing:
        row_id, client_id = failing.pop()
        failed.append(row_id)
        failing.extend(waiting.pop(client_id, ()))
    refused = set(failed)
    clear = sorted({holder for row_id, holder in wanted_from if row_id not in refused})
    return failed, clear


def conflicts(moving_sql: str, params: list, firm_id: int) -> list[tuple[int, int, int, bool]]:
    """(row, client, holder, holder_moves) for moving rows whose target number is
    held by another client of the firm; holder_moves tells whether that client is
    itself among the moving rows. `moving_sql` selects (m_id, m_client, m_target).
    Joins rather than a lookup per row: every row of a large file is checked, and
    only swaps and clashes come back."""
    clients = bulk.quote(Client._meta.db_table)
    sql = f"""
        SELECT m.m_id, m.m_client, c.id,
               c.id IN (SELECT n.m_client FROM ({moving_sql}) n)
        FROM ({moving_sql}) m
        JOIN {clients} c
          ON c.firm_id = %s AND c.client_number = m.m_target AND c.id <> m.m_client
        WHERE m.m_target IS NOT NULL
    """  # noqa: S608 - identifiers come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params, firm_id])
        return [(row, client, holder, bool(moves)) for row, client, holder, moves in cursor]


def numbers_taken(firm_id: int) -> list[int]:
    """Refuse the moving rows whose number stays with a client that keeps it
    ("number_taken"), and return the clients whose number must be cleared
    before the others are written (swaps and rotations)."""
    q = bulk.quote
    moving = (
        f"SELECT line AS m_id, client_id AS m_client, client_number AS m_target"  # noqa: S608
        f" FROM {q(ROWS_TABLE)} WHERE outcome = %s"
    )
    failed, clear = cascade(conflicts(moving, [UPDATED], firm_id))
    if failed:
        bulk.temp_table_create(TAKEN_TABLE, [("line", "int")])
        bulk.copy_into(TAKEN_TABLE, ["line"], ((line,) for line in failed))
        bulk.analyze(TAKEN_TABLE)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {q(ROWS_TABLE)} SET outcome = %s, reason = 'number_taken'"  # noqa: S608
                f" WHERE line IN (SELECT line FROM {q(TAKEN_TABLE)})",
                [FAILED],
            )
    return clear


def check_whole_file(job: ImportJob) -> list[int]:
    """Decide every row's outcome into ROWS_TABLE; return the clients to clear
    before applying (see `numbers_taken`)."""
    match(job)
    decide()
    return numbers_taken(job.firm_id)
