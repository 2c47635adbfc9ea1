"""The client's history shows the numbers imports changed and their undos, read
from the import's rows (R9, R26, issue 5 §7); edit conflicts name the importer (R10)."""

import pytest
from django.urls import reverse
from django.utils.html import escape
from django_scopes import scopes_disabled

from clients import services
from clients.selectors import client_history
from imports.models import ImportJob, ImportMode, ImportRow, ImportStatus
from imports.selectors import NumberChange
from practice.models import ActivityEvent
from practice.tenancy import firm_scope
from tests.imports.factories import csv_bytes, numbers_of

pytestmark = pytest.mark.django_db
HISTORY_TAB = {"HX-Request": "true", "HX-Target": "client-tab"}


def row(client, number):
    return [client.company_id, client.display_name, number]


def history(firm, client):
    with scopes_disabled():
        return client_history(firm=firm, client_id=client.pk)


def number_changes(firm, client):
    return [
        (entry.restored, entry.before, entry.after)
        for entry in history(firm, client)
        if isinstance(entry, NumberChange)
    ]


def history_tab(web, firm, client):
    url = reverse("clients:detail", args=[firm.slug, client.pk]) + "?tab=history"
    response = web.get(url, headers=HISTORY_TAB)
    assert response.status_code == 200
    return response.content.decode()


def undo(web, firm, job):
    response = web.post(reverse("imports:job_undo", args=[firm.slug, job.pk]))
    assert response.status_code == 302
    with scopes_disabled():
        job.refresh_from_db()
    return job


def test_r9_history_shows_each_number_an_import_changed(
    client_for, firm, standard_member, make_clients, run_import
):
    a, b, c, d = make_clients("1", None, "3", "4")
    job = run_import(
        csv_bytes([row(a, "10"), row(b, "20"), row(c, "3"), [d.company_id, "Wrong", "40"]]),
        name="march.csv",
    )
    assert (job.updated_count, job.unchanged_count, job.failed_count) == (2, 1, 1)

    (entry,) = history(firm, a)
    assert isinstance(entry, NumberChange)
    assert (entry.actor, entry.created_at, entry.job_id) == (
        standard_member.user,
        job.finished_at,
        job.pk,
    )
    assert entry.changes == {"client_number": ["1", "10"]}
    assert entry.sentence == "Changed the client number by importing march.csv"
    assert number_changes(firm, b) == [(False, None, "20")]
    # Unchanged and failed rows changed nothing, so they show nothing.
    assert history(firm, c) == [] and history(firm, d) == []

    web = client_for(standard_member)
    html = history_tab(web, firm, a)
    assert "Changed the client number by importing march.csv" in html
    assert f'href="{reverse("imports:job", args=[firm.slug, job.pk])}"' in html
    assert escape(str(standard_member.user)) in html
    assert '<td>1</td><td aria-hidden="true">→</td><td>10</td>' in html
    assert '<td>—</td><td aria-hidden="true">→</td><td>20</td>' in history_tab(web, firm, b)
    assert "No history yet" in history_tab(web, firm, c)


def test_r9_undo_adds_the_restore_entry_by_whoever_undid_it(
    client_for, firm, standard_member, admin_member, make_clients, run_import
):
    a, b = make_clients("A0", "B0")
    job = run_import(csv_bytes([row(a, "A1"), row(b, "B1")]), name="april.csv")
    with scopes_disabled():
        type(b).objects.filter(pk=b.pk).update(client_number="B2")  # edited since: kept
    job = undo(client_for(admin_member), firm, job)
    assert numbers_of([a, b]) == ["A0", "B2"]

    restored, imported = history(firm, a)
    assert (restored.restored, restored.actor, restored.created_at) == (
        True,
        admin_member.user,
        job.undone_at,
    )
    assert restored.changes == {"client_number": ["A1", "A0"]}
    assert restored.sentence == "Restored the client number by undoing the import of april.csv"
    assert (imported.restored, imported.actor) == (False, standard_member.user)
    # The number that was not given back has no restore entry.
    assert number_changes(firm, b) == [(False, "B0", "B1")]

    html = history_tab(client_for(standard_member), firm, a)
    restore_at = html.index("Restored the client number by undoing the import of april.csv")
    assert restore_at < html.index("Changed the client number by importing april.csv")
    assert '<td>A1</td><td aria-hidden="true">→</td><td>A0</td>' in html


def test_r9_history_merges_imports_with_edits_newest_first_and_keeps_the_limit(
    firm, primary_admin, make_clients, run_import
):
    (a,) = make_clients("1")
    run_import(csv_bytes([row(a, "2")]))
    with firm_scope(firm):
        services.client_update(firm=firm, client=a, by=primary_admin, version=2, email="e@x.test")
    run_import(csv_bytes([row(a, "3")]))
    entries = history(firm, a)
    assert [getattr(e, "verb", "") for e in entries] == [
        "import.number_changed",
        "client.updated",
        "import.number_changed",
    ]
    assert [e.changes.get("client_number") for e in entries] == [["2", "3"], None, ["1", "2"]]
    with scopes_disabled():
        assert len(client_history(firm=firm, client_id=a.pk, limit=2)) == 2
        assert client_history(firm=firm, client_id=a.pk, limit=1)[0].after == "3"


