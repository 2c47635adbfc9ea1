"""The background job: idempotent, safe after a crash, undoable (R28, issue 5)."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from clients.selectors import client_history
from imports import tasks
from imports.engine import apply
from imports.engine.run import MAX_ATTEMPTS
from imports.models import ImportJob, ImportRow, ImportStatus
from imports.selectors import NumberChange
from practice.models import ActivityEvent
from tests.imports.factories import csv_bytes, numbers_of

pytestmark = pytest.mark.django_db


def row(client, number):
    return [client.company_id, client.display_name, number]


def versions(clients):
    with scopes_disabled():
        return [c.__class__.objects.get(pk=c.pk).version for c in clients]


def events(verb):
    with scopes_disabled():
        return ActivityEvent.objects.filter(verb=verb).count()


def number_history(firm, clients):
    """Each client's history as (restored?, before, after), newest first."""
    with scopes_disabled():
        return [
            [
                (e.restored, e.before, e.after)
                for e in client_history(firm=firm, client_id=c.pk)
                if isinstance(e, NumberChange)
            ]
            for c in clients
        ]


def test_rerunning_a_finished_job_does_not_apply_it_again(make_clients, run_import, firm):
    a, b = make_clients("1", "2")
    job = run_import(csv_bytes([row(a, "2"), row(b, "1")]))
    before = versions([a, b]), events("import.completed"), number_history(firm, [a, b])
    assert before[1:] == (1, [[(False, "1", "2")], [(False, "2", "1")]])
    tasks.import_run.delay(job.pk)
    tasks.import_run.delay(job.pk)
    assert (versions([a, b]), events("import.completed"), number_history(firm, [a, b])) == before
    assert numbers_of([a, b]) == ["2", "1"]


def test_a_job_interrupted_mid_way_starts_over_and_ends_like_an_uninterrupted_run(
    make_clients, run_import, firm
):
    """A worker died after staging part of the file: the job is still "running",
    nothing was applied. Running the task again gives the same end result."""
    a, b, c = make_clients("1", "2", None)
    data = csv_bytes([row(a, "2"), row(b, "1"), row(c, "3"), ["0", "x", "y"]])
    check = run_import(data, mode="check")
    with scopes_disabled():
        job = ImportJob.objects.create(
            firm=firm,
            mode="import",
            file=check.file.name,
            original_filename="clients.csv",
            status=ImportStatus.RUNNING,
            attempts=1,
            progress=40,
        )
        ImportRow.objects.create(firm=firm, job=job, line=2, company_id="stale", outcome="failed")
    tasks.import_run.delay(job.pk)
    with scopes_disabled():
        job.refresh_from_db()
        assert job.rows.filter(company_id="stale").count() == 0
    assert (job.status, job.attempts) == (ImportStatus.DONE, 2)
    assert (job.updated_count, job.failed_count, job.total_rows) == (3, 1, 4)
    assert numbers_of([a, b, c]) == ["2", "1", "3"]
    assert number_history(firm, [a, b, c]) == [
        [(False, "1", "2")],
        [(False, "2", "1")],
        [(False, None, "3")],
    ]


