"""Writes for client-number imports (R26–R28): upload, run, undo."""

import json
import logging
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import CLIENT_NUMBER_MAX_LENGTH, Client
from imports.bulk import copy_rows
from imports.locks import firm_import_lock, firm_import_lock_in_transaction
from imports.models import ImportJob, ImportMode, ImportRow, ImportStatus, RowOutcome
from imports.parsing import CsvReader, ParseError, inspect, read_ahead
from practice.activity import activity_record
from practice.models import Firm, Membership

logger = logging.getLogger(__name__)

CHUNK_ROWS = 5_000
FAILED, UPDATED = str(RowOutcome.FAILED), str(RowOutcome.UPDATED)
STAGED_COLUMNS = [
    "firm_id",
    "job_id",
    "line",
    "company_id",
    "display_name",
    "client_number",
    "client_id",
    "previous_number",
    "outcome",
    "reason",
    "undo",
]
MAX_ATTEMPTS = 3
PROGRESS_SECONDS = 1.0


class ImportBusy(Exception):
    """Another import of the same firm is running; try again shortly."""


def require_import_access(membership: Membership) -> None:
    """Admins and standard users import client numbers (every active member)."""
    if membership is None or not membership.is_active:
        raise PermissionDenied(_("Only the firm's team can import client numbers."))


def _enqueue(job: ImportJob) -> None:
    from imports.tasks import import_run

    transaction.on_commit(lambda: import_run.delay(job.pk))


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
        raise ValidationError(
            _("The file is larger than the limit of %(limit)s.")
            % {"limit": filesizeformat(max_bytes)}
        )
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
    _enqueue(job)
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
    _enqueue(new_job)
    return new_job


# Run ----------------------------------------------------------------------------


def _same_name(a: str, b: str) -> bool:
    if a == b:
        return True

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).split()).casefold()

    return norm(a) == norm(b)


def _row_reason(row, client) -> str:
    """The first R26 rule a row breaks on its own, or ""."""
    if client is None:
        return "unknown_company_id"
    if not _same_name(row.display_name, client[1]):
        return "name_mismatch"
    if not row.client_number:
        return "empty_number"
    if len(row.client_number) > CLIENT_NUMBER_MAX_LENGTH:
        return "too_long"
    return ""


def _clients_by_company_id(firm_id: int, company_ids: set[str]) -> dict[str, tuple]:
    """company ID -> (pk, display name, client number) for one chunk of rows."""
    company_ids.discard("")
    if connection.vendor == "postgresql":
        # One parameter instead of thousands: much cheaper to send and plan. Sent
        # as JSON, which is several times cheaper to encode than a list parameter.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT company_id, id, display_name, client_number FROM {Client._meta.db_table}"  # noqa: S608
                " WHERE firm_id = %s"
                " AND company_id = ANY(ARRAY(SELECT jsonb_array_elements_text(%s::jsonb)))",
                [firm_id, json.dumps(list(company_ids))],
            )
            rows = cursor.fetchall()
    else:
        rows = Client.objects.filter(firm_id=firm_id, company_id__in=company_ids).values_list(
            "company_id", "pk", "display_name", "client_number"
        )
    return {company_id: (pk, name, number) for company_id, pk, name, number in rows}


def _touch(job: ImportJob, **fields) -> None:
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now(), **fields)


def _stage_chunk(job: ImportJob, chunk: list) -> None:
    clients = _clients_by_company_id(job.firm_id, {row.company_id for row in chunk})
    firm_id, job_id = job.firm_id, job.pk
    staged = []
    append = staged.append
    for row in chunk:
        client = clients.get(row.company_id)
        reason = _row_reason(row, client)
        append(
            (
                firm_id,
                job_id,
                row.line,
                row.company_id,
                row.display_name,
                row.client_number,
                client[0] if client else None,
                client[2] if client else None,
                FAILED if reason else UPDATED,
                reason,
                "",
            )
        )
    copy_rows(ImportRow, STAGED_COLUMNS, staged)


