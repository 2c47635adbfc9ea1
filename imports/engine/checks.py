"""The R26 rules over the whole file at once, in a few set-based statements: the
file's rows (engine.staging) are matched to their clients and given their
outcome in one INSERT ... SELECT into a temporary table of decided rows; the
numbers that stay with a client that keeps them are found by one join after."""

import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection

from clients.access import clients_reachable, reach_condition
from clients.models import Client, ClientNumber
from imports import bulk
from imports.engine.staging import FILE_TABLE
from imports.models import ImportJob, RowOutcome
from practice.models import Membership

FAILED, UNCHANGED, UPDATED = (
    str(RowOutcome.FAILED),
    str(RowOutcome.UNCHANGED),
    str(RowOutcome.UPDATED),
)
# Every row with its outcome and reason: what the import applies and records.
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
# Lines whose display name is not the client's, even read loosely; only needed
# when some name differs from its client's in case, spacing or Unicode form.
NAMES_TABLE = "import_names"
# Lines refused because the number they want stays with its holder.
TAKEN_TABLE = "import_taken"
# The one column of both.
LINES_COLUMNS = [("line", "int")]
TEMP_TABLES = (FILE_TABLE, ROWS_TABLE, NAMES_TABLE, TAKEN_TABLE)


def same_name(a: str, b: str) -> bool:
    """Display names match ignoring case, Unicode form and spacing (R26)."""

    def words(text: str) -> list[str]:
        return unicodedata.normalize("NFC", text).casefold().split()

    return words(a) == words(b)


def runner(job: ImportJob) -> Membership | None:
    """The member who runs the import when their client access is restricted (R30)."""
    membership = Membership.objects.filter(firm=job.firm_id, user=job.created_by_id).first()
    if membership is None or reach_condition(membership) is None:
        return None
    return membership


def clients_sql(firm_id: int, membership: Membership | None) -> tuple[str, list]:
    """The firm's clients the runner may reach, as SQL: a client they may not
    reach is as unknown as a missing company ID. The firm is named in the query
    itself, whatever the scope."""
    clients = Client.objects.filter(firm_id=firm_id)
    if membership is not None:
        clients = clients_reachable(membership=membership).filter(firm_id=firm_id)
    sql, params = clients.values(
        "id", "company_id", "display_name", "client_number"
    ).query.sql_with_params()
    return sql, list(params)


