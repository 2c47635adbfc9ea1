"""Reads for client-number imports."""

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, F, Q, When
from django.utils import translation
from django.utils.translation import gettext as _

from imports.models import (
    ROW_REASONS,
    UNDO_OUTCOMES,
    ImportJob,
    ImportMode,
    ImportRow,
    ImportStatus,
    RowOutcome,
)
from practice import clock
from practice.csvutil import EXPORT_HEADERS, csv_row, escape_cell
from practice.models import Firm, User
from practice.tenancy import firm_scope, get_in_firm_or_404

PREVIEW_ROWS = 200


def import_jobs_for_firm(*, firm: Firm):
    return ImportJob.objects.filter(firm=firm).select_related("created_by")


def import_jobs_recent(*, firm: Firm, limit: int = 5) -> list[ImportJob]:
    return list(import_jobs_for_firm(firm=firm)[:limit])


def access_import_job_by_id(*, firm: Firm, job_id: int) -> ImportJob:
    """One import job of `firm`, with its author; Http404 alike for a missing
    job and another firm's."""
    return get_in_firm_or_404(ImportJob.objects.select_related("created_by"), firm=firm, pk=job_id)


def import_job_stalled(job: ImportJob) -> bool:
    """A running job whose worker has not reported for IMPORT_STALE_SECONDS: it
    stopped, and the job resumes when a worker starts (imports.receivers)."""
    if job.status != ImportStatus.RUNNING or job.heartbeat_at is None:
        return False
    return job.heartbeat_at < clock.now() - timedelta(seconds=settings.IMPORT_STALE_SECONDS)


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


def changes_filename(job: ImportJob) -> str:
    stem = job.original_filename.rsplit(".", 1)[0] or "clients"
    return f"{stem}-changes.csv"


def _job_csv_chunks(
    *,
    job: ImportJob,
    header: Callable[[str], list[str]],
    outcome: str,
    fields: tuple[str, ...],
    cells: Callable[[tuple], list[str]],
) -> Iterator[bytes]:
    """One job's rows of one outcome as CSV, in file order, written like the file
    that was uploaded: its delimiter and encoding, and `header(language)` called
    with the upload's language active."""
    language = job.language if job.language in EXPORT_HEADERS else "en"
    encoding = "cp1252" if job.encoding == "cp1252" else "utf-8"
    with translation.override(language):
        header_row = header(language)
    buffer = io.StringIO()
    delimiter = job.delimiter or ","

    def flush() -> bytes:
        data = buffer.getvalue().encode(encoding, errors="replace")
        buffer.seek(0)
        buffer.truncate()
        return data

    buffer.write(csv_row(header_row, delimiter=delimiter))
    yield (b"\xef\xbb\xbf" if encoding == "utf-8" else b"") + flush()
    # A streamed body is read after the request's firm scope has closed, so
    # each batch is fetched in its own scope.
    last_line = 0
    while True:
        with firm_scope(job.firm_id):
            batch = list(
                ImportRow.objects.filter(
                    firm_id=job.firm_id, job=job, outcome=outcome, line__gt=last_line
                )
                .order_by("line")
                .values_list("line", *fields)[:2000]
            )
        if not batch:
            break
        for line, *values in batch:
            buffer.write(csv_row(cells(values), delimiter=delimiter))
            last_line = line
        yield flush()


def error_log_chunks(*, job: ImportJob) -> Iterator[bytes]:
    """The failed rows as CSV (R28): the three headers in the upload's language
    plus a reason column, with the upload's delimiter and encoding, so the
    corrected file can be uploaded again as it is."""

    def cells(values) -> list[str]:
        company_id, name, number, reason = values
        return [
            escape_cell(company_id),
            escape_cell(name),
            escape_cell(number),
            str(ROW_REASONS.get(reason, "")),
        ]

    return _job_csv_chunks(
        job=job,
        header=lambda language: [*EXPORT_HEADERS[language], _("Error")],
        outcome=RowOutcome.FAILED,
        fields=("company_id", "display_name", "client_number", "reason"),
        cells=cells,
    )


def changes_chunks(*, job: ImportJob) -> Iterator[bytes]:
    """Every client number an import changed as CSV, the number before and after,
    in the upload's language, delimiter and encoding; once the import was undone,
    a last column says whether each number was restored, or why not."""
    undone = job.undone_at is not None

    def header(language: str) -> list[str]:
        company_id, name, number = EXPORT_HEADERS[language]
        row = [company_id, name, _("Previous client number"), number]
        if undone:
            row.append(_("Undo"))
        return row

    def cells(values) -> list[str]:
        company_id, name, previous, number, undo = values
        row = [
            escape_cell(company_id),
            escape_cell(name),
            escape_cell(previous),
            escape_cell(number),
        ]
        if undone:
            row.append(str(UNDO_OUTCOMES.get(undo, "")))
        return row

    return _job_csv_chunks(
        job=job,
        header=header,
        outcome=RowOutcome.UPDATED,
        fields=("company_id", "display_name", "previous_number", "client_number", "undo"),
        cells=cells,
    )


# The client's history -------------------------------------------------------------


@dataclass(frozen=True)
class NumberChange:
    """A client number set by an import, or given back by undoing it, read from
    the import's rows. The client's history shows it like an activity entry
    (actor, created_at, sentence, changes), with a link to the import."""

    actor: User | None
    created_at: datetime
    job_id: int
    filename: str
    before: str | None
    after: str | None
    restored: bool = False

    @property
    def verb(self) -> str:
        return "import.number_restored" if self.restored else "import.number_changed"

    @property
    def sentence(self) -> str:
        if self.restored:
            text = _("Restored the client number by undoing the import of %(file)s")
        else:
            text = _("Changed the client number by importing %(file)s")
        return text % {"file": self.filename}

    @property
    def changes(self) -> dict:
        return {"client_number": [self.before, self.after]}


def client_number_changes(*, firm: Firm, client_id: int, limit: int) -> list[NumberChange]:
    """The number changes that finished imports, and their undos, made to one
    client, newest first, at most `limit`, in one query (the rows with their
    job and its people joined)."""
    restored = Q(undo="restored", job__undone_at__isnull=False)
    # A row's newest entry: its restore if it was restored, else its import.
    # Taking the `limit` rows with the newest such entries yields every entry
    # among the `limit` newest.
    newest = Case(When(restored, then=F("job__undone_at")), default=F("job__finished_at"))
    rows = (
        ImportRow.objects.filter(
            firm=firm,
            client_id=client_id,
            outcome=RowOutcome.UPDATED,
            job__firm=firm,
            job__mode=ImportMode.IMPORT,
            job__status=ImportStatus.DONE,
            job__finished_at__isnull=False,
        )
        .select_related("job__created_by", "job__undone_by")
        .annotate(newest=newest)
        .order_by("-newest", "-job_id")[:limit]
    )
    entries = []
    for row in rows:
        job = row.job
        entries.append(
            NumberChange(
                actor=job.created_by,
                created_at=job.finished_at,
                job_id=job.pk,
                filename=job.original_filename,
                before=row.previous_number,
                after=row.client_number,
            )
        )
        if row.undo == "restored" and job.undone_at is not None:
            entries.append(
                NumberChange(
                    actor=job.undone_by,
                    created_at=job.undone_at,
                    job_id=job.pk,
                    filename=job.original_filename,
                    before=row.client_number,
                    after=row.previous_number,
                    restored=True,
                )
            )
    entries.sort(key=lambda entry: entry.created_at, reverse=True)
    return entries[:limit]