def test_stale_running_job_is_requeued_then_completes(
    make_clients, run_import, firm, django_capture_on_commit_callbacks
):
    (a,) = make_clients(None)
    check = run_import(csv_bytes([row(a, "N")]), mode="check")
    long_ago = timezone.now() - timezone.timedelta(hours=1)
    with scopes_disabled():
        job = ImportJob.objects.create(
            firm=firm,
            mode="import",
            file=check.file.name,
            original_filename="clients.csv",
            status=ImportStatus.RUNNING,
            attempts=1,
            heartbeat_at=long_ago,
        )
        fresh = ImportJob.objects.create(
            firm=firm,
            mode="import",
            file=check.file.name,
            original_filename="b.csv",
            status=ImportStatus.RUNNING,
            attempts=1,
            heartbeat_at=timezone.now(),
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.imports_requeue_stale.delay(stale_after=600).get() == [job.pk]
    with scopes_disabled():
        job.refresh_from_db()
        fresh.refresh_from_db()
    assert job.status == ImportStatus.DONE and numbers_of([a]) == ["N"]
    assert fresh.status == ImportStatus.RUNNING


def test_job_interrupted_too_often_is_marked_failed_with_a_reason(firm):
    with scopes_disabled():
        job = ImportJob.objects.create(
            firm=firm,
            mode="import",
            file="imports/missing.csv",
            original_filename="clients.csv",
            status=ImportStatus.RUNNING,
            attempts=MAX_ATTEMPTS,
            heartbeat_at=timezone.now() - timezone.timedelta(hours=1),
        )
    tasks.imports_requeue_stale.delay(stale_after=60)
    with scopes_disabled():
        job.refresh_from_db()
    assert (job.status, job.failure_code) == (ImportStatus.FAILED, "worker_lost")
    assert "interrupted" in job.failure_reason


def test_missing_file_fails_the_job_with_a_reason(firm):
    with scopes_disabled():
        job = ImportJob.objects.create(
            firm=firm, mode="import", file="imports/gone.csv", original_filename="gone.csv"
        )
    tasks.import_run.delay(job.pk)
    with scopes_disabled():
        job.refresh_from_db()
    assert (job.status, job.failure_code) == (ImportStatus.FAILED, "file_missing")


def test_all_or_nothing_when_applying_fails(make_clients, run_import, monkeypatch, firm):
    """Issue 5 §4: valid rows are applied together or not at all."""
    a, b = make_clients("1", "2")

    def boom(**kwargs):
        raise RuntimeError("database went away")

    original = apply.apply_numbers

    def apply_then_fail(**kwargs):
        original(**kwargs)
        boom()

    monkeypatch.setattr(apply, "apply_numbers", apply_then_fail)
    job = run_import(csv_bytes([row(a, "2"), row(b, "1")]))
    assert (job.status, job.failure_code) == (ImportStatus.FAILED, "error")
    assert numbers_of([a, b]) == ["1", "2"]
    assert events("import.completed") == 0
    assert number_history(firm, [a, b]) == [[], []]


def undo(client, firm, job):
    return client.post(reverse("imports:job_undo", args=[firm.slug, job.pk]), follow=True)


def test_undo_restores_previous_numbers(
    client_for, firm, standard_member, make_clients, run_import
):
    a, b, c = make_clients("1", "2", None)
    job = run_import(csv_bytes([row(a, "2"), row(b, "1"), row(c, "NEW")]))
    response = undo(client_for(standard_member), firm, job)
    assert "3 numbers restored" in response.content.decode()
    assert numbers_of([a, b, c]) == ["1", "2", None]
    with scopes_disabled():
        job.refresh_from_db()
    assert (job.restored_count, job.not_restored_count) == (3, 0) and job.undone_at
    assert events("import.undone") == 1
    assert number_history(firm, [a, b, c]) == [
        [(True, "2", "1"), (False, "1", "2")],
        [(True, "1", "2"), (False, "2", "1")],
        [(True, "NEW", None), (False, None, "NEW")],
    ]
    # A second undo is refused.
    response = undo(client_for(standard_member), firm, job)
    assert "can&#x27;t be undone" in response.content.decode()
    assert numbers_of([a, b, c]) == ["1", "2", None]


def test_undo_refuses_numbers_changed_since_and_reports_them(
    client_for, firm, standard_member, make_clients, run_import
):
    a, b, c = make_clients("A0", "B0", None)
    job = run_import(csv_bytes([row(a, "A1"), row(b, "B1"), row(c, "C1")]))
    with scopes_disabled():
        type(a).objects.filter(pk=a.pk).update(client_number="A2")  # edited since
        type(c).objects.filter(pk=c.pk).update(client_number="C2")
    response = undo(client_for(standard_member), firm, job)
    body = response.content.decode()
    assert "1 numbers restored, 2 kept" in body
    assert numbers_of([a, b, c]) == ["A2", "B0", "C2"]
    with scopes_disabled():
        outcomes = dict(job.rows.values_list("client_id", "undo"))
    assert outcomes == {a.pk: "changed_since", b.pk: "restored", c.pk: "changed_since"}
    page = client_for(standard_member).get(reverse("imports:job", args=[firm.slug, job.pk]))
    assert "changed since the import" in page.content.decode()


def test_undo_refuses_a_previous_number_now_held_by_another_client(
    client_for, firm, standard_member, make_clients, run_import
):
    a, b = make_clients("OLD", None)
    job = run_import(csv_bytes([row(a, "NEW")]))
    with scopes_disabled():
        type(b).objects.filter(pk=b.pk).update(client_number="OLD")
    undo(client_for(standard_member), firm, job)
    assert numbers_of([a, b]) == ["NEW", "OLD"]
    with scopes_disabled():
        assert job.rows.get().undo == "number_taken"


def test_undo_of_a_swap(client_for, firm, standard_member, make_clients, run_import):
    a, b, c = make_clients("1", "2", "3")
    job = run_import(csv_bytes([row(a, "2"), row(b, "3"), row(c, "1")]))
    undo(client_for(standard_member), firm, job)
    assert numbers_of([a, b, c]) == ["1", "2", "3"]
