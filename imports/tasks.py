"""Celery entry points for imports: they take ids, enter the firm's scope and
call the engine (imports.engine.run)."""

from celery import shared_task
from django.conf import settings
from django.db import transaction

from imports.engine.run import ImportBusy, import_job_run, import_jobs_requeue_stale
from imports.models import ImportJob
from practice.tenancy import firm_scope


@shared_task(bind=True, max_retries=None)
def import_run(self, job_id: int) -> None:
    """Run one import. Receives the job id only; safe to run again (see
    engine.run.import_job_run). Waits its turn behind another import of the firm.

    Not a `firm_task`: queued messages carry the job's id alone, so the task
    loads the job first and enters its firm's scope from there."""
    job = ImportJob.unscoped.select_related("firm").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    with firm_scope(job.firm):
        try:
            import_job_run(job=job)
        except ImportBusy as exc:
            raise self.retry(exc=exc, countdown=2) from exc


def import_run_enqueue(job_id: int) -> None:
    """Queue the job's run once the current transaction commits."""
    transaction.on_commit(lambda: import_run.delay(job_id))


@shared_task
def imports_requeue_stale(stale_after: int | None = None) -> list[int]:
    """Beat, and each worker as it starts: re-queue (or fail, after several
    attempts) imports whose worker died."""
    if stale_after is None:
        stale_after = settings.IMPORT_STALE_SECONDS
    result = import_jobs_requeue_stale(stale_after=stale_after)
    for job_id in result.queued:
        import_run_enqueue(job_id)
    return result.touched
