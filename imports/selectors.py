"""Reads for client-number imports."""

import csv
import io
from collections.abc import Iterator

from django.utils import translation
from django.utils.translation import gettext as _

from imports.models import ROW_REASONS, ImportJob, ImportRow, RowOutcome
from practice.csvutil import EXPORT_HEADERS, escape_cell
from practice.models import Firm
from practice.tenancy import firm_scope

PREVIEW_ROWS = 200


def import_jobs_for_firm(*, firm: Firm):
    return ImportJob.objects.filter(firm=firm).select_related("created_by")


def import_job_rows(*, job: ImportJob, outcome: str, limit: int = PREVIEW_ROWS) -> list[ImportRow]:
    """The first rows of one outcome, in file order (the page's preview tables)."""
    return list(
        ImportRow.objects.filter(job=job, outcome=outcome)
        .order_by("line")
        .only(
            "line",
            "company_id",
            "display_name",
            "client_number",
            "previous_number",
            "reason",
            "undo",
        )[:limit]
    )


def import_job_not_restored(*, job: ImportJob, limit: int = PREVIEW_ROWS) -> list[ImportRow]:
    return list(
        ImportRow.objects.filter(job=job, outcome=RowOutcome.UPDATED)
        .exclude(undo__in=["", "restored"])
        .order_by("line")[:limit]
    )


def error_log_filename(job: ImportJob) -> str:
    stem = job.original_filename.rsplit(".", 1)[0] or "clients"
    return f"{stem}-errors.csv"


def error_log_chunks(*, job: ImportJob) -> Iterator[bytes]:
    """The failed rows as CSV (R28): the three headers in the upload's language
    plus a reason column, with the upload's delimiter and encoding, so the
    corrected file can be uploaded again as it is."""
    language = job.language if job.language in EXPORT_HEADERS else "en"
    encoding = "cp1252" if job.encoding == "cp1252" else "utf-8"
    with translation.override(language):
        reason_header = _("Error")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=job.delimiter or ",", lineterminator="\r\n")

    def flush() -> bytes:
        data = buffer.getvalue().encode(encoding, errors="replace")
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow([*EXPORT_HEADERS[language], reason_header])
    yield (b"\xef\xbb\xbf" if encoding == "utf-8" else b"") + flush()
    # A streamed body is read after the request's firm scope has closed, so
    # each batch is fetched in its own scope.
    last_line = 0
    while True:
        with firm_scope(job.firm_id):
            failed = ImportRow.objects.filter(job=job, outcome=RowOutcome.FAILED)
            batch = list(
                failed.filter(line__gt=last_line)
                .order_by("line")
                .values_list("line", "company_id", "display_name", "client_number", "reason")[:2000]
            )
        if not batch:
            break
        for line, company_id, name, number, reason in batch:
            writer.writerow(
                [
                    escape_cell(company_id),
                    escape_cell(name),
                    escape_cell(number),
                    str(ROW_REASONS.get(reason, "")),
                ]
            )
            last_line = line
        yield flush()
