from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from imports import selectors, services
from imports.forms import UploadForm
from imports.models import ImportJob, ImportMode, ImportStatus, RowOutcome
from practice.csvutil import EXPORT_HEADERS
from practice.tenancy import get_in_firm_or_404


def _limits() -> dict:
    return {"max_rows": settings.IMPORT_MAX_ROWS, "max_bytes": settings.IMPORT_MAX_BYTES}


def index(request, firm_slug):
    """Upload page: the rules, the file, then "Check only" or "Import"."""
    services.require_import_access(request.membership)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        mode = request.POST.get("mode", ImportMode.CHECK)
        if form.is_valid():
            try:
                job = services.import_job_create(
                    firm=request.firm,
                    upload=form.cleaned_data["file"],
                    mode=mode,
                    by=request.membership,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("file", message)
            else:
                return redirect("imports:job", firm_slug=firm_slug, job_id=job.pk)
        status = 400
    context = {
        "form": form,
        "headers": EXPORT_HEADERS,
        "recent": selectors.import_jobs_for_firm(firm=request.firm)[:5],
        **_limits(),
    }
    return render(request, "imports/index.html", context, status=status)


def history(request, firm_slug):
    services.require_import_access(request.membership)
    page = Paginator(selectors.import_jobs_for_firm(firm=request.firm), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "imports/history.html", {"page": page})


def job_detail(request, firm_slug, job_id):
    """The job's page. While it runs, htmx polls the "status" partial every
    second; the finished partial answers 286 so polling stops (R28)."""
    job = get_in_firm_or_404(
        ImportJob.objects.select_related("created_by"), firm=request.firm, pk=job_id
    )
    services.require_import_access(request.membership)
    context = {"job": job}
    if job.is_finished:
        context["changes"] = selectors.import_job_rows(job=job, outcome=RowOutcome.UPDATED)
        context["failures"] = selectors.import_job_rows(job=job, outcome=RowOutcome.FAILED)
        if job.undone_at:
            context["not_restored"] = selectors.import_job_not_restored(job=job)
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "imports/job.html#status", context)
        if job.is_finished:
            return HttpResponseStopPolling(response.content)
        return response
    return render(request, "imports/job.html", context)


def _csv_download(job: ImportJob, chunks, filename: str) -> StreamingHttpResponse:
    charset = "windows-1252" if job.encoding == "cp1252" else "utf-8"
    response = StreamingHttpResponse(chunks, content_type=f"text/csv; charset={charset}")
    # The name comes from the user's upload: quoted and encoded, whatever it holds.
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def job_errors(request, firm_slug, job_id):
    """Download the error log (R28)."""
    job = get_in_firm_or_404(ImportJob, firm=request.firm, pk=job_id)
    services.require_import_access(request.membership)
    return _csv_download(
        job, selectors.error_log_chunks(job=job), selectors.error_log_filename(job)
    )


def job_changes(request, firm_slug, job_id):
    """Download every client number a finished import changed, before and after."""
    job = get_in_firm_or_404(ImportJob, firm=request.firm, pk=job_id)
    services.require_import_access(request.membership)
    if job.mode != ImportMode.IMPORT or job.status != ImportStatus.DONE:
        raise Http404
    return _csv_download(job, selectors.changes_chunks(job=job), selectors.changes_filename(job))


@require_POST
def job_confirm(request, firm_slug, job_id):
    job = get_in_firm_or_404(ImportJob, firm=request.firm, pk=job_id)
    try:
        new_job = services.import_job_confirm(firm=request.firm, job=job, by=request.membership)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("imports:job", firm_slug=firm_slug, job_id=job.pk)
    return redirect("imports:job", firm_slug=firm_slug, job_id=new_job.pk)


@require_POST
def job_undo(request, firm_slug, job_id):
    job = get_in_firm_or_404(ImportJob, firm=request.firm, pk=job_id)
    try:
        job = services.import_job_undo(firm=request.firm, job=job, by=request.membership)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if job.not_restored_count:
            messages.warning(
                request,
                _(
                    "The import was undone: %(restored)s numbers restored, %(kept)s kept because they changed since."
                )
                % {"restored": job.restored_count, "kept": job.not_restored_count},
            )
        else:
            messages.success(
                request,
                _("The import was undone: %(restored)s numbers restored.")
                % {"restored": job.restored_count},
            )
    return redirect("imports:job", firm_slug=firm_slug, job_id=job.pk)
