from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager

from imports.parsing import PARSE_ERRORS
from practice.distribution import TenantForeignKey
from practice.models import TenantModel


class ImportMode(models.TextChoices):
    CHECK = "check", pgettext_lazy("import mode", "Check only")
    IMPORT = "import", pgettext_lazy("import mode", "Import")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", pgettext_lazy("import status", "Done")
    FAILED = "failed", _("Failed")


class RowOutcome(models.TextChoices):
    UPDATED = "updated", _("Updated")
    UNCHANGED = "unchanged", _("Unchanged")
    FAILED = "failed", _("Failed")


# Why a row was refused (R26). Stored as a code, shown in the reader's language.
ROW_REASONS = {
    "unknown_company_id": _("Unknown company ID."),
    "name_mismatch": _("The display name does not match this company ID."),
    "empty_number": _("The client number is empty."),
    "too_long": _("The client number is longer than 100 characters."),
    "duplicate_company_id": _("This company ID appears more than once in the file."),
    "duplicate_number": _("This client number appears more than once in the file."),
    "number_taken": _(
        "This client number belongs to another client whose number the file does not change."
    ),
}

# Why an import failed as a whole.
JOB_FAILURES = {
    **{code: PARSE_ERRORS[code] for code in ("undecodable", "not_csv", "no_header", "empty")},
    "too_large": _("The file is larger than the allowed size."),
    "too_many_rows": _("The file has more rows than allowed."),
    "file_missing": _("The uploaded file is no longer available. Upload it again."),
    "worker_lost": _(
        "The import was interrupted several times and was stopped. Nothing was changed."
    ),
    "conflict": _(
        "Client numbers changed while the import ran, so nothing was changed. Run it again."
    ),
    "error": _("The import failed unexpectedly. Nothing was changed."),
}

UNDO_OUTCOMES = {
    "restored": _("Previous number restored."),
    "changed_since": _("Not restored: the number has changed since the import."),
    "number_taken": _("Not restored: the previous number now belongs to another client."),
}


def import_upload_to(instance, filename: str) -> str:
    return f"imports/{instance.firm_id}/{timezone.now():%Y/%m}/{filename}"


class ImportJob(TenantModel):
    """One upload of client numbers (R26–R28), run in the background."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("run by"),
    )
    mode = models.CharField(_("mode"), max_length=10, choices=ImportMode.choices)
    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=300)
    original_filename = models.CharField(_("file name"), max_length=255)
    size_bytes = models.PositiveBigIntegerField(_("size"), default=0)
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    language = models.CharField(_("header language"), max_length=8, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    failure_code = models.CharField(max_length=24, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    updated_count = models.PositiveIntegerField(pgettext_lazy("import count", "updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    source = TenantForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The check-only run this import was started from."),
    )
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    restored_count = models.PositiveIntegerField(default=0)
    not_restored_count = models.PositiveIntegerField(default=0)

    objects = ScopedManager(firm="firm")
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["firm", "-created_at"], name="importjob_firm_created"),
            models.Index(fields=["status", "heartbeat_at"], name="importjob_status_heartbeat"),
        ]

    def __str__(self):
        return self.original_filename

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def is_check(self) -> bool:
        return self.mode == ImportMode.CHECK

    @property
    def failure_reason(self) -> str:
        return str(JOB_FAILURES.get(self.failure_code, "")) if self.failure_code else ""

    @property
    def can_undo(self) -> bool:
        return (
            self.mode == ImportMode.IMPORT
            and self.status == ImportStatus.DONE
            and self.undone_at is None
            and self.updated_count > 0
        )


class ImportRow(TenantModel):
    """One data row of an import's file and what became of it.

    Holds the cells as read (for the error log), the client they matched, and
    the number the client had before (for the preview and for undo)."""

    # An import writes up to 100,000 rows at once: no per-row foreign-key checks
    # (the transaction that writes them key-share-locks the job and firm instead,
    # see engine.staging.lock_job_and_firm), and no index on the job alone, since
    # the composite indexes below all start with it. Deletions cascade through
    # the ORM. Rows are read only once their job is finished (engine.record).
    firm = models.ForeignKey(
        "practice.Firm",
        on_delete=models.CASCADE,
        verbose_name=_("firm"),
        db_constraint=False,
        db_index=False,
    )
    job = models.ForeignKey(
        ImportJob,
        on_delete=models.CASCADE,
        related_name="rows",
        db_index=False,
        db_constraint=False,
    )
    line = models.PositiveIntegerField()
    company_id = models.TextField(blank=True)
    display_name = models.TextField(blank=True)
    client_number = models.TextField(blank=True)
    # No database constraint: writing 100,000 rows should not pay a foreign-key
    # check each; the client is matched in the same firm in the same statement.
    client = models.ForeignKey(
        "clients.Client",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    previous_number = models.CharField(max_length=100, null=True, blank=True)
    outcome = models.CharField(
        max_length=10, choices=RowOutcome.choices, default=RowOutcome.UPDATED
    )
    reason = models.CharField(max_length=24, blank=True)
    undo = models.CharField(max_length=16, blank=True)

    objects = ScopedManager(firm="firm")

    class Meta:
        indexes = [
            models.Index(fields=["job", "outcome", "line"], name="importrow_job_outcome_line"),
        ]

    def __str__(self):
        return f"{self.job_id}:{self.line}"

    @property
    def reason_text(self) -> str:
        return str(ROW_REASONS.get(self.reason, "")) if self.reason else ""

    @property
    def undo_text(self) -> str:
        return str(UNDO_OUTCOMES.get(self.undo, "")) if self.undo else ""
