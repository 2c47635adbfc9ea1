"""The R26 rules over the whole file at once, in a few set-based statements: the
file's rows (engine.staging) are matched to their clients and written as the
job's ImportRow rows with their outcome in one INSERT ... SELECT; the numbers
that stay with a client that keeps them are found by one join afterwards."""

import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import F

from clients.access import clients_reachable, reach_condition
from clients.models import Client
from imports import bulk
from imports.engine.staging import FILE_TABLE
from imports.models import ImportJob, ImportRow, RowOutcome
from practice.models import Membership

FAILED, UNCHANGED, UPDATED = (
    str(RowOutcome.FAILED),
    str(RowOutcome.UNCHANGED),
    str(RowOutcome.UPDATED),
)
# Lines whose display name is not the client's, even read loosely; only needed
# when some name differs from its client's in case, spacing or Unicode form.
NAMES_TABLE = "import_names"
TEMP_TABLES = (FILE_TABLE, NAMES_TABLE)
CHUNK_ROWS = 5_000
RECORDED_COLUMNS = [
    "line",
    "company_id",
    "display_name",
    "client_number",
    "client_id",
    "previous_number",
    "outcome",
    "reason",
]


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


def _record(job: ImportJob, clients: str, params: list, *, names_table: bool) -> None:
    """Write every row of the file as one of the job's ImportRow rows, matched to
    its client and with its outcome (R26), the first rule it breaks winning:
    unknown company ID (or a client the runner may not reach), display name,
    empty or too long number (the row on its own), then a company ID repeated
    among the rows that pass those, a number repeated anywhere in the file, and
    a number the client already has (unchanged).

    Names are compared byte for byte unless `names_table`, when NAMES_TABLE
    lists the lines that truly differ."""
    q = bulk.quote
    if names_table:
        names_join = f"LEFT JOIN {q(NAMES_TABLE)} n ON n.line = f.line"
        name_differs = "n.line IS NOT NULL"
    else:
        names_join, name_differs = "", "c.display_name <> f.display_name"
    columns = ", ".join(q(ImportRow._meta.get_field(name).column) for name in RECORDED_COLUMNS)
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
        ), counted AS (
            SELECT own.*,
                   SUM(CASE WHEN own_reason = '' THEN 1 ELSE 0 END)
                       OVER (PARTITION BY client_id) AS rows_of_client,
                   COUNT(*) OVER (PARTITION BY client_number) AS rows_of_number
            FROM own
        ), decided AS (
            SELECT line, company_id, display_name, client_number, client_id, previous_number,
                   CASE WHEN own_reason <> '' OR rows_of_client > 1 OR rows_of_number > 1 THEN %s
                        WHEN client_number = previous_number THEN %s
                        ELSE %s END AS outcome,
                   CASE WHEN own_reason <> '' THEN own_reason
                        WHEN rows_of_client > 1 THEN 'duplicate_company_id'
                        WHEN rows_of_number > 1 THEN 'duplicate_number'
                        ELSE '' END AS reason
            FROM counted
        )
        INSERT INTO {q(ImportRow._meta.db_table)} (firm_id, job_id, undo, {columns})
        SELECT %s, %s, '', {", ".join(RECORDED_COLUMNS)} FROM decided ORDER BY outcome, line
    """  # noqa: S608 - identifiers are the engine's own, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, FAILED, UNCHANGED, UPDATED, job.firm_id, job.pk])


def _names_loosely_equal(job: ImportJob) -> tuple[list[tuple[int]], bool]:
    """Of the rows refused for a display name that differs byte for byte from
    the client's, those that still differ read loosely (`same_name`), and
    whether any does not (so its row must be decided again)."""
    rows = ImportRow.objects.filter(job=job, outcome=FAILED, reason="name_mismatch").annotate(
        client_name=F("client__display_name")
    )
    mismatched, loose = [], False
    for line, name, client_name in rows.values_list("line", "display_name", "client_name"):
        if same_name(name, client_name):
            loose = True
        else:
            mismatched.append((line,))
    return mismatched, loose


def record_rows(job: ImportJob) -> None:
    """Decide and record every row of the staged file (see `_record`)."""
    clients, params = clients_sql(job.firm_id, runner(job))
    _record(job, clients, list(params), names_table=False)
    mismatched, loose = _names_loosely_equal(job)
    if loose:
        # Rare: a name differs only in case or spacing. Its row passes, which
        # may change what the rules decide for its client's other rows.
        ImportRow.objects.filter(job=job).delete()
        bulk.temp_table_create(NAMES_TABLE, [("line", "int")])
        bulk.copy_into(NAMES_TABLE, ["line"], mismatched)
        bulk.analyze(NAMES_TABLE)
        _record(job, clients, list(params), names_table=True)
    bulk.temp_tables_drop(*TEMP_TABLES)


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


def conflicts(moving, target: str, firm_id: int) -> list[tuple[int, int, int, bool]]:
    """(row, client, holder, holder_moves) for moving rows whose `target` number
    is held by another client of the firm; holder_moves tells whether that client
    is itself among the moving rows. Joins rather than a lookup per row: every
    row of a large file is checked, and only swaps and clashes come back."""
    moving_sql, params = (
        moving.annotate(m_id=F("pk"), m_client=F("client_id"), m_target=F(target))
        .values("m_id", "m_client", "m_target")
        .query.sql_with_params()
    )
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


def fail_rows(qs, ids: list[int], **fields) -> None:
    for start in range(0, len(ids), CHUNK_ROWS):
        qs.filter(pk__in=ids[start : start + CHUNK_ROWS]).update(**fields)


def numbers_taken(job: ImportJob, rows) -> list[int]:
    """Refuse the moving `rows` whose number stays with a client that keeps it
    ("number_taken"), and return the clients whose number must be cleared
    before the others are written (swaps and rotations)."""
    failed, clear = cascade(conflicts(rows, "client_number", job.firm_id))
    fail_rows(rows, failed, outcome=FAILED, reason="number_taken")
    return clear
