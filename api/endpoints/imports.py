"""Client-number imports (R26–R28): upload a CSV to check or import, follow the
job, download its error log, import a checked file, undo an import."""

from django.core.exceptions import ValidationError
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from api.cursors import cursor_dump, cursor_load
from api.problems import ApiProblem
from api.schemas.imports import ImportJobOut, ImportListQuery, ImportPageOut
from imports import selectors, services
from imports.models import ImportJob, ImportMode
from practice.web import csv_response

router = Router()

CSV_RESPONSE = {
    "responses": {
        200: {
            "description": "CSV, in the uploaded file's language, delimiter and encoding.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


def job_data(job: ImportJob) -> dict:
    return {
        "id": job.pk,
        "mode": job.mode,
        "status": job.status,
        "progress": job.progress,
        "file_name": job.original_filename,
        "size_bytes": job.size_bytes,
        "total_rows": job.total_rows,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "failed": job.failed_count,
        "failure": job.failure_reason,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "created_by": str(job.created_by) if job.created_by_id else None,
        "source_id": job.source_id,
        "can_undo": job.can_undo,
        "undone_at": job.undone_at,
        "restored": job.restored_count,
        "not_restored": job.not_restored_count,
    }


def _job(request, job_id: int) -> ImportJob:
    job = selectors.access_import_job_by_id(firm=request.firm, job_id=job_id)
    services.require_import_access(request.membership)
    return job


def _conflict(exc: ValidationError) -> ApiProblem:
    return ApiProblem(409, " ".join(exc.messages), code="refused", conditions=exc.messages)


@router.get("", response=ImportPageOut, summary="List imports")
def import_list(request, query: Query[ImportListQuery]):
    """The firm's imports and checks, newest first."""
    services.require_import_access(request.membership)
    state = {"imports": True}
    jobs = selectors.import_jobs_for_firm(firm=request.firm).order_by("-pk")
    if query.cursor:
        jobs = jobs.filter(pk__lt=cursor_load(query.cursor, query=state))
    rows = list(jobs[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return {
        "items": [job_data(job) for job in rows],
        "next_cursor": cursor_dump(query=state, position=rows[-1].pk) if more else None,
    }


@router.post(
    "",
    response={202: ImportJobOut},
    summary="Upload a CSV of client numbers",
    url_name="import_create",
)
def import_create(request, file: File[UploadedFile], mode: Form[ImportMode] = ImportMode.CHECK):
    """The page's rules and limits (R25–R29): headers in English or French,
    UTF-8 or Windows-1252, comma or semicolon. A file over IMPORT_MAX_BYTES or
    IMPORT_MAX_ROWS, or that can't be read, is refused (413, 422) before any
    work. The job runs in the background: follow it at its address."""
    try:
        job = services.import_job_create(
            firm=request.firm, upload=file, mode=mode, by=request.membership
        )
    except ValidationError as exc:
        raise ApiProblem(
            422,
            code="invalid_file",
            errors=[
                {"loc": ["body", "file"], "message": m, "type": "invalid"} for m in exc.messages
            ],
        ) from None
    return Status(202, job_data(job))


@router.get("/{int:job_id}", response=ImportJobOut, summary="Get an import")
def import_get(request, job_id: int):
    """Status, progress and counts (updated, unchanged, failed)."""
    return job_data(_job(request, job_id))


@router.get(
    "/{int:job_id}/errors.csv",
    response={200: None},
    summary="Download an import's error log",
    openapi_extra=CSV_RESPONSE,
)
def import_errors(request, job_id: int):
    """The refused rows with the reason for each (R28), ready to correct and
    upload again as they are."""
    job = _job(request, job_id)
    charset = "windows-1252" if job.encoding == "cp1252" else "utf-8"
    return csv_response(
        selectors.error_log_chunks(job=job),
        filename=selectors.error_log_filename(job),
        charset=charset,
    )


@router.post("/{int:job_id}/import", response={202: ImportJobOut}, summary="Import a checked file")
def import_confirm(request, job_id: int):
    """Import for real the file of a finished check: a new job (409 when the job
    is not a finished check)."""
    job = _job(request, job_id)
    try:
        new_job = services.import_job_confirm(firm=request.firm, job=job, by=request.membership)
    except ValidationError as exc:
        raise _conflict(exc) from None
    return Status(202, job_data(new_job))


@router.post("/{int:job_id}/undo", response=ImportJobOut, summary="Undo an import")
def import_undo(request, job_id: int):
    """Give back the numbers the import replaced; a number changed since is
    kept (`not_restored`). 409 when the import can't be undone."""
    job = _job(request, job_id)
    try:
        job = services.import_job_undo(firm=request.firm, job=job, by=request.membership)
    except ValidationError as exc:
        raise _conflict(exc) from None
    return job_data(selectors.access_import_job_by_id(firm=request.firm, job_id=job.pk))
