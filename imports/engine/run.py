"""Running an import job from its file, and recovering the jobs of dead workers
(issue 5): each run starts over and commits its changes together with the
"done" status, so running a job again is always safe."""

import logging
from dataclasses import dataclass, field

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from imports import bulk
from imports.engine import apply, checks, record, staging
from imports.locks import firm_import_lock
from imports.models import ImportJob, ImportMode, ImportRow, ImportStatus, RowOutcome
from imports.parsing import ParseError
from imports.signals import import_finished
from practice.activity import activity_record
from practice.tenancy import firm_scope

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


class ImportBusy(Exception):
    """Another import of the same firm is running; try again shortly."""


def _validate_and_apply(job: ImportJob) -> None:
    """Decide every row's outcome over the whole file, then apply every valid
    row and record them all, in this one transaction (all or none). Check-only
    runs record the rows without applying them."""
    firm = job.firm
    with transaction.atomic():
        # Writing first takes SQLite's write lock before anything is read.
        staging.touch(job, progress=85)
        staging.lock_job_and_firm(job)  # pragma: no mutate (PostgreSQL only)
        bulk.large_work_memory()
        checks.decide(job)
        clear = checks.numbers_taken(job)
        with record.rows_recorded(job):
            if job.mode == ImportMode.IMPORT:
                apply.apply_numbers(firm=firm, moves=checks.moves(), clear=clear)
        counts = checks.counts()
        job.total_rows = sum(counts.values())
        job.updated_count = counts.get(RowOutcome.UPDATED, 0)
        job.unchanged_count = counts.get(RowOutcome.UNCHANGED, 0)
        job.failed_count = counts.get(RowOutcome.FAILED, 0)
        job.status = ImportStatus.DONE
        job.progress = 100
        job.finished_at = job.heartbeat_at = timezone.now()
        job.save(
            update_fields=[
                "total_rows",
                "updated_count",
                "unchanged_count",
                "failed_count",
                "status",
                "progress",
                "finished_at",
                "heartbeat_at",
            ]
        )
        if job.mode == ImportMode.IMPORT:
            activity_record(
                firm=firm,
                by=job.created_by,
                verb="import.completed",
                target=job,
                changes={
                    "updated": job.updated_count,
                    "unchanged": job.unchanged_count,
                    "failed": job.failed_count,
                },
            )
        import_finished.send(sender=ImportJob, firm=firm, job=job)


@transaction.atomic
def _fail(job: ImportJob, code: str) -> None:
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED, failure_code=code, finished_at=now, heartbeat_at=now
    )
    ImportRow.objects.filter(job=job).delete()
    job.status, job.failure_code, job.finished_at = ImportStatus.FAILED, code, now
    import_finished.send(sender=ImportJob, firm=job.firm, job=job)


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Run one import from its file, from scratch. Safe to call again at any time:
    a finished job is left alone, and an interrupted one starts over, since its
    changes are only ever committed together with the "done" status.

    Raises ImportBusy while another import of the same firm holds the lock."""
    with firm_import_lock(job.firm_id) as acquired:
        if not acquired:
            raise ImportBusy
        job.refresh_from_db()
        if job.is_finished:
            return job
        if job.attempts >= MAX_ATTEMPTS:
            _fail(job, "worker_lost")
            return job
        now = timezone.now()
        claimed = ImportJob.objects.filter(
            pk=job.pk, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]
        ).update(
            status=ImportStatus.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            heartbeat_at=now,
            progress=1,
        )
        if not claimed:
            return job
        try:
            staging.stage(job)
            _validate_and_apply(job)
        except ParseError as exc:
            _fail(job, exc.code)
        except IntegrityError:
            logger.warning("Import %s hit a unique constraint; nothing applied.", job.pk)
            _fail(job, "conflict")
        except Exception:
            logger.exception("Import %s failed.", job.pk)
            _fail(job, "error")
        finally:
            _drop_work_tables()
        job.refresh_from_db()
        return job


def _drop_work_tables() -> None:
    try:
        bulk.temp_tables_drop(*checks.TEMP_TABLES)
    except DatabaseError:
        logger.warning("Could not drop the import's work tables.", exc_info=True)


@dataclass
class Requeued:
    touched: list[int] = field(default_factory=list)
    """Every job put back in the queue or failed for good, in the order found."""
    queued: list[int] = field(default_factory=list)
    """The jobs among them to run again."""


def import_jobs_requeue_stale(*, stale_after: int) -> Requeued:
    """Jobs left "running" by a dead worker (or "queued" and forgotten) go back
    to the queue, or fail for good after MAX_ATTEMPTS. The caller queues the
    jobs in `queued` once the firms' locks are released.

    Called by the beat task, outside any firm scope."""
    cutoff = timezone.now() - timezone.timedelta(seconds=stale_after)
    stale = list(
        ImportJob.unscoped.select_related("firm").filter(
            status__in=[ImportStatus.RUNNING, ImportStatus.QUEUED], heartbeat_at__lte=cutoff
        )
    ) + list(
        ImportJob.unscoped.select_related("firm").filter(
            status=ImportStatus.QUEUED, heartbeat_at__isnull=True, created_at__lte=cutoff
        )
    )
    result = Requeued()
    for job in stale:
        with firm_scope(job.firm), firm_import_lock(job.firm_id) as free:
            if not free:
                continue  # a live worker holds the firm's lock
            job.refresh_from_db()
            if job.is_finished:
                continue
            if job.attempts >= MAX_ATTEMPTS:
                _fail(job, "worker_lost")
            else:
                ImportJob.objects.filter(pk=job.pk).update(
                    status=ImportStatus.QUEUED, heartbeat_at=timezone.now()
                )
                result.queued.append(job.pk)
            result.touched.append(job.pk)
    return result