def _company_ids_repeat() -> bool:
    """Whether any company ID is given more than once in the file (rarely)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {bulk.quote(FILE_TABLE)}"  # noqa: S608
            " GROUP BY company_id HAVING COUNT(*) > 1 LIMIT 1"
        )
        return cursor.fetchone() is not None


def _decide(clients: str, params: list, *, names_table: bool, ids_repeat: bool) -> None:
    """Fill ROWS_TABLE with every row of the file, matched to its client and with
    its outcome (R26), the first rule it breaks winning: unknown company ID (or a
    client the runner may not reach), display name, empty or too long number (the
    row on its own), then a company ID repeated among the rows that pass those, a
    number repeated anywhere in the file, and a number the client already has
    (unchanged). Names compare byte for byte, unless `names_table`, when
    NAMES_TABLE lists the lines that differ even read loosely. Repeats are found
    by hashing (GROUP BY, then joins), cheaper than sorting the file per rule;
    repeated company IDs are only looked for if `ids_repeat`."""
    q = bulk.quote
    if names_table:
        names_join = f"LEFT JOIN {q(NAMES_TABLE)} n ON n.line = f.line"
        name_differs = "n.line IS NOT NULL"
    else:
        names_join, name_differs = "", "c.display_name <> f.display_name"
    if ids_repeat:
        repeated_ids = """, repeated_ids AS (
            SELECT client_id FROM own WHERE own_reason = ''
            GROUP BY client_id HAVING COUNT(*) > 1
        )"""
        ids_join = "LEFT JOIN repeated_ids ri ON ri.client_id = own.client_id"
        repeated_id = "ri.client_id IS NOT NULL"
    else:
        repeated_ids, ids_join, repeated_id = "", "", "1 = 0"
    bulk.temp_table_create(ROWS_TABLE, ROWS_COLUMNS)
    columns = ", ".join(name for name, _kind in ROWS_COLUMNS)
    sql = f"""
        WITH own AS (
            SELECT f.line, f.company_id, f.display_name, f.client_number,
                   c.id AS client_id, c.client_number AS previous_number,
                   CASE WHEN c.id IS NULL THEN 'unknown_company_id'
                        WHEN {name_differs} THEN 'name_mismatch'
                        ELSE f.own_reason END AS own_reason
            FROM {q(FILE_TABLE)} f
            LEFT JOIN ({clients}) c ON c.company_id = f.company_id AND f.company_id <> ''
            {names_join}
        ){repeated_ids}, repeated_numbers AS (
            SELECT client_number FROM {q(FILE_TABLE)}
            GROUP BY client_number HAVING COUNT(*) > 1
        ), counted AS (
            SELECT own.*, {repeated_id} AS repeated_id,
                   rn.client_number IS NOT NULL AS repeated_number
            FROM own
            {ids_join}
            LEFT JOIN repeated_numbers rn ON rn.client_number = own.client_number
        )
        INSERT INTO {q(ROWS_TABLE)} ({columns})
        SELECT line, company_id, display_name, client_number, client_id, previous_number,
               CASE WHEN own_reason <> '' OR repeated_id OR repeated_number THEN %s
                    WHEN client_number = previous_number THEN %s
                    ELSE %s END,
               CASE WHEN own_reason <> '' THEN own_reason
                    WHEN repeated_id THEN 'duplicate_company_id'
                    WHEN repeated_number THEN 'duplicate_number'
                    ELSE '' END
        FROM counted
    """  # noqa: S608 - identifiers are the engine's own, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, FAILED, UNCHANGED, UPDATED])
    bulk.analyze(ROWS_TABLE)  # pragma: no mutate (statistics: PostgreSQL only)


def _names_differing(firm_id: int) -> tuple[list[tuple[int]], bool]:
    """Of the rows refused for a display name that differs byte for byte from
    their client's, the lines that still differ read loosely (`same_name`), and
    whether any does not (so its row must be decided again)."""
    q = bulk.quote
    mismatched, loose = [], False
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.line, r.display_name, c.display_name FROM {q(ROWS_TABLE)} r"  # noqa: S608
            f" JOIN {q(Client._meta.db_table)} c ON c.id = r.client_id AND c.firm_id = %s"
            " WHERE r.reason = 'name_mismatch'",
            [firm_id],
        )
        for line, name, client_name in cursor:
            if same_name(name, client_name):
                loose = True
            else:
                mismatched.append((line,))
    return mismatched, loose


def decide(job: ImportJob) -> None:
    """Decide every row of the staged file into ROWS_TABLE (see `_decide`)."""
    clients, params = clients_sql(job.firm_id, runner(job))
    ids_repeat = _company_ids_repeat()
    _decide(clients, params, names_table=False, ids_repeat=ids_repeat)
    mismatched, loose = _names_differing(job.firm_id)
    if loose:
        # Rare: a name differs only in case or spacing. Its row passes, which
        # may change what the rules decide for its client's other rows.
        bulk.temp_table_create(NAMES_TABLE, LINES_COLUMNS)
        bulk.copy_into(NAMES_TABLE, [name for name, _kind in LINES_COLUMNS], mismatched)
        bulk.analyze(NAMES_TABLE)  # pragma: no mutate (statistics: PostgreSQL only)
        _decide(clients, params, names_table=True, ids_repeat=ids_repeat)
    bulk.temp_tables_drop(FILE_TABLE, NAMES_TABLE)


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
    numbers = bulk.quote(ClientNumber._meta.db_table)
    sql = f"""
        SELECT m.m_id, m.m_client, c.client_id,
               c.client_id IN (SELECT n.m_client FROM ({moving_sql}) n)
        FROM ({moving_sql}) m
        JOIN {numbers} c
          ON c.firm_id = %s AND c.number = m.m_target AND c.client_id <> m.m_client
        WHERE m.m_target IS NOT NULL
    """  # noqa: S608 - identifiers come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params, firm_id])
        return [(row, client, holder, bool(moves)) for row, client, holder, moves in cursor]


def numbers_taken(job: ImportJob) -> list[int]:
    """Refuse the decided rows whose number stays with a client that keeps it
    ("number_taken"), and return the clients whose number must be cleared
    before the others are written (swaps and rotations)."""
    q = bulk.quote
    moving = (
        "SELECT line AS m_id, client_id AS m_client, client_number AS m_target"  # noqa: S608
        f" FROM {q(ROWS_TABLE)} WHERE outcome = %s"
    )
    failed, clear = cascade(conflicts(moving, [UPDATED], job.firm_id))
    if failed:
        bulk.temp_table_create(TAKEN_TABLE, LINES_COLUMNS)
        bulk.copy_into(
            TAKEN_TABLE, [name for name, _kind in LINES_COLUMNS], [(line,) for line in failed]
        )
        bulk.analyze(TAKEN_TABLE)  # pragma: no mutate (statistics: PostgreSQL only)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {q(ROWS_TABLE)} SET outcome = %s, reason = 'number_taken'"  # noqa: S608
                f" WHERE line IN (SELECT line FROM {q(TAKEN_TABLE)})",
                [FAILED],
            )
    return clear


def moves() -> tuple[str, list]:
    """The decided rows that change a number, as (client_id, new_number) SQL."""
    return (
        f"SELECT client_id, client_number AS new_number FROM {bulk.quote(ROWS_TABLE)}"  # noqa: S608
        " WHERE outcome = %s",
        [UPDATED],
    )


def counts() -> dict[str, int]:
    """The decided rows per outcome."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT outcome, COUNT(*) FROM {bulk.quote(ROWS_TABLE)} GROUP BY outcome")  # noqa: S608
        return dict(cursor.fetchall())
