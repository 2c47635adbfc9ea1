"""Jobs resume when a worker starts, without beat (issue 14 §5), and the pages
that wait on background work say when it has stopped."""

import datetime
import os
import signal
import subprocess
import uuid
from unittest import mock

import pytest
from celery.signals import worker_ready
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from imports import tasks
from imports.models import ImportJob, ImportStatus
from practice import workers
from practice.celery import WorkerHeartbeat
from tests.imports.factories import ImportJobFactory, csv_bytes
from tests.imports.test_worker_crash import _file_for, _firm_with_clients, _start_worker, _wait


def _running_job(firm, owner, data: bytes, *, heartbeat_at) -> ImportJob:
    with scopes_disabled():
        return ImportJobFactory(
            firm=firm,
            created_by=owner.user,
            mode="import",
            status=ImportStatus.RUNNING,
            attempts=1,
            progress=46,
            heartbeat_at=heartbeat_at,
            file=ContentFile(data, name="clients.csv"),
        )


def test_a_starting_worker_requeues_a_stale_job(
    firm, standard_member, make_clients, settings, monkeypatch, run_on_commit, time_machine
):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC), tick=False)
    (a,) = make_clients("1")
    stale_at = datetime.datetime(2026, 3, 2, 9, 55, tzinfo=datetime.UTC)
    job = _running_job(
        firm,
        standard_member,
        csv_bytes([[a.company_id, a.display_name, "N-7"]]),
        heartbeat_at=stale_at,
    )
    follow_ups = []
    run_now = tasks.imports_requeue_stale.apply_async

    def apply_async(*args, countdown=None, **kwargs):
        if countdown is None:
            return run_now(*args, **kwargs)
        follow_ups.append(countdown)  # eager tasks would ignore the countdown

    monkeypatch.setattr(tasks.imports_requeue_stale, "apply_async", apply_async)

    worker_ready.send(sender=None)

    with scopes_disabled():
        job.refresh_from_db()
        a.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.attempts == 2
    assert a.client_number == "N-7"
    # A job whose heartbeat was still fresh is picked up by the follow-up check.
    assert follow_ups == [settings.IMPORT_STALE_SECONDS + 5]


def test_a_fresh_job_is_left_to_its_worker(firm, standard_member, run_on_commit):
    job = _running_job(firm, standard_member, b"", heartbeat_at=timezone.now())
    worker_ready.send(sender=None)
    with scopes_disabled():
        job.refresh_from_db()
    assert job.status == ImportStatus.RUNNING and job.attempts == 1


def test_the_job_page_says_when_the_worker_stopped(
    client_for, firm, standard_member, settings, time_machine
):
    start = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)
    time_machine.move_to(start, tick=False)
    job = _running_job(firm, standard_member, b"", heartbeat_at=start)
    url = reverse("imports:job", args=[firm.slug, job.pk])
    client = client_for(standard_member)

    page = client.get(url).content.decode()
    assert 'data-testid="job-stalled"' not in page
    assert "<progress" in page

    time_machine.move_to(start + datetime.timedelta(seconds=settings.IMPORT_STALE_SECONDS + 1))
    page = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "The background worker stopped while this import was running" in page
    assert "will resume when the worker starts again" in page
    assert "<progress" not in page
    assert 'hx-trigger="every 1s"' in page  # still polled: the page updates once it resumes


def test_pages_waiting_on_background_work_say_when_no_worker_is_heard_from(
    client_for, firm, standard_member, settings, time_machine
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WORKER_SILENT_SECONDS = 120
    start = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)
    time_machine.move_to(start, tick=False)
    with scopes_disabled():
        job = ImportJobFactory(firm=firm, created_by=standard_member.user, status="queued")
    url = reverse("imports:job", args=[firm.slug, job.pk])
    client = client_for(standard_member)
    workers.cache.delete(workers.HEARTBEAT_KEY)

    assert "Background jobs are not running" in client.get(url).content.decode()

    workers.worker_heartbeat_record()
    assert "Background jobs are not running" not in client.get(url).content.decode()

    time_machine.move_to(start + datetime.timedelta(seconds=121), tick=False)
    assert "Background jobs are not running" in client.get(url).content.decode()


def test_the_worker_heartbeat_bootstep_stamps_at_start_and_then_regularly(settings):
    workers.cache.delete(workers.HEARTBEAT_KEY)
    scheduled = []

    class Timer:
        def call_repeatedly(self, seconds, fun, priority=0):
            scheduled.append((seconds, fun))
            return mock.Mock()

    class Worker:
        timer = Timer()

    step = WorkerHeartbeat(Worker())
    step.start(Worker())
    assert workers.worker_last_seen() is not None
    assert scheduled == [(settings.WORKER_HEARTBEAT_SECONDS, workers.worker_heartbeat_record)]
    step.stop(Worker())
    assert step.timer_entry is None


@pytest.mark.worker
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (set REDIS_URL)")
@pytest.mark.django_db(transaction=True)
def test_without_beat_a_starting_worker_resumes_orphaned_imports(monkeypatch, media_root):
    """A real worker, no beat: one import was orphaned long ago, another just now
    (its heartbeat still fresh when the worker starts). Both finish."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a shared database server (DATABASE_URL)")
    queue = f"imports-resume-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("CELERY_QUEUE", queue)
    monkeypatch.setenv("IMPORT_STALE_SECONDS", "3")
    jobs = []
    for heartbeat in (timezone.now() - datetime.timedelta(hours=1), timezone.now()):
        firm, owner = _firm_with_clients(200)
        jobs.append(_running_job(firm, owner, _file_for(firm, 200), heartbeat_at=heartbeat))
    log_path = media_root.parent / "worker.log"
    worker = _start_worker(queue, media_root, log_path, eager=False)
    try:

        def finished():
            with scopes_disabled():
                for job in jobs:
                    job.refresh_from_db()
            return all(job.is_finished for job in jobs)

        try:
            _wait(finished, 90, "both orphaned imports to finish")
        except AssertionError:
            log = log_path.read_text() if log_path.exists() else "(no worker log)"
            raise AssertionError(
                f"{[(j.pk, j.status, j.attempts) for j in jobs]}; worker log:\n{log[-3000:]}"
            ) from None
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
    assert [(job.status, job.attempts, job.updated_count) for job in jobs] == [
        (ImportStatus.DONE, 2, 200),
        (ImportStatus.DONE, 2, 200),
    ]
