"""The R26 rules that need the whole file: repeated company IDs and numbers,
unchanged numbers, and numbers that stay with a client that keeps them."""

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, F, Q

from clients.models import Client
from imports.engine.staging import CHUNK_ROWS
from imports.models import RowOutcome


def cascade(conflicts: Iterable[tuple[int, int, int, bool]]) -> list[int]:
    """Rows that must fail because the number they want stays with its holder.

    `conflicts` holds (row id, row's client, holder of the wanted number, whether
    the holder's own number changes in this run). A failing row keeps its client's
    number, so rows wanting that number fail in turn."""
    waiting: dict[int, list[tuple[int, int]]] = defaultdict(list)
    failing: list[tuple[int, int]] = []
    for row_id, client_id, holder_id, holder_moves in conflicts:
        if holder_moves:
            waiting[holder_id].append((row_id, client_id))
        else:
            failing.append((row_id, client_id))
    failed: list[int] = []
    while failing:
        row_id, client_id = failing.pop()
        failed.append(row_id)
        failing.extend(waiting.pop(client_id, ()))
    return failed


def fail_rows(qs, ids: list[int], **fields) -> None:
    for start in range(0, len(ids), CHUNK_ROWS):
        qs.filter(pk__in=ids[start : start + CHUNK_ROWS]).update(**fields)


def conflicts(moving, target: str, firm_id: int):
    """(row, client, holder, holder_moves) for moving rows whose target number is
    held by another client of the firm; holder_moves tells whether that client is
    itself among the moving rows. Joins rather than a lookup per row: every row of
    a large file is checked, and only swaps and clashes come back."""
    moving_sql, params = (
        moving.annotate(m_id=F("pk"), m_client=F("client_id"), m_target=F(target))
        .values("m_id", "m_client", "m_target")
        .query.sql_with_params()
    )
    clients = connection.ops.quote_name(Client._meta.db_table)
    sql = f"""
        SELECT m.m_id, m.m_client, c.id, (h.m_client IS NOT NULL)
        FROM ({moving_sql}) m
        JOIN {clients} c
          ON c.firm_id = %s AND c.client_number = m.m_target AND c.id <> m.m_client
        LEFT JOIN (SELECT DISTINCT n.m_client FROM ({moving_sql}) n) h ON h.m_client = c.id
        WHERE m.m_target IS NOT NULL
    """  # noqa: S608 - identifiers come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, firm_id, *params])
        return [(row, client, holder, bool(moves)) for row, client, holder, moves in cursor]


def _refresh_previous_numbers(candidates) -> None:
    """Numbers were read while staging; correct the few edited since, by hand."""
    current = F("client__client_number")
    drifted = candidates.filter(
        Q(client__client_number__isnull=True, previous_number__isnull=False)
        | Q(client__client_number__isnull=False, previous_number__isnull=True)
        | (~Q(previous_number=current) & Q(previous_number__isnull=False))
    ).values_list("pk", "client__client_number")
    for pk, number in list(drifted):
        candidates.filter(pk=pk).update(previous_number=number)


def check_whole_file(*, rows, candidates, firm_id: int) -> None:
    """Move the staged `candidates` (rows that passed the per-row checks, staged
    as "updated") that break a whole-file rule to "failed" or "unchanged"."""
    candidates.filter(client__isnull=True).update(
        outcome=RowOutcome.FAILED, reason="unknown_company_id"
    )
    _refresh_previous_numbers(candidates)
    repeated_ids = (
        candidates.values("client_id").annotate(n=Count("pk")).filter(n__gt=1).values("client_id")
    )
    candidates.filter(client_id__in=repeated_ids).update(
        outcome=RowOutcome.FAILED, reason="duplicate_company_id"
    )
    repeated_numbers = (
        rows.exclude(client_number="")
        .values("client_number")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values("client_number")
    )
    candidates.filter(client_number__in=repeated_numbers).update(
        outcome=RowOutcome.FAILED, reason="duplicate_number"
    )
    candidates.filter(client_number=F("previous_number")).update(outcome=RowOutcome.UNCHANGED)
    taken = cascade(conflicts(candidates, "client_number", firm_id))
    fail_rows(rows, taken, outcome=RowOutcome.FAILED, reason="number_taken")