def _stage(job: ImportJob) -> None:
    """Read the file into ImportRow rows, chunk by chunk, matching each to its client."""
    ImportRow.objects.filter(job=job).delete()
    max_rows = settings.IMPORT_MAX_ROWS
    try:
        stream = job.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise ParseError("file_missing") from None
    try:
        size = job.file.size or 1
        if size > settings.IMPORT_MAX_BYTES:
            raise ParseError("too_large")
        reader = CsvReader(stream)
        fmt = reader.format
        _touch(job, encoding=fmt.encoding, delimiter=fmt.delimiter, language=fmt.language)
        total = 0
        committed_at = None
        more = True
        with read_ahead(reader, CHUNK_ROWS, depth=1) as chunks:
            while more:
                # Each commit waits for a disk flush: report progress after the first
                # chunk, then about once a second rather than after every chunk. The
                # staged rows need no durability of their own (a re-run starts over).
                more = False
                with transaction.atomic():
                    _lock_job_and_firm(job)
                    for chunk in chunks:
                        total += len(chunk)
                        if total > max_rows:
                            raise ParseError("too_many_rows")
                        _stage_chunk(job, chunk)
                        progress = 5 + int(75 * min(reader.bytes_read() / size, 1))
                        _touch(job, progress=progress, total_rows=total)
                        now = time.monotonic()
                        if committed_at is None or now - committed_at >= PROGRESS_SECONDS:
                            committed_at = now
                            more = True
                            break
        reader.detach()
    finally:
        stream.close()
    if connection.vendor == "postgresql":
        # Fresh statistics keep the whole-file checks on index lookups and hash
        # joins: the rows were just written, and clients may have been created in
        # bulk since autovacuum last looked (stale figures turn the number lookups
        # into a scan of the whole table per row).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ImportRow._meta.db_table}")
            if _statistics_stale(cursor, Client._meta.db_table):
                cursor.execute(f"ANALYZE {Client._meta.db_table}")


def _lock_job_and_firm(job: ImportJob) -> None:
    """What ImportRow's foreign keys would check for every row, done once: the
    job and its firm exist, and stay until this transaction ends."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {quote(ImportJob._meta.db_table)} j"  # noqa: S608
            f" JOIN {quote(Firm._meta.db_table)} f ON f.id = j.firm_id"
            " WHERE j.id = %s AND j.firm_id = %s FOR KEY SHARE",
            [job.pk, job.firm_id],
        )
        if cursor.fetchone() is None:
            raise IntegrityError(f"Import job {job.pk} no longer exists.")


def _statistics_stale(cursor, table: str) -> bool:
    """Whether more than a tenth of `table` changed since it was last analysed
    (autovacuum's own threshold), or it never was."""
    cursor.execute(
        "SELECT n_mod_since_analyze, n_live_tup, last_analyze, last_autoanalyze"
        " FROM pg_stat_user_tables WHERE relid = %s::regclass",
        [table],
    )
    stats = cursor.fetchone()
    if stats is None:
        return True
    changed, live, analysed, autoanalysed = stats
    if analysed is None and autoanalysed is None:
        return True
    return changed > 50 + 0.1 * live


def _cascade(conflicts: Iterable[tuple[int, int, int, bool]]) -> list[int]:
    """Rows that must fail because the number they want stays with its holder.

    `conflicts` holds (row id, row's client, holder of the wanted number, whether
    the holder's own number changes in this run). A failing row keeps its client's
    number, so rows wanting that number fail in turn."""
    waiting: dict[int, list[tuple[int, int]]] = defaultdict(list)
    failing: list[tuple[int, int]] = []
    for row_id, client_id, holder_id, holder_moves in conflicts:
        if holder_moves:
            waiting[holder_id].append((row_id, client_id))
        else:
            failing.append((row_id, client_id))
    failed: list[int] = []
    while failing:
        row_id, client_id = failing.pop()
        failed.append(row_id)
        failing.extend(waiting.pop(client_id, ()))
    return failed


def _fail_rows(qs, ids: list[int], **fields) -> None:
    for start in range(0, len(ids), CHUNK_ROWS):
        qs.filter(pk__in=ids[start : start + CHUNK_ROWS]).update(**fields)


def _conflicts(moving, target: str, firm_id: int):
    """(row, client, holder, holder_moves) for moving rows whose target number is
    held by another client of the firm; holder_moves tells whether that client is
    itself among the moving rows. Joins rather than a lookup per row: every row of
    a large file is checked, and only swaps and clashes come back."""
    moving_sql, params = (
        moving.annotate(m_id=F("pk"), m_client=F("client_id"), m_target=F(target))
        .values("m_id", "m_client", "m_target")
        .query.sql_with_params()
    )
    clients = connection.ops.quote_name(Client._meta.db_table)
    sql = f"""
        SELECT m.m_id, m.m_client, c.id, (h.m_client IS NOT NULL)
        FROM ({moving_sql}) m
        JOIN {clients} c
          ON c.firm_id = %s AND c.client_number = m.m_target AND c.id <> m.m_client
        LEFT JOIN (SELECT DISTINCT n.m_client FROM ({moving_sql}) n) h ON h.m_client = c.id
        WHERE m.m_target IS NOT NULL
    """  # noqa: S608 - identifiers come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, firm_id, *params])
        return [(row, client, holder, bool(moves)) for row, client, holder, moves in cursor]


def _apply(*, firm: Firm, moving, target: str) -> None:
    """Give each moving row's client its target number, never tripping the per-firm
    unique constraint on the way: clients whose current number another moving row
    wants are cleared first, then every target is set in one statement."""
    client_ids = moving.values("client_id")
    Client.objects.filter(
        firm=firm, pk__in=client_ids, client_number__in=moving.values(target)
    ).update(client_number=None)
    targets_sql, params = (
        moving.annotate(new_number=F(target))
        .values("client_id", "new_number")
        .query.sql_with_params()
    )
    table = connection.ops.quote_name(Client._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET client_number = m.new_number, version = version + 1,"  # noqa: S608
            f" updated_at = %s FROM ({targets_sql}) m"
            f" WHERE {table}.id = m.client_id AND {table}.firm_id = %s",
            [timezone.now(), *params, firm.pk],
        )


def _refresh_previous_numbers(candidates) -> None:
    """Numbers were read while staging; correct the few edited since, by hand."""
    current = F("client__client_number")
    drifted = candidates.filter(
        Q(client__client_number__isnull=True, previous_number__isnull=False)
        | Q(client__client_number__isnull=False, previous_number__isnull=True)
        | (~Q(previous_number=current) & Q(previous_number__isnull=False))
    ).values_list("pk", "client__client_number")
    for pk, number in list(drifted):
        candidates.filter(pk=pk).update(previous_number=number)


def _validate_and_apply(job: ImportJob) -> None:
    """Apply the R26 rules that need the whole file, then apply every valid row
    in this one transaction (all or none). Check-only runs stop before applying."""
    firm = job.firm
    with transaction.atomic():
        # Writing first takes SQLite's write lock before anything is read.
        _touch(job, progress=85)
        rows = ImportRow.objects.filter(job=job)
        # Rows that passed the per-row checks were staged as "updated"; the
        # whole-file rules below move some of them to "failed" or "unchanged".
        candidates = rows.filter(outcome=RowOutcome.UPDATED)
        candidates.filter(client__isnull=True).update(
            outcome=RowOutcome.FAILED, reason="unknown_company_id"
        )
        _refresh_previous_numbers(candidates)
        repeated_ids = (
            candidates.values("client_id")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values("client_id")
        )
        candidates.filter(client_id__in=repeated_ids).update(
            outcome=RowOutcome.FAILED, reason="duplicate_company_id"
        )
        repeated_numbers = (
            rows.exclude(client_number="")
            .values("client_number")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values("client_number")
        )
        candidates.filter(client_number__in=repeated_numbers).update(
            outcome=RowOutcome.FAILED, reason="duplicate_number"
        )
        candidates.filter(client_number=F("previous_number")).update(outcome=RowOutcome.UNCHANGED)
        taken = _cascade(_conflicts(candidates, "client_number", firm.pk))
        _fail_rows(rows, taken, outcome=RowOutcome.FAILED, reason="number_taken")

        if job.mode == ImportMode.IMPORT:
            _apply(firm=firm, moving=candidates, target="client_number")
        counts = dict(rows.values("outcome").annotate(n=Count("pk")).values_list("outcome", "n"))
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


def _fail(job: ImportJob, code: str) -> None:
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED, failure_code=code, finished_at=now, heartbeat_at=now
    )
    ImportRow.objects.filter(job=job).delete()


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
            _stage(job)
            _validate_and_apply(job)
        except ParseError as exc:
            _fail(job, exc.code)
        except IntegrityError:
            logger.warning("Import %s hit a unique constraint; nothing applied.", job.pk)
            _fail(job, "conflict")
        except Exception:
            logger.exception("Import %s failed.", job.pk)
            _fail(job, "error")
        job.refresh_from_db()
        return job


