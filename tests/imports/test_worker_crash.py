"""A real Celery worker is killed in the middle of an import and restarted: the
result equals that of an uninterrupted run (issue 5 §5, §9). Needs Redis and
PostgreSQL (REDIS_URL and DATABASE_URL); CI runs it."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django_scopes import scopes_disabled

from clients.models import Client
from imports import tasks
from imports.models import ImportJob, ImportStatus
from practice.celery import app as celery_app
from tests.imports.factories import csv_bytes
from tests.practice.factories import FirmFactory, MembershipFactory

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (set REDIS_URL)"),
]

ROWS = 40_000


def _firm_with_clients(size: int):
    with scopes_disabled():
        firm = FirmFactory()
        owner = MembershipFactory(firm=firm, role="primary_admin")
        Client.objects.bulk_create(
            [
                Client(
                    firm=firm,
                    client_type="business",
                    display_name=f"Client {i}",
                    company_id=f"5{firm.pk:05d}{i:010d}",
                    client_number=f"N-{i}",
                )
                for i in range(size)
            ],
            batch_size=5000,
        )
    return firm, owner


def _file_for(firm, size: int) -> bytes:
    """Every client takes the next one's number (a full rotation), plus rows
    that fail for different reasons."""
    rows = [[f"5{firm.pk:05d}{i:010d}", f"Client {i}", f"N-{(i + 1) % size}"] for i in range(size)]
    rows += [["0000", "Nobody", "X-1"], [rows[0][0], "Wrong name", "X-2"]]
    return csv_bytes(rows)


def _job(firm, owner, data: bytes) -> ImportJob:
    with scopes_disabled():
        job = ImportJob(
            firm=firm, created_by=owner.user, mode="import", original_filename="rotation.csv"
        )
        job.file.save("rotation.csv", ContentFile(data), save=False)
        job.save()
    return job


def _outcome(firm, job):
    with scopes_disabled():
        job.refresh_from_db()
        numbers = dict(
            Client.objects.filter(firm=firm).values_list("display_name", "client_number")
        )
        rows = list(job.rows.order_by("line").values_list("line", "outcome", "reason"))
    counts = (job.status, job.total_rows, job.updated_count, job.unchanged_count, job.failed_count)
    return counts, numbers, rows


def _start_worker(queue: str, media_root, log_path, *, eager: bool = True) -> subprocess.Popen:
    """A real worker on `queue`. With eager=False the tasks it sends itself go
    through the broker too (to CELERY_QUEUE), so countdowns are honoured."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "CELERY_TASK_ALWAYS_EAGER": "1" if eager else "0",
        "DJANGO_SETTINGS_MODULE": "practice.settings_test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "MEDIA_ROOT": str(media_root),
    }
    command = [
        os.path.join(os.path.dirname(sys.executable), "celery"),
        "-A",
        "practice",
        "worker",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
        f"--logfile={log_path}",
        "-Q",
        queue,
    ]
    return subprocess.Popen(command, env=env, start_new_session=True)


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_killed_worker_mid_import_ends_like_an_uninterrupted_run(monkeypatch, media_root):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a shared database server (DATABASE_URL)")
    queue = f"imports-crash-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(
        tasks,
        "import_run_enqueue",
        lambda job_id: tasks.import_run.apply_async(args=[job_id], queue=queue),
    )

    # Reference: the same data and file, imported without interruption.
    ref_firm, ref_owner = _firm_with_clients(ROWS)
    ref_job = _job(ref_firm, ref_owner, _file_for(ref_firm, ROWS))
    tasks.import_run.apply(args=[ref_job.pk], throw=True)
    expected = _outcome(ref_firm, ref_job)
    assert expected[0] == ("done", ROWS + 2, ROWS, 0, 2)

    firm, owner = _firm_with_clients(ROWS)
    job = _job(firm, owner, _file_for(firm, ROWS))
    log_path = media_root.parent / "worker.log"
    worker = _start_worker(queue, media_root, log_path)
    try:
        tasks.import_run.apply_async(args=[job.pk], queue=queue)

        def running_with_progress():
            with scopes_disabled():
                job.refresh_from_db()
            return job.status == ImportStatus.RUNNING and job.progress > 1

        _wait(running_with_progress, 120, "the import to report progress")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        with scopes_disabled():
            job.refresh_from_db()
        assert job.status == ImportStatus.RUNNING, "the worker was killed too late"

        worker = _start_worker(queue, media_root, log_path)
        # The beat task finds the orphaned job once the dead worker's lock is gone.
        _wait(
            lambda: job.pk in tasks.imports_requeue_stale.apply(kwargs={"stale_after": 0}).get(),
            60,
            "the stale job to be re-queued",
        )

        def finished():
            with scopes_disabled():
                job.refresh_from_db()
            return job.is_finished

        try:
            _wait(finished, 300, "the re-queued import to finish")
        except AssertionError:
            log = log_path.read_text() if log_path.exists() else "(no worker log)"
            raise AssertionError(
                f"job {job.pk} still {job.status} ({job.progress}%, attempt {job.attempts});"
                f" worker log:\n{log[-3000:]}"
            ) from None
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)

    result = _outcome(firm, job)
    assert job.attempts == 2
    assert result[0] == expected[0]
    assert result[1] == expected[1]
    assert [(outcome, reason) for _line, outcome, reason in result[2]] == [
        (outcome, reason) for _line, outcome, reason in expected[2]
    ]
