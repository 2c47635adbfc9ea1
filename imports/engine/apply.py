"""Writing client numbers: an import's new numbers, or the previous ones given
back when it is undone."""

from itertools import batched

from django.db import connection
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from clients.models import ClientNumber
from imports import bulk
from imports.engine.checks import cascade, conflicts
from imports.models import ImportJob, ImportRow, RowOutcome
from practice.models import Firm

CHUNK_ROWS = 5_000


def apply_numbers(*, firm: Firm, moves: tuple[str, list], clear: list[int]) -> None:
    """Give each client its new number in one statement, on the numbers' own
    table (clients.models.numbering): the clients' rows are left alone, and each
    number's version moves on. `moves` is SQL (and its parameters) selecting
    (client_id, new_number); the clients in `clear` hold a number another client
    takes and lose it first, so that no write trips the per-firm unique
    constraint on the way. The moves are then counted: a client whose number row
    is missing (one written around the models) gets its row by an INSERT, the
    only case that runs one."""
    for chunk in batched(clear, CHUNK_ROWS):
        ClientNumber.objects.filter(firm=firm, client_id__in=chunk).update(number=None)
    moves_sql, params = moves
    table = bulk.quote(ClientNumber._meta.db_table)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET number = m.new_number, version = version + 1,"  # noqa: S608
            f" updated_at = %s FROM ({moves_sql}) m"
            f" WHERE {table}.client_id = m.client_id AND {table}.firm_id = %s",
            [now, *params, firm.pk],
        )
        written = cursor.rowcount
        cursor.execute(f"SELECT COUNT(*) FROM ({moves_sql}) m", params)  # noqa: S608
        if written < cursor.fetchone()[0]:
            # A client without its number row (one written around the models):
            # it gets one now rather than a number silently not written.
            cursor.execute(
                f"INSERT INTO {table} (firm_id, client_id, number, version, updated_at)"  # noqa: S608
                f" SELECT %s, m.client_id, m.new_number, 1, %s FROM ({moves_sql}) m"
                f" WHERE NOT EXISTS (SELECT 1 FROM {table} n"
                " WHERE n.firm_id = %s AND n.client_id = m.client_id)",
                [firm.pk, now, *params, firm.pk],
            )


def _fail_rows(qs, ids: list[int], **fields) -> None:
    for chunk in batched(ids, CHUNK_ROWS):
        qs.filter(pk__in=chunk).update(**fields)


def _sql(qs, *fields: str, **columns) -> tuple[str, list]:
    sql, params = qs.annotate(**columns).values(*fields, *columns).query.sql_with_params()
    return sql, list(params)


def numbers_restore(*, firm: Firm, job: ImportJob) -> tuple[int, int]:
    """Give back the numbers `job` replaced, marking each updated row "restored",
    "changed_since" (its client's number changed since: it keeps it) or
    "number_taken" (its previous number belongs to a client that keeps it).
    Returns (restored, not restored). Run inside the undo's transaction."""
    rows = ImportRow.objects.filter(job=job, outcome=RowOutcome.UPDATED)
    rows.update(undo="")
    current = ClientNumber.objects.filter(
        firm_id=OuterRef("firm_id"), client_id=OuterRef("client_id")
    ).values("number")[:1]
    changed = list(
        rows.annotate(current=Subquery(current))
        .exclude(current=F("client_number"))
        .values_list("pk", flat=True)
    )
    _fail_rows(rows, changed, undo="changed_since")
    moving = rows.filter(undo="")
    targets = _sql(moving, m_id=F("pk"), m_client=F("client_id"), m_target=F("previous_number"))
    taken, clear = cascade(conflicts(*targets, firm.pk))
    _fail_rows(rows, taken, undo="number_taken")
    moves = _sql(moving, "client_id", new_number=F("previous_number"))
    apply_numbers(firm=firm, moves=moves, clear=clear)
    restored = moving.update(undo="restored")
    return restored, len(changed) + len(taken)
