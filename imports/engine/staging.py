"""Read a job's file, chunk by chunk, into a temporary table of this connection."""

import time

from django.conf import settings
from django.db import IntegrityError, connection
from django.utils import timezone

from clients.models import CLIENT_NUMBER_MAX_LENGTH, Client, ClientNumber
from imports import bulk
from imports.models import ImportJob, ImportRow
from imports.parsing import CsvReader, ParseError, read_ahead
from practice.models import Firm

CHUNK_ROWS = 5_000
# The file's rows as read, each with the first rule it breaks on its own.
FILE_TABLE = "import_file"
FILE_COLUMNS = [
    ("line", "int"),
    ("company_id", "code"),
    ("display_name", "text"),
    ("client_number", "code"),
    ("own_reason", "text"),
]
PROGRESS_SECONDS = 1.0


def touch(job: ImportJob, **fields) -> None:
    """Record the job's progress (and any other `fields`) as a heartbeat."""
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now(), **fields)


def _file_rows(chunk: tuple):
    """A chunk of parsed rows as the file table's tuples: the number's own rules
    (R26: empty, over 100 characters) are checked here, the rest in SQL."""
    longest = CLIENT_NUMBER_MAX_LENGTH
    for line, company_id, name, number in chunk:
        if not number:
            reason = "empty_number"
        elif len(number) > longest:
            reason = "too_long"
        else:
            reason = ""
        yield line, company_id, name, number, reason


def stage(job: ImportJob) -> None:
    """Read the job's file into this connection's file table, chunk by chunk,
    reporting progress as it goes. Nothing is matched or written for good yet:
    that happens in one transaction afterwards (engine.checks, engine.apply)."""
    ImportRow.objects.filter(job=job).delete()
    bulk.temp_table_create(FILE_TABLE, FILE_COLUMNS)
    columns = [name for name, _kind in FILE_COLUMNS]
    max_rows = settings.IMPORT_MAX_ROWS
    try:
        stream = job.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise ParseError("file_missing") from None
    try:
        size = job.file.size
        if size > settings.IMPORT_MAX_BYTES:
            raise ParseError("too_large")
        reader = CsvReader(stream)
        fmt = reader.format
        touch(job, encoding=fmt.encoding, delimiter=fmt.delimiter, language=fmt.language)
        total = 0
        reported_at = None
        with read_ahead(reader, CHUNK_ROWS, depth=1) as chunks:
            for chunk in chunks:
                total += len(chunk)
                if total > max_rows:
                    raise ParseError("too_many_rows")
                bulk.copy_into(FILE_TABLE, columns, _file_rows(chunk))
                # Each progress report waits for a disk flush (the temporary
                # table's rows do not): report after the first chunk, then about
                # once a second rather than after every chunk.
                now = time.monotonic()
                if reported_at is None or now - reported_at >= PROGRESS_SECONDS:
                    reported_at = now
                    progress = 5 + int(75 * reader.bytes_read() / size)
                    touch(job, progress=progress, total_rows=total)
        touch(job, progress=80, total_rows=total)
        reader.detach()
    finally:
        stream.close()
    bulk.analyze(FILE_TABLE)  # pragma: no mutate (statistics: PostgreSQL only)
    if connection.vendor == "postgresql":  # pragma: no mutate block (PostgreSQL only)
        # Clients may have been created in bulk since autovacuum last looked:
        # stale figures turn the whole-file joins into the wrong plans.
        with connection.cursor() as cursor:
            for table in (Client._meta.db_table, ClientNumber._meta.db_table):
                if _statistics_stale(cursor, table):
                    cursor.execute(f"ANALYZE {table}")


def lock_job_and_firm(job: ImportJob) -> None:
    """What ImportRow's foreign keys would check for every row, done once: the
    job and its firm exist, and stay until this transaction ends."""
    if connection.vendor != "postgresql":  # pragma: no mutate
        return
    # pragma: no mutate block (PostgreSQL only, from here to the end)
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
