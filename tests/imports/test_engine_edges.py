"""The import engine at its edges: the limits checked again when a job runs
(R27), the progress and heartbeat a running job reports (R28), what an import
leaves alone and what its summary records, what undo looks at."""

import datetime
import logging
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError
from django.utils import timezone
from django_scopes import scopes_disabled

from imports import bulk, services
from imports.engine import apply, checks, run, staging
from imports.engine.run import import_job_run
from imports.models import ImportJob, ImportStatus
from imports.signals import import_finished
from practice.models import ActivityEvent, ClientAccess, Membership
from practice.tenancy import firm_scope
from tests.imports.factories import ImportJobFactory, csv_bytes, numbers_of, rows_of
from tests.practice.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def row(client, number):
    return [client.company_id, client.display_name, number]


def queued(firm, member, data, mode="check"):
    """A job uploaded earlier, waiting for a worker."""
    with scopes_disabled():
        return ImportJobFactory(
            firm=firm,
            created_by=member.user,
            mode=mode,
            status=ImportStatus.QUEUED,
            total_rows=0,
            progress=0,
            file=ContentFile(data, name="clients.csv"),
        )


def ran(job):
    with scopes_disabled():
        import_job_run(job=job)
        return ImportJob.unscoped.get(pk=job.pk)


def nine_rows(make_clients):
    return csv_bytes([row(client, f"N-{n}") for n, client in enumerate(make_clients(*[None] * 9))])


# R27: the limits in force when the job runs -----------------------------------


@pytest.mark.parametrize("spare", [0, -1])
def test_r27_a_file_over_the_size_limit_set_since_its_upload_fails_when_it_runs(
    spare, settings, firm, standard_member, make_clients
):
    data = nine_rows(make_clients)
    settings.IMPORT_MAX_BYTES = len(data) + spare
    job = ran(queued(firm, standard_member, data))
    if spare < 0:
        assert (job.status, job.failure_code, job.total_rows) == ("failed", "too_large", 0)
    else:
        assert (job.status, job.failure_code, job.total_rows) == ("done", "", 9)


@pytest.mark.parametrize("spare", [0, -1])
def test_r27_a_file_over_the_row_limit_set_since_its_upload_fails_when_it_runs(
    spare, settings, monkeypatch, firm, standard_member, make_clients
):
    """The rows are counted across the chunks the file is read in."""
    monkeypatch.setattr(staging, "CHUNK_ROWS", 2)
    data = nine_rows(make_clients)
    settings.IMPORT_MAX_ROWS = 9 + spare
    job = ran(queued(firm, standard_member, data))
    if spare < 0:
        assert (job.status, job.failure_code) == ("failed", "too_many_rows")
        with scopes_disabled():
            assert not job.rows.exists()
    else:
        assert (job.status, job.failure_code, job.total_rows) == ("done", "", 9)


# R28: what a running job reports -------------------------------------------------


@pytest.fixture
def reports(monkeypatch, time_machine):
    """Each heartbeat of the run as stored: (progress, rows read so far, whether
    its time is the time it was written). The clock moves on a minute after each."""
    time_machine.move_to(NOW, tick=False)
    seen = []
    original = staging.touch

    def touch(job, **fields):
        original(job, **fields)
        stored = ImportJob.unscoped.get(pk=job.pk)
        seen.append((stored.progress, stored.total_rows, stored.heartbeat_at == timezone.now()))
        time_machine.shift(datetime.timedelta(minutes=1))

    monkeypatch.setattr(staging, "touch", touch)
    return seen


