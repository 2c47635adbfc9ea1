"""Writing client numbers: an import's new numbers, or the previous ones given
back when it is undone."""

from django.db import connection
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from clients.models import Client
from imports import bulk
from imports.engine.checks import CHUNK_ROWS, cascade, conflicts, fail_rows
from imports.models import ImportJob, ImportRow, RowOutcome
from practice.models import Firm


def apply_numbers(*, firm: Firm, moving, target: str, clear: list[int]) -> None:
    """Give each moving row's client its `target` number in one statement. The
    clients in `clear` hold a number another client takes and lose it first, so
    that no write trips the per-firm unique constraint on the way."""
    for start in range(0, len(clear), CHUNK_ROWS):
        Client.objects.filter(firm=firm, pk__in=clear[start : start + CHUNK_ROWS]).update(
            client_number=None
        )
    targets_sql, params = (
        moving.annotate(new_number=F(target))
        .values("client_id", "new_number")
        .query.sql_with_params()
    )
    table = bulk.quote(Client._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET client_number = m.new_number, version = version + 1,"  # noqa: S608
            f" updated_at = %s FROM ({targets_sql}) m"
            f" WHERE {table}.id = m.client_id AND {table}.firm_id = %s",
            [timezone.now(), *params, firm.pk],
        )


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
    taken, clear = cascade(conflicts(moving, "previous_number", firm.pk))
    fail_rows(rows, taken, undo="number_taken")
    apply_numbers(firm=firm, moving=moving, target="previous_number", clear=clear)
    restored = moving.update(undo="restored")
    return restored, len(changed) + len(taken)
