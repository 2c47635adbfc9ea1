"""Read a job's file into ImportRow rows, chunk by chunk, each matched to its
client and checked against the rules a row breaks on its own (R26)."""

import json
import time
import unicodedata

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clients.access import clients_reachable, reach_condition
from clients.models import CLIENT_NUMBER_MAX_LENGTH, Client
from imports.bulk import copy_rows
from imports.models import ImportJob, ImportRow, RowOutcome
from imports.parsing import CsvReader, ParseError, read_ahead
from practice.models import Firm, Membership

CHUNK_ROWS = 5_000
FAILED, UPDATED = str(RowOutcome.FAILED), str(RowOutcome.UPDATED)
STAGED_COLUMNS = [
    "firm_id",
    "job_id",
    "line",
    "company_id",
    "display_name",
    "client_number",
    "client_id",
    "previous_number",
    "outcome",
    "reason",
    "undo",
]
PROGRESS_SECONDS = 1.0


def touch(job: ImportJob, **fields) -> None:
    """Record the job's progress (and any other `fields`) as a heartbeat."""
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now(), **fields)


def _same_name(a: str, b: str) -> bool:
    if a == b:
        return True

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).split()).casefold()

    return norm(a) == norm(b)


def _row_reason(row, client) -> str:
    """The first R26 rule a row breaks on its own, or ""."""
    if client is None:
        return "unknown_company_id"
    if not _same_name(row.display_name, client[1]):
        return "name_mismatch"
    if not row.client_number:
        return "empty_number"
    if len(row.client_number) > CLIENT_NUMBER_MAX_LENGTH:
        return "too_long"
    return ""


def clients_by_company_id(firm_id: int, company_ids: set[str]) -> dict[str, tuple]:
    """company ID -> (pk, display name, client number) for one chunk of rows."""
    company_ids.discard("")
    if connection.vendor == "postgresql":  # pragma: no mutate block (PostgreSQL only)
        # One parameter instead of thousands: much cheaper to send and plan. Sent
        # as JSON, which is several times cheaper to encode than a list parameter.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT company_id, id, display_name, client_number FROM {Client._meta.db_table}"  # noqa: S608
                " WHERE firm_id = %s"
                " AND company_id = ANY(ARRAY(SELECT jsonb_array_elements_text(%s::jsonb)))",
                [firm_id, json.dumps(list(company_ids))],
            )
            rows = cursor.fetchall()
    else:
        rows = Client.objects.filter(firm_id=firm_id, company_id__in=company_ids).values_list(
            "company_id", "pk", "display_name", "client_number"
        )
    return {company_id: (pk, name, number) for company_id, pk, name, number in rows}


def _runner(job: ImportJob) -> Membership | None:
    """The member who runs the import when their client access is restricted (R30)."""
    membership = (
        Membership.objects.filter(firm=job.firm_id, user=job.created_by_id)
        .select_related("firm")
        .first()
    )
    if membership is None or reach_condition(membership) is None:
        return None
    return membership


def _reachable_only(clients: dict, membership: Membership | None) -> dict:
    """A client the runner may not reach is as unknown as a missing company ID."""
    if membership is None or not clients:
        return clients
    pks = [client[0] for client in clients.values()]
    reachable = set(
        clients_reachable(membership=membership).filter(pk__in=pks).values_list("pk", flat=True)
    )
    return {key: client for key, client in clients.items() if client[0] in reachable}


def _stage_chunk(job: ImportJob, chunk: list, runner: Membership | None = None) -> None:
    clients = clients_by_company_id(job.firm_id, {row.company_id for row in chunk})
    clients = _reachable_only(clients, runner)
    firm_id, job_id = job.firm_id, job.pk
    staged = []
    append = staged.append
    for row in chunk:
        client = clients.get(row.company_id)
        reason = _row_reason(row, client)
        append(
            (
                firm_id,
                job_id,
                row.line,
                row.company_id,
                row.display_name,
                row.client_number,
                client[0] if client else None,
                client[2] if client else None,
                FAILED if reason else UPDATED,
                reason,
                "",
            )
        )
    copy_rows(ImportRow, STAGED_COLUMNS, staged)


def stage(job: ImportJob) -> None:
    """Read the file into ImportRow rows, chunk by chunk, matching each to its client."""
    ImportRow.objects.filter(job=job).delete()
    runner = _runner(job)
    max_rows = settings.IMPORT_MAX_ROWS
    try:
        stream = job.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise ParseError("file_missing") from None
    try:
        size = job.file.size or 1
        if size > settings.IMPORT_MAX_BYTES:
            raise ParseError("too_large")
        reader = CsvReader(stream)
        fmt = reader.format
        touch(job, encoding=fmt.encoding, delimiter=fmt.delimiter, language=fmt.language)
        total = 0
        committed_at = None
        more = True
        with read_ahead(reader, CHUNK_ROWS, depth=1) as chunks:
            while more:
                # Each commit waits for a disk flush: report progress after the first
                # chunk, then about once a second rather than after every chunk. The
                # staged rows need no durability of their own (a re-run starts over).
                more = False
                with transaction.atomic():
                    _lock_job_and_firm(job)
                    for chunk in chunks:
                        total += len(chunk)
                        if total > max_rows:
                            raise ParseError("too_many_rows")
                        _stage_chunk(job, chunk, runner)
                        progress = 5 + int(75 * min(reader.bytes_read() / size, 1))
                        touch(job, progress=progress, total_rows=total)
                        now = time.monotonic()
                        if committed_at is None or now - committed_at >= PROGRESS_SECONDS:
                            committed_at = now
                            more = True
                            break
        reader.detach()
    finally:
        stream.close()
    if connection.vendor == "postgresql":  # pragma: no mutate block (PostgreSQL only)
        # Fresh statistics keep the whole-file checks on index lookups and hash
        # joins: the rows were just written, and clients may have been created in
        # bulk since autovacuum last looked (stale figures turn the number lookups
        # into a scan of the whole table per row).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ImportRow._meta.db_table}")
            if _statistics_stale(cursor, Client._meta.db_table):
                cursor.execute(f"ANALYZE {Client._meta.db_table}")


def _lock_job_and_firm(job: ImportJob) -> None:  # pragma: no mutate block (PostgreSQL only)
    """What ImportRow's foreign keys would check for every row, done once: the
    job and its firm exist, and stay until this transaction ends."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {quote(ImportJob._meta.db_table)} j"  # noqa: S608
            f" JOIN {quote(Firm._meta.db_table)} f ON f.id = j.firm_id"
            " WHERE j.id = %s AND j.firm_id = %s FOR KEY SHARE",
            [job.pk, job.firm_id],
        )
        if cursor.fetchone() is None:
            raise IntegrityError(f"Import job {job.pk} no longer exists.")


def _statistics_stale(cursor, table: str) -> bool:  # pragma: no mutate block (PostgreSQL only)
    """Whether more than a tenth of `table` changed since it was last analysed
    (autovacuum's own threshold), or it never was."""
    cursor.execute(
        "SELECT n_mod_since_analyze, n_live_tup, last_analyze, last_autoanalyze"
        " FROM pg_stat_user_tables WHERE relid = %s::regclass",
        [table],
    )
    stats = cursor.fetchone()
    if stats is None:
        return True
    changed, live, analysed, autoanalysed = stats
    if analysed is None and autoanalysed is None:
        return True
    return changed > 50 + 0.1 * live