def imports_requeue_stale(*, stale_after: int) -> list[int]:
    """Jobs left "running" by a dead worker (or "queued" and forgotten) go back
    to the queue, or fail for good after MAX_ATTEMPTS. Returns the job ids touched.

    Called by the beat task, outside any firm scope."""
    from practice.tenancy import firm_scope

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
    touched = []
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
            touched.append(job)
    # Enqueued once the lock is released, so the job can take it at once.
    for job in touched:
        if job.attempts < MAX_ATTEMPTS:
            _enqueue(job)
    return [job.pk for job in touched]


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
    rows = ImportRow.objects.filter(job=job, outcome=RowOutcome.UPDATED)
    rows.update(undo="")
    current = Client.objects.filter(firm_id=OuterRef("firm_id"), pk=OuterRef("client_id")).values(
        "client_number"
    )[:1]
    changed = list(
        rows.annotate(current=Subquery(current))
        .exclude(current=F("client_number"))
        .values_list("pk", flat=True)
    )
    _fail_rows(rows, changed, undo="changed_since")
    moving = rows.filter(undo="")
    taken = _cascade(_conflicts(moving, "previous_number", firm.pk))
    _fail_rows(rows, taken, undo="number_taken")
    _apply(firm=firm, moving=moving, target="previous_number")
    job.restored_count = moving.update(undo="restored")
    job.not_restored_count = len(changed) + len(taken)
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