def test_r9_limit_keeps_the_restore_of_an_older_import(
    client_for, firm, admin_member, make_clients, run_import
):
    """Undoing an old import is newer than the imports after it: the newest
    `limit` entries include it, whatever the order the imports ran in."""
    (a,) = make_clients("1")
    first = run_import(csv_bytes([row(a, "2")]))
    run_import(csv_bytes([row(a, "3")]))
    run_import(csv_bytes([row(a, "2")]))
    first = undo(client_for(admin_member), firm, first)
    assert first.restored_count == 1 and numbers_of([a]) == ["1"]
    with scopes_disabled():
        (latest,) = client_history(firm=firm, client_id=a.pk, limit=1)
        two = client_history(firm=firm, client_id=a.pk, limit=2)
    assert (latest.restored, latest.job_id, latest.changes) == (
        True,
        first.pk,
        {"client_number": ["2", "1"]},
    )
    assert [e.changes["client_number"] for e in two] == [["2", "1"], ["3", "2"]]


def test_r9_check_only_shows_nothing(client_for, firm, standard_member, make_clients, run_import):
    (a,) = make_clients("1")
    job = run_import(csv_bytes([row(a, "2")]), mode="check")
    assert job.updated_count == 1 and numbers_of([a]) == ["1"]
    assert history(firm, a) == []
    # Nor does an import still running, whose staged rows are not applied yet.
    with scopes_disabled():
        running = ImportJob.objects.create(
            firm=firm,
            mode=ImportMode.IMPORT,
            status=ImportStatus.RUNNING,
            original_filename="running.csv",
            finished_at=job.finished_at,
        )
        ImportRow.objects.create(firm=firm, job=running, line=2, client_id=a.pk, client_number="9")
    assert history(firm, a) == []
    assert "No history yet" in history_tab(client_for(standard_member), firm, a)


def test_r9_another_firms_import_rows_never_show(firm, other_firm, make_clients):
    """Rows of another firm's finished import that name this client's id (the row's
    client has no foreign-key constraint) stay out of this client's history."""
    (a,) = make_clients("1")
    with scopes_disabled():
        theirs = ImportJob.objects.create(
            firm=other_firm,
            mode=ImportMode.IMPORT,
            status=ImportStatus.DONE,
            original_filename="theirs.csv",
            finished_at=a.created_at,
        )
        ImportRow.objects.create(
            firm=other_firm, job=theirs, line=2, client_id=a.pk, client_number="X"
        )
        # Rows whose firm and job's firm disagree, either way round.
        ImportRow.objects.create(firm=firm, job=theirs, line=3, client_id=a.pk, client_number="Y")
        ours = ImportJob.objects.create(
            firm=firm,
            mode=ImportMode.IMPORT,
            status=ImportStatus.DONE,
            original_filename="ours.csv",
            finished_at=a.created_at,
        )
        ImportRow.objects.create(
            firm=other_firm, job=ours, line=2, client_id=a.pk, client_number="Z"
        )
    assert history(firm, a) == []


def test_r9_history_takes_a_fixed_number_of_queries(
    client_for, firm, standard_member, make_clients, run_import, django_assert_max_num_queries
):
    (a,) = make_clients("0")
    web = client_for(standard_member)
    job = run_import(csv_bytes([row(a, "1")]))
    undo(web, firm, job)
    history_tab(web, firm, a)  # warm the session and firm lookups
    with django_assert_max_num_queries(2):
        history(firm, a)
    with django_assert_max_num_queries(8) as one_import:
        history_tab(web, firm, a)
    page_queries = len(one_import)
    for number in range(2, 7):
        job = run_import(csv_bytes([row(a, str(number))]))
    undo(web, firm, job)
    assert len(history(firm, a)) == 8
    with django_assert_max_num_queries(2):
        history(firm, a)
    with django_assert_max_num_queries(page_queries):
        history_tab(web, firm, a)


def test_r10_conflict_after_an_import_names_who_ran_it(
    firm, primary_admin, admin_member, standard_member, make_clients, run_import
):
    (a,) = make_clients("1")
    with firm_scope(firm):
        a = services.client_update(firm=firm, client=a, by=admin_member, version=1, email="a@x.t")
    opened = a.version
    run_import(csv_bytes([row(a, "2")]), by=standard_member)
    with firm_scope(firm), pytest.raises(services.ClientConflict) as exc:
        services.client_update(firm=firm, client=a, by=primary_admin, version=opened, email="b@x.t")
    message = exc.value.messages[0]
    assert str(standard_member.user) in message and str(admin_member.user) not in message
    with scopes_disabled():
        assert ActivityEvent.objects.filter(target_type="client", target_id=a.pk).count() == 1


def test_r10_conflict_after_an_undo_names_who_undid_it(
    client_for, firm, primary_admin, admin_member, standard_member, make_clients, run_import
):
    (a,) = make_clients("1")
    job = run_import(csv_bytes([row(a, "2")]), by=standard_member)
    with scopes_disabled():
        opened = type(a).objects.get(pk=a.pk).version
    undo(client_for(admin_member), firm, job)
    with firm_scope(firm), pytest.raises(services.ClientConflict) as exc:
        services.client_update(firm=firm, client=a, by=primary_admin, version=opened, email="b@x.t")
    message = exc.value.messages[0]
    assert str(admin_member.user) in message and str(standard_member.user) not in message
