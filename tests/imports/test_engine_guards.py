"""The import engine's recovery at its edges (R28): which jobs a starting worker
takes back, what a failed job keeps, and what undo gives back."""

import datetime
from contextlib import contextmanager

import pytest
from django.core.files.base import ContentFile
from django_scopes import scopes_disabled

from imports.engine import run
from imports.engine.run import MAX_ATTEMPTS, import_job_run, import_jobs_requeue_stale
from imports.models import ImportJob, ImportRow, ImportStatus, RowOutcome
from tests.imports.factories import ImportJobFactory
from tests.practice.factories import FirmFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
STALE = 300  # seconds


def _job(firm, *, status, heartbeat=None, created=None, attempts=1):
    """A job as a worker left it; `heartbeat` and `created` in seconds before NOW."""
    with scopes_disabled():
        job = ImportJobFactory(
            firm=firm,
            mode="import",
            status=status,
            attempts=attempts,
            heartbeat_at=None if heartbeat is None else NOW - datetime.timedelta(seconds=heartbeat),
        )
        if created is not None:
            ImportJob.unscoped.filter(pk=job.pk).update(
                created_at=NOW - datetime.timedelta(seconds=created)
            )
    return job


def _state(job):
    with scopes_disabled():
        job = ImportJob.unscoped.get(pk=job.pk)
    return job.status, job.heartbeat_at, job.failure_code


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def test_r28_a_starting_worker_takes_back_exactly_the_stale_jobs(now, firm):
    jobs = {
        "running_stale": _job(firm, status=ImportStatus.RUNNING, heartbeat=STALE + 1),
        "queued_stale": _job(firm, status=ImportStatus.QUEUED, heartbeat=STALE),
        "queued_forgotten": _job(firm, status=ImportStatus.QUEUED, created=STALE + 60),
        "running_alive": _job(firm, status=ImportStatus.RUNNING, heartbeat=STALE - 1),
        "queued_new": _job(firm, status=ImportStatus.QUEUED, created=10),
        "queued_alive_old": _job(
            firm, status=ImportStatus.QUEUED, heartbeat=10, created=STALE + 60
        ),
        "running_no_beat": _job(firm, status=ImportStatus.RUNNING, created=STALE + 60),
        "done": _job(firm, status=ImportStatus.DONE, heartbeat=STALE * 10),
        "failed": _job(firm, status=ImportStatus.FAILED, heartbeat=STALE * 10),
    }
    before = {name: _state(job) for name, job in jobs.items()}
    result = import_jobs_requeue_stale(stale_after=STALE)
    taken = ["running_stale", "queued_stale", "queued_forgotten"]
    assert sorted(result.queued) == sorted(jobs[name].pk for name in taken)
    assert sorted(result.touched) == sorted(result.queued)
    for name, job in jobs.items():
        if name in taken:
            assert _state(job) == (ImportStatus.QUEUED, now, ""), name
        else:
            assert _state(job) == before[name], name


def test_r28_a_job_out_of_attempts_fails_for_good_instead(now, firm):
    job = _job(firm, status=ImportStatus.RUNNING, heartbeat=STALE + 1, attempts=MAX_ATTEMPTS)
    result = import_jobs_requeue_stale(stale_after=STALE)
    assert (result.touched, result.queued) == ([job.pk], [])
    assert _state(job) == (ImportStatus.FAILED, now, "worker_lost")


def test_r28_a_firm_whose_import_is_held_elsewhere_is_skipped_not_the_others(
    now, monkeypatch, firm
):
    busy_firm = FirmFactory()
    # Listed newest first: the held firm's job, one finished meanwhile, then the stale one.
    stale = _job(firm, status=ImportStatus.RUNNING, heartbeat=STALE + 1, created=STALE * 3)
    finished_meanwhile = _job(
        firm, status=ImportStatus.RUNNING, heartbeat=STALE + 1, created=STALE * 2
    )
    busy = _job(busy_firm, status=ImportStatus.RUNNING, heartbeat=STALE + 1, created=STALE + 2)

    @contextmanager
    def lock(firm_id):
        if firm_id == busy_firm.pk:
            yield False  # a live worker holds it
            return
        # Another worker finishes this job between the listing and the lock.
        ImportJob.unscoped.filter(pk=finished_meanwhile.pk).update(status=ImportStatus.DONE)
        yield True

    monkeypatch.setattr(run, "firm_import_lock", lock)
    result = import_jobs_requeue_stale(stale_after=STALE)
    assert (result.touched, result.queued) == ([stale.pk], [stale.pk])
    assert _state(busy)[0] == ImportStatus.RUNNING
    assert _state(finished_meanwhile)[0] == ImportStatus.DONE
    assert _state(stale) == (ImportStatus.QUEUED, now, "")


def test_r28_a_failed_job_records_when_and_why_and_drops_only_its_rows(now, firm):
    job = _job(firm, status=ImportStatus.RUNNING, heartbeat=STALE + 1, attempts=MAX_ATTEMPTS)
    other = _job(firm, status=ImportStatus.DONE)
    with scopes_disabled():
        for owner in (job, other):
            ImportRow.objects.create(
                firm=firm, job=owner, line=2, company_id="1", outcome=RowOutcome.UPDATED
            )
    with scopes_disabled():
        import_job_run(job=ImportJob.unscoped.get(pk=job.pk))
        job = ImportJob.unscoped.get(pk=job.pk)
        assert (job.status, job.failure_code) == (ImportStatus.FAILED, "worker_lost")
        assert job.finished_at == job.heartbeat_at == now
        assert list(ImportRow.objects.filter(job=job)) == []
        assert ImportRow.objects.filter(job=other).count() == 1


def test_r28_the_run_records_the_files_format_with_each_heartbeat(now, firm, standard_member):
    data = "Numéro d'identification de l'entreprise;Nom d'affichage;Numéro de client\r\n"
    with scopes_disabled():
        job = ImportJobFactory(
            firm=firm,
            created_by=standard_member.user,
            mode="check",
            status=ImportStatus.QUEUED,
            encoding="",
            delimiter="",
            language="",
            file=ContentFile(data.encode("cp1252"), name="clients.csv"),
        )
        import_job_run(job=job)
        job = ImportJob.unscoped.get(pk=job.pk)
    assert (job.status, job.encoding, job.delimiter, job.language) == (
        ImportStatus.DONE,
        "cp1252",
        ";",
        "fr",
    )
    assert (job.progress, job.heartbeat_at) == (100, now)
