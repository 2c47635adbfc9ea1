"""Writing what an import decided: the client numbers and the import's rows; and
giving back the previous numbers when an import is undone."""

from django.db import connection
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from clients.models import Client
from imports import bulk
from imports.engine.checks import ROWS_TABLE, UPDATED, cascade, conflicts
from imports.models import ImportJob, ImportRow, RowOutcome
from practice.models import Firm

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


def apply_numbers(*, firm: Firm, moving: tuple[str, list], clear: list[int]) -> None:
    """Give each client its new number in one statement. `moving` is SQL (and its
    parameters) selecting (client_id, new_number); the clients in `clear` hold a
    number another client takes and lose it first, so that no write trips the
    per-firm unique constraint on the way."""
    for start in range(0, len(clear), CHUNK_ROWS):
        Client.objects.filter(firm=firm, pk__in=clear[start : start + CHUNK_ROWS]).update(
            client_number=None
        )
    moving_sql, params = moving
    table = bulk.quote(Client._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET client_number = m.new_number, version = version + 1,"  # noqa: S608
            f" updated_at = %s FROM ({moving_sql}) m"
            f" WHERE {table}.id = m.client_id AND {table}.firm_id = %s",
            [timezone.now(), *params, firm.pk],
        )


def decided_moves() -> tuple[str, list]:
    """The rows an import updates, as `apply_numbers` takes them."""
    return (
        f"SELECT client_id, client_number AS new_number FROM {bulk.quote(ROWS_TABLE)}"  # noqa: S608
        " WHERE outcome = %s",
        [UPDATED],
    )


def rows_record(job: ImportJob) -> dict[str, int]:
    """Store every decided row as the job's ImportRow (the preview, error log,
    history and undo read them) in one statement; return the count per outcome."""
    q = bulk.quote
    columns = ", ".join(q(ImportRow._meta.get_field(name).column) for name in RECORDED_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(ImportRow._meta.db_table)}"  # noqa: S608
            f" (firm_id, job_id, undo, {columns})"
            f" SELECT %s, %s, '', {', '.join(RECORDED_COLUMNS)} FROM {q(ROWS_TABLE)}"
            " ORDER BY line",
            [job.firm_id, job.pk],
        )
        cursor.execute(f"SELECT outcome, COUNT(*) FROM {q(ROWS_TABLE)} GROUP BY outcome")  # noqa: S608
        return dict(cursor.fetchall())


def fail_rows(qs, ids: list[int], **fields) -> None:
    for start in range(0, len(ids), CHUNK_ROWS):
        qs.filter(pk__in=ids[start : start + CHUNK_ROWS]).update(**fields)


def numbers_restore(*, firm: Firm, job: ImportJob) -> tuple[int, int]:
    """Give back the numbers `job` replaced, marking each updated row "restored",
    "changed_since" (its client's number changed since: it keeps it) or
    "number_taken" (its previous number belongs to a client that keeps it).
    Returns (restored, not restored). Run inside the undo's transaction."""
    rows = ImportRow.objects.filter(job=job, outcome=RowOutcome.UPDATED)
    rows.update(undo="")
    current = Client.objects.filter(firm_id=OuterRef("firm_id"), pk=OuterRef("client_id")).values(
        "client_number"
    )[:1]
    changed = list(
        rows.annotate(current=Subquery(current))
        .exclude(current=F("client_number"))
        .values_list("pk", flat=True)
    )
    fail_rows(rows, changed, undo="changed_since")
    moving = rows.filter(undo="")
    targets_sql, params = (
        moving.annotate(m_id=F("pk"), m_client=F("client_id"), m_target=F("previous_number"))
        .values("m_id", "m_client", "m_target")
        .query.sql_with_params()
    )
    taken, clear = cascade(conflicts(targets_sql, list(params), firm.pk))
    fail_rows(rows, taken, undo="number_taken")
    pairs_sql, params = (
        moving.annotate(new_number=F("previous_number"))
        .values("client_id", "new_number")
        .query.sql_with_params()
    )
    apply_numbers(firm=firm, moving=(pairs_sql, list(params)), clear=clear)
    restored = moving.update(undo="restored")
    return restored, len(changed) + len(taken)
