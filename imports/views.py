from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from imports import selectors, services
from imports.forms import UploadForm
from imports.models import ImportJob, ImportMode, ImportStatus, RowOutcome
from practice.csvutil import EXPORT_HEADERS
from practice.submissions import submit_once
from practice.uploads import accepts_uploads, too_large_message, upload_refused
from practice.web import csv_response, errors_to_messages, form_token, htmx_partial, partial


def _limits() -> dict:
    return {"max_rows": settings.IMPORT_MAX_ROWS, "max_bytes": settings.IMPORT_MAX_BYTES}


@accepts_uploads
def index(request, firm_slug):
    """Upload page: the rules, the file, then "Check only" or "Import"."""
    services.require_import_access(request.membership)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        mode = request.POST.get("mode", ImportMode.CHECK)
        if upload_refused(request):
            # The upload was stopped at the limit: nothing of it was kept.
            form.is_valid()
            form.errors["file"] = form.error_class([too_large_message()])
        elif form.is_valid():

            def create() -> str:
                job = services.import_job_create(
                    firm=request.firm,
                    upload=form.cleaned_data["file"],
                    mode=mode,
                    by=request.membership,
                )
                return reverse("imports:job", kwargs={"firm_slug": firm_slug, "job_id": job.pk})

            try:
                # A double click sends the file twice: one job, both answers lead to it.
                url, _created = submit_once(
                    user=request.user, token=request.POST.get("form_token", ""), create=create
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("file", message)
            else:
                return redirect(url)
        status = 400
    context = {
        "form": form,
        "form_token": form_token(request),
        "headers": EXPORT_HEADERS,
        "recent": selectors.import_jobs_recent(firm=request.firm, limit=5),
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
    job = selectors.access_import_job_by_id(firm=request.firm, job_id=job_id)
    services.require_import_access(request.membership)
    context = {"job": job, "stalled": selectors.import_job_stalled(job)}
    if job.is_finished:
        context["changes"] = selectors.import_job_rows(job=job, outcome=RowOutcome.UPDATED)
        context["failures"] = selectors.import_job_rows(job=job, outcome=RowOutcome.FAILED)
        if job.undone_at:
            context["not_restored"] = selectors.import_job_not_restored(job=job)
    response = render(request, partial(request, "imports/job.html", "status"), context)
    if htmx_partial(request) and job.is_finished:
        return HttpResponseStopPolling(response.content)
    return response


def _charset(job: ImportJob) -> str:
    return "windows-1252" if job.encoding == "cp1252" else "utf-8"


def job_errors(request, firm_slug, job_id):
    """Download the error log (R28)."""
    job = selectors.access_import_job_by_id(firm=request.firm, job_id=job_id)
    services.require_import_access(request.membership)
    return csv_response(
        selectors.error_log_chunks(job=job),
        filename=selectors.error_log_filename(job),
        charset=_charset(job),
    )


def job_changes(request, firm_slug, job_id):
    """Download every client number a finished import changed, before and after."""
    job = selectors.access_import_job_by_id(firm=request.firm, job_id=job_id)
    services.require_import_access(request.membership)
    if job.mode != ImportMode.IMPORT or job.status != ImportStatus.DONE:
        raise Http404
    return csv_response(
        selectors.changes_chunks(job=job),
        filename=selectors.changes_filename(job),
        charset=_charset(job),
    )


@require_POST
def job_confirm(request, firm_slug, job_id):
    job = selectors.access_import_job_by_id(firm=request.firm, job_id=job_id)
    try:
        new_job = services.import_job_confirm(firm=request.firm, job=job, by=request.membership)
    except ValidationError as exc:
        errors_to_messages(request, exc)
        return redirect("imports:job", firm_slug=firm_slug, job_id=job.pk)
    return redirect("imports:job", firm_slug=firm_slug, job_id=new_job.pk)


@require_POST
def job_undo(request, firm_slug, job_id):
    job = selectors.access_import_job_by_id(firm=request.firm, job_id=job_id)
    try:
        job = services.import_job_undo(firm=request.firm, job=job, by=request.membership)
    except ValidationError as exc:
        errors_to_messages(request, exc)
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
