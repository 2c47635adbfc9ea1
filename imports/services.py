"""Writes for client-number imports (R26–R28): upload, confirm, undo. The run
itself is the engine's (imports.engine), started by imports.tasks."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from imports import tasks
from imports.engine.apply import numbers_restore
from imports.locks import firm_import_lock_in_transaction
from imports.models import ImportJob, ImportMode, ImportStatus
from imports.parsing import ParseError, inspect
from practice.activity import activity_record
from practice.models import Firm, Membership
from practice.uploads import too_large_message


def require_import_access(membership: Membership) -> None:
    """Admins and standard users import client numbers (every active member)."""
    if membership is None or not membership.is_active:
        raise PermissionDenied(_("Only the firm's team can import client numbers."))


# Upload -------------------------------------------------------------------------


@transaction.atomic
def import_job_create(*, firm: Firm, upload: UploadedFile, mode: str, by: Membership) -> ImportJob:
    """Check the file's size, format and row count, store it and queue the job.

    A file over the limits or that cannot be read is refused with a
    ValidationError before anything is stored (R27, R29)."""
    require_import_access(by)
    if mode not in ImportMode.values:
        raise ValidationError(_("Choose “Check only” or “Import”."))
    max_bytes = settings.IMPORT_MAX_BYTES
    if upload.size is None or upload.size > max_bytes:
        raise ValidationError(too_large_message())
    stream = upload.open("rb")
    try:
        fmt, _rows = inspect(stream, max_rows=settings.IMPORT_MAX_ROWS)
    except ParseError as exc:
        raise ValidationError(exc.message) from None
    stream.seek(0)
    name = (upload.name or "clients.csv").rsplit("/", 1)[-1][:200]
    job = ImportJob(
        firm=firm,
        created_by=by.user,
        mode=mode,
        original_filename=name,
        size_bytes=upload.size,
        encoding=fmt.encoding,
        delimiter=fmt.delimiter,
        language=fmt.language,
    )
    job.file.save(name, upload, save=False)
    job.save()
    tasks.import_run_enqueue(job.pk)
    return job


@transaction.atomic
def import_job_confirm(*, firm: Firm, job: ImportJob, by: Membership) -> ImportJob:
    """Import for real a file that was checked with "Check only"."""
    require_import_access(by)
    if not (job.is_check and job.status == ImportStatus.DONE):
        raise ValidationError(_("Only a finished check can be imported."))
    new_job = ImportJob.objects.create(
        firm=firm,
        created_by=by.user,
        mode=ImportMode.IMPORT,
        file=job.file.name,
        original_filename=job.original_filename,
        size_bytes=job.size_bytes,
        encoding=job.encoding,
        delimiter=job.delimiter,
        language=job.language,
        source=job,
    )
    tasks.import_run_enqueue(new_job.pk)
    return new_job


# Undo ---------------------------------------------------------------------------


@transaction.atomic
def import_job_undo(*, firm: Firm, job: ImportJob, by: Membership) -> ImportJob:
    """Give back the numbers an import replaced (R26, issue 5 §7).

    A client whose number has changed since keeps it ("changed_since"), and so
    does one whose previous number now belongs to a client that keeps it
    ("number_taken"); each is reported on its row."""
    require_import_access(by)
    if not firm_import_lock_in_transaction(firm.pk):
        raise ValidationError(_("An import is running for this firm. Try again when it is done."))
    job = ImportJob.objects.select_for_update(of=("self",)).get(firm=firm, pk=job.pk)
    if not job.can_undo:
        raise ValidationError(_("This import can't be undone."))
    job.restored_count, job.not_restored_count = numbers_restore(firm=firm, job=job)
    job.undone_at = timezone.now()
    job.undone_by = by.user
    job.save(update_fields=["restored_count", "not_restored_count", "undone_at", "undone_by"])
    activity_record(
        firm=firm,
        by=by.user,
        verb="import.undone",
        target=job,
        changes={"restored": job.restored_count, "not_restored": job.not_restored_count},
    )
    return job
