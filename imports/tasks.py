from celery import shared_task
from django.conf import settings

from imports import services
from imports.models import ImportJob
from practice.tenancy import firm_scope


@shared_task(bind=True, max_retries=None)
def import_run(self, job_id: int) -> None:
    """Run one import. Receives the job id only; safe to run again (see
    services.import_job_run). Waits its turn behind another import of the firm."""
    job = ImportJob.unscoped.select_related("firm").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    with firm_scope(job.firm):
        try:
            services.import_job_run(job=job)
        except services.ImportBusy as exc:
            raise self.retry(exc=exc, countdown=2) from exc


@shared_task
def imports_requeue_stale(stale_after: int | None = None) -> list[int]:
    """Beat: re-queue (or fail, after several attempts) imports whose worker died."""
    if stale_after is None:
        stale_after = getattr(settings, "IMPORT_STALE_SECONDS", 120)
    return services.imports_requeue_stale(stale_after=stale_after)
