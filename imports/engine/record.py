"""Recording the decided rows as the job's ImportRow rows (the preview, error
log, history and undo read them).

On PostgreSQL, when the import's transaction is the outermost one (as in a
worker), a second connection writes them while this one writes the client
numbers: these are the import's two largest statements, and each keeps a core
busy. That connection commits the rows just before the import itself commits
(or fails). Until then they belong to a job that is not done, whose rows no page
reads; a run that fails deletes them, and one that is interrupted deletes them
when it starts over (engine.run, engine.staging)."""

import logging
import tempfile
import threading
from contextlib import contextmanager

from django.db import connection, transaction

from imports import bulk
from imports.engine.checks import ROWS_COLUMNS, ROWS_TABLE
from imports.engine.staging import lock_job_and_firm
from imports.models import ImportJob, ImportRow

logger = logging.getLogger(__name__)

SPOOL_BLOCK = 256 * 1024


def _columns() -> str:
    names = ["firm_id", "job_id", "undo"] + [name for name, _kind in ROWS_COLUMNS]
    names = [ImportRow._meta.get_field(name).column for name in names]
    return ", ".join(bulk.quote(name) for name in names)


def _decided_rows(job: ImportJob) -> str:
    columns = ", ".join(name for name, _kind in ROWS_COLUMNS)
    return (
        f"SELECT {int(job.firm_id)}, {int(job.pk)}, '', {columns}"  # noqa: S608
        f" FROM {bulk.quote(ROWS_TABLE)}"
    )


class _Writer(threading.Thread):  # pragma: no mutate block (PostgreSQL only)
    """Copies the spooled rows into ImportRow on its own connection."""

    def __init__(self, job: ImportJob, spool):
        super().__init__(name="import-rows-writer", daemon=True)
        self.job = job
        self.spool = spool
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                lock_job_and_firm(self.job)
                table = bulk.quote(ImportRow._meta.db_table)
                with cursor.copy(f"COPY {table} ({_columns()}) FROM STDIN") as copy:
                    while block := self.spool.read(SPOOL_BLOCK):
                        copy.write(block)
        except BaseException as exc:  # handled by the import's own thread
            self.error = exc
        finally:
            connection.close()


def _insert(job: ImportJob) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {bulk.quote(ImportRow._meta.db_table)} ({_columns()})"  # noqa: S608
            f" {_decided_rows(job)}"
        )


@contextmanager
def rows_recorded(job: ImportJob):
    """Record the decided rows by the end of the block, written alongside it
    where the database allows."""
    if connection.vendor != "postgresql" or len(connection.atomic_blocks) != 1:  # pragma: no mutate
        # SQLite, or inside a caller's transaction (whose uncommitted job a
        # second connection could not see): write them in this transaction.
        _insert(job)
        yield
        return
    # pragma: no mutate block (PostgreSQL only, from here to the end)
    with tempfile.TemporaryFile() as spool:
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY ({_decided_rows(job)}) TO STDOUT") as copy,
        ):
            for block in copy:
                spool.write(block)
        spool.seek(0)
        writer = _Writer(job, spool)
        writer.start()
        try:
            yield
        finally:
            writer.join()
    if writer.error is not None:
        # No second connection (a connection limit, say), or it failed: this
        # one writes the rows, in place of any the other may have committed.
        logger.warning(
            "Import %s: rows written on the import's own connection.", job.pk, exc_info=writer.error
        )
        ImportRow.objects.filter(job=job).delete()
        _insert(job)