def test_r28_a_running_job_reports_after_its_first_chunk_then_about_once_a_second(
    reports, monkeypatch, firm, standard_member, make_clients
):
    monkeypatch.setattr(staging, "CHUNK_ROWS", 2)
    # Five chunks (2, 2, 2, 2, 1 rows), read at these seconds:
    clock = iter([0.0, 0.5, 1.0, 1.4, 2.0])
    monkeypatch.setattr(staging, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    job = ran(queued(firm, standard_member, nine_rows(make_clients)))
    assert job.status == ImportStatus.DONE
    # The file is small enough to be read whole with its first chunk: 80 % is
    # all of the reading; then the rules are checked (85 %).
    assert reports == [
        (1, 0, True),  # the file's format
        (80, 2, True),  # after the first chunk
        (80, 6, True),  # a second later
        (80, 9, True),  # and another
        (80, 9, True),  # the whole file read
        (85, 9, True),  # checking the rules
    ]


def test_r28_a_running_jobs_progress_follows_the_bytes_read(
    reports, monkeypatch, firm, standard_member, make_clients
):
    """A file read in many blocks, reported on for its first five chunks of ten:
    each report lies between the start of the reading (5 %) and its end (80 %)
    and never goes back; the end of the reading is reported in full."""
    monkeypatch.setattr(staging, "CHUNK_ROWS", 100)
    clock = iter([0.0, 1.0, 2.0, 3.0, 4.0, 4.1, 4.2, 4.3, 4.4, 4.5])
    monkeypatch.setattr(staging, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    clients = make_clients(None)
    rows = [row(clients[0], "N-1")] + [["0", "Nobody " + "x" * 80, f"X-{n}"] for n in range(999)]
    job = ran(queued(firm, standard_member, csv_bytes(rows)))
    assert (job.status, job.total_rows, job.failed_count) == (ImportStatus.DONE, 1000, 999)
    assert [(total, fresh) for _, total, fresh in reports] == [
        (0, True),
        *[(total, True) for total in (100, 200, 300, 400, 500)],
        (1000, True),
        (1000, True),
    ]
    reading = [progress for progress, _, _ in reports[1:6]]
    assert reading == sorted(reading) and reading[-1] < 80
    # At least the share of the file the rows handed over so far take (the reader
    # may be a chunk ahead): 5 + 75 x bytes read / size.
    size = len(csv_bytes(rows))
    for (progress, total, _), in_file in zip(reports[1:6], (100, 200, 300, 400, 500), strict=True):
        assert total == in_file
        assert progress >= 5 + int(75 * len(csv_bytes(rows[:in_file])) / size)
    assert [progress for progress, _, _ in reports[6:]] == [80, 85]


# What an import leaves alone, and what it records ------------------------------


def test_r26_a_swap_leaves_the_firms_other_numbers_alone(make_clients, run_import):
    a, b, c = make_clients("1", "2", "3")
    job = run_import(csv_bytes([row(a, "2"), row(b, "1")]))
    assert job.updated_count == 2
    assert numbers_of([a, b, c]) == ["2", "1", "3"]


def test_r26_the_counts_of_an_import_that_changes_nothing(make_clients, run_import):
    a, b = make_clients("A", "B")
    job = run_import(csv_bytes([row(a, "A"), [b.company_id, "Someone else", "B-2"]]))
    assert (job.total_rows, job.updated_count, job.unchanged_count, job.failed_count) == (
        2,
        0,
        1,
        1,
    )
    job = run_import(csv_bytes([[b.company_id, "Someone else", "B-2"]]))
    assert (job.total_rows, job.updated_count, job.unchanged_count, job.failed_count) == (
        1,
        0,
        0,
        1,
    )


def test_the_import_summary_names_who_ran_it_and_the_end_is_announced(
    make_clients, run_import, firm, admin_member
):
    (a,) = make_clients(None)
    heard = []

    def receiver(sender, *, firm, job, **kwargs):
        heard.append((firm.pk, job.pk, job.status))

    import_finished.connect(receiver, sender=ImportJob, weak=False)
    try:
        job = run_import(csv_bytes([row(a, "N")]), by=admin_member)
    finally:
        import_finished.disconnect(receiver, sender=ImportJob)
    assert heard == [(firm.pk, job.pk, ImportStatus.DONE)]
    with scopes_disabled():
        (summary,) = ActivityEvent.objects.filter(firm=firm, verb="import.completed")
    assert summary.actor == admin_member.user


def test_work_tables_that_cannot_be_dropped_are_logged_and_the_import_stands(
    make_clients, run_import, monkeypatch, caplog
):
    (a,) = make_clients("OLD")
    original = bulk.temp_tables_drop

    def drop(*names):
        if names == checks.TEMP_TABLES:  # the run's final clean-up only
            raise DatabaseError("connection lost")
        original(*names)

    monkeypatch.setattr(bulk, "temp_tables_drop", drop)
    with caplog.at_level(logging.WARNING, logger=run.logger.name):
        job = run_import(csv_bytes([row(a, "NEW")]))
    assert (job.status, numbers_of([a])) == (ImportStatus.DONE, ["NEW"])
    (record,) = [r for r in caplog.records if r.name == run.logger.name]
    assert record.getMessage() == "Could not drop the import's work tables."
    assert record.levelno == logging.WARNING
    assert isinstance(record.exc_info[1], DatabaseError)
    original(*checks.TEMP_TABLES)


# Undo looks at the updated rows only -------------------------------------------


def test_undo_leaves_the_unchanged_and_refused_rows_alone(
    make_clients, run_import, firm, standard_member
):
    a, b, c = make_clients("A", "B", "C")
    job = run_import(csv_bytes([row(a, "A-2"), row(b, "B"), [c.company_id, "Someone else", "C-2"]]))
    assert rows_of(job) == [("updated", ""), ("unchanged", ""), ("failed", "name_mismatch")]
    with firm_scope(firm):
        job = services.import_job_undo(firm=firm, job=job, by=standard_member)
    assert (job.restored_count, job.not_restored_count) == (1, 0)
    assert numbers_of([a, b, c]) == ["A", "B", "C"]
    with scopes_disabled():
        assert list(job.rows.order_by("line").values_list("undo", flat=True)) == [
            "restored",
            "",
            "",
        ]


# R28: claiming a job, and how a run that fails is recorded ----------------------


def test_r28_a_worker_claims_the_job_before_reading_its_file(
    monkeypatch, time_machine, firm, standard_member, make_clients
):
    """Running, one more attempt, started and heard from now: a worker that dies
    while reading the file leaves a job that is taken back once stale."""
    time_machine.move_to(NOW, tick=False)
    job = queued(firm, standard_member, nine_rows(make_clients))
    claimed = []
    original = staging.stage

    def stage(job):
        stored = ImportJob.unscoped.get(pk=job.pk)
        claimed.append(
            (
                stored.status,
                stored.attempts,
                stored.started_at,
                stored.heartbeat_at,
                stored.progress,
            )
        )
        original(job)

    monkeypatch.setattr(staging, "stage", stage)
    attempts = job.attempts
    assert ran(job).status == ImportStatus.DONE
    assert claimed == [(ImportStatus.RUNNING, attempts + 1, NOW, NOW, 1)]


@pytest.mark.parametrize(
    ("error", "code", "level", "message"),
    [
        (
            IntegrityError("unique"),
            "conflict",
            logging.WARNING,
            "hit a unique constraint; nothing applied.",
        ),
        (RuntimeError("bug"), "error", logging.ERROR, "failed."),
    ],
)
def test_a_run_that_fails_applies_nothing_and_is_logged_with_its_cause(
    error, code, level, message, monkeypatch, caplog, make_clients, run_import
):
    a, b = make_clients("1", "2")

    def fail(**kwargs):
        raise error

    monkeypatch.setattr(apply, "apply_numbers", fail)
    with caplog.at_level(logging.WARNING, logger=run.logger.name):
        job = run_import(csv_bytes([row(a, "2"), row(b, "1")]))
    assert (job.status, job.failure_code) == (ImportStatus.FAILED, code)
    assert numbers_of([a, b]) == ["1", "2"]
    with scopes_disabled():
        assert not job.rows.exists()
    (record,) = [r for r in caplog.records if r.name == run.logger.name]
    assert (record.levelno, record.getMessage()) == (level, f"Import {job.pk} {message}")
    assert record.exc_info is None if code == "conflict" else record.exc_info[1] is error


# R30, R31: whose reach the import keeps to --------------------------------------


def test_r30_r31_the_import_keeps_to_its_authors_reach_in_this_firm(
    make_clients, run_import, firm, other_firm
):
    """Restricted elsewhere, not here: every client of this firm is known. Then
    restricted here: a client they do not reach is as unknown as a missing one,
    and one they lead is known."""
    (seen, hidden) = make_clients("S-1", "H-1")
    with scopes_disabled():
        user = UserFactory()
        MembershipFactory(firm=other_firm, user=user, client_access=ClientAccess.ASSIGNED)
        member = MembershipFactory(firm=firm, user=user)
        type(seen).objects.filter(pk=seen.pk).update(lead_accountant=member)
    data = csv_bytes([row(seen, "S-2"), row(hidden, "H-2")])
    job = run_import(data, mode="check", by=member)
    assert rows_of(job) == [("updated", ""), ("updated", "")]
    with scopes_disabled():
        Membership.objects.filter(pk=member.pk).update(client_access=ClientAccess.ASSIGNED)
        member.refresh_from_db()
    job = run_import(data, by=member)
    assert rows_of(job) == [("updated", ""), ("failed", "unknown_company_id")]
    assert numbers_of([seen, hidden]) == ["S-2", "H-1"]


def test_r30_r31_someone_restricted_in_two_firms_imports_in_each_with_that_firms_reach(
    make_clients, run_import, firm, other_firm, primary_admin
):
    """Each firm's import reads its author's membership of that firm, not of the
    other, nor another member's of the same firm (listed before them by name)."""
    with scopes_disabled():
        user = UserFactory(full_name="Zzyzx Last")
        here = MembershipFactory(firm=firm, user=user, client_access=ClientAccess.ASSIGNED)
        there = MembershipFactory(firm=other_firm, user=user, client_access=ClientAccess.ASSIGNED)
    led, hidden = make_clients("L-1", "H-1")
    (led_there,) = make_clients("T-1", target_firm=other_firm)
    with scopes_disabled():
        type(led).objects.filter(pk=led.pk).update(lead_accountant=here)
        type(led).objects.filter(pk=led_there.pk).update(lead_accountant=there)
    job = run_import(csv_bytes([row(led, "L-2"), row(hidden, "H-2")]), by=here)
    assert rows_of(job) == [("updated", ""), ("failed", "unknown_company_id")]
    job = ran(queued(other_firm, there, csv_bytes([row(led_there, "T-2")]), mode="import"))
    assert rows_of(job) == [("updated", "")]
    assert numbers_of([led, hidden, led_there]) == ["L-2", "H-1", "T-2"]


def test_r26_an_import_whose_author_has_left_the_firm_still_runs(
    make_clients, firm, standard_member
):
    (a,) = make_clients("OLD")
    job = queued(firm, standard_member, csv_bytes([row(a, "NEW")]), mode="import")
    with scopes_disabled():
        Membership.objects.filter(pk=standard_member.pk).delete()
    job = ran(job)
    assert (job.status, job.updated_count) == (ImportStatus.DONE, 1)
    assert numbers_of([a]) == ["NEW"]


def test_r28_a_job_waits_while_its_firms_import_lock_is_held_elsewhere(
    monkeypatch, firm, other_firm, standard_member, make_clients
):
    """Only the firm's own lock matters: another firm's import does not hold it up."""
    (a,) = make_clients("OLD")
    job = queued(firm, standard_member, csv_bytes([row(a, "NEW")]), mode="import")

    @contextmanager
    def lock(firm_id):
        yield firm_id != held[0]

    monkeypatch.setattr(run, "firm_import_lock", lock)
    held = [firm.pk]
    with pytest.raises(run.ImportBusy), scopes_disabled():
        import_job_run(job=job)
    with scopes_disabled():
        job.refresh_from_db()
    assert (job.status, job.attempts, numbers_of([a])) == (ImportStatus.QUEUED, 0, ["OLD"])
    held[0] = other_firm.pk
    assert ran(job).status == ImportStatus.DONE
    assert numbers_of([a]) == ["NEW"]


def test_r28_claiming_a_job_leaves_the_firms_other_queued_jobs_alone(
    firm, standard_member, make_clients
):
    (a,) = make_clients("OLD")
    data = csv_bytes([row(a, "NEW")])
    job, waiting = (queued(firm, standard_member, data) for _ in range(2))
    assert ran(job).status == ImportStatus.DONE
    with scopes_disabled():
        waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts, waiting.started_at) == (ImportStatus.QUEUED, 0, None)


def test_r28_a_job_finished_by_another_worker_meanwhile_is_not_run_again(
    monkeypatch, firm, standard_member, make_clients
):
    """Another worker finishes the job between this one's look at it and its claim."""
    (a,) = make_clients("OLD")
    job = queued(firm, standard_member, csv_bytes([row(a, "NEW")]), mode="import")
    original = ImportJob.refresh_from_db
    finished = []

    def refresh(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if not finished:
            finished.append(self.pk)
            ImportJob.unscoped.filter(pk=self.pk).update(status=ImportStatus.DONE)

    monkeypatch.setattr(ImportJob, "refresh_from_db", refresh)
    with scopes_disabled():
        import_job_run(job=job)
        job = ImportJob.unscoped.get(pk=job.pk)
    assert (job.status, job.attempts, job.started_at) == (ImportStatus.DONE, 0, None)
    assert numbers_of([a]) == ["OLD"]


def test_an_import_writes_the_number_of_a_client_without_its_number_row(make_clients, run_import):
    """Clients written around the models (raw SQL, fixtures) may lack the number
    row: the import gives them one, with the number the file gives, rather than
    reporting a number it did not write."""
    from clients.models import ClientNumber

    lost, kept = make_clients("L-1", "K-1")
    with scopes_disabled():
        ClientNumber.objects.filter(client=lost).delete()
    job = run_import(
        csv_bytes([[c.company_id, c.display_name, c.client_number + "0"] for c in (lost, kept)])
    )
    assert job.updated_count == 2
    with scopes_disabled():
        assert dict(ClientNumber.objects.values_list("client_id", "number")) == {
            lost.pk: "L-10",
            kept.pk: "K-10",
        }
