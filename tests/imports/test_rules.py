"""Row rules of the client-number import (R26), run through the real task."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from clients.selectors import client_history
from imports.models import ImportStatus
from practice.models import ActivityEvent
from tests.clients.factories import ClientFactory
from tests.imports.factories import ImportJobFactory, csv_bytes, numbers_of, rows_of

pytestmark = pytest.mark.django_db


def row(client, number):
    return [client.company_id, client.display_name, number]


def test_r26_sets_numbers_and_counts_updated_unchanged(make_clients, run_import):
    a, b, c = make_clients(None, "B-1", "C-1")
    job = run_import(csv_bytes([row(a, "A-9"), row(b, "B-9"), row(c, "C-1")]))
    assert job.status == ImportStatus.DONE
    assert numbers_of([a, b, c]) == ["A-9", "B-9", "C-1"]
    assert (job.total_rows, job.updated_count, job.unchanged_count, job.failed_count) == (
        3,
        2,
        1,
        0,
    )


def test_r6_number_is_trimmed(make_clients, run_import):
    (a,) = make_clients(None)
    run_import(csv_bytes([[f"  {a.company_id} ", f" {a.display_name}  ", "  N-1  "]]))
    assert numbers_of([a]) == ["N-1"]


def test_r26_unknown_company_id_including_another_firms(make_clients, run_import, other_firm):
    (mine,) = make_clients(None)
    (theirs,) = make_clients("T-1", target_firm=other_firm)
    job = run_import(
        csv_bytes([["9999999999999999", "Nobody", "X-1"], row(theirs, "X-2"), row(mine, "M-1")])
    )
    assert rows_of(job) == [
        ("failed", "unknown_company_id"),
        ("failed", "unknown_company_id"),
        ("updated", ""),
    ]
    assert numbers_of([theirs, mine]) == ["T-1", "M-1"]


def test_r26_display_name_must_match(make_clients, run_import):
    (a,) = make_clients("OLD")
    job = run_import(csv_bytes([[a.company_id, "Someone else", "NEW"]]))
    assert rows_of(job) == [("failed", "name_mismatch")]
    assert numbers_of([a]) == ["OLD"]


def test_r26_display_name_ignores_case_and_spacing(make_clients, run_import):
    (a,) = make_clients(None)
    run_import(csv_bytes([[a.company_id, "  " + a.display_name.upper().replace(" ", "   "), "N"]]))
    assert numbers_of([a]) == ["N"]


def test_r26_empty_client_number(make_clients, run_import):
    (a,) = make_clients("OLD")
    job = run_import(csv_bytes([row(a, "   ")]))
    assert rows_of(job) == [("failed", "empty_number")]
    assert numbers_of([a]) == ["OLD"]


def test_r26_over_100_characters(make_clients, run_import):
    a, b = make_clients(None, None)
    job = run_import(csv_bytes([row(a, "x" * 101), row(b, "y" * 100)]))
    assert rows_of(job) == [("failed", "too_long"), ("updated", "")]
    assert numbers_of([a, b]) == [None, "y" * 100]


def test_r26_number_repeated_in_the_file(make_clients, run_import):
    a, b, c = make_clients(None, None, None)
    job = run_import(csv_bytes([row(a, "SAME"), row(b, "SAME"), row(c, "OTHER")]))
    assert rows_of(job) == [
        ("failed", "duplicate_number"),
        ("failed", "duplicate_number"),
        ("updated", ""),
    ]
    assert numbers_of([a, b, c]) == [None, None, "OTHER"]


def test_company_id_repeated_in_the_file(make_clients, run_import):
    (a,) = make_clients(None)
    job = run_import(csv_bytes([row(a, "ONE"), row(a, "TWO")]))
    assert rows_of(job) == [("failed", "duplicate_company_id")] * 2
    assert numbers_of([a]) == [None]


def test_r26_number_held_by_a_client_the_file_does_not_change(make_clients, run_import):
    a, b = make_clients(None, "TAKEN")
    job = run_import(csv_bytes([row(a, "TAKEN")]))
    assert rows_of(job) == [("failed", "number_taken")]
    assert numbers_of([a, b]) == [None, "TAKEN"]


def test_r26_number_held_by_a_client_listed_as_unchanged(make_clients, run_import):
    a, b = make_clients(None, "TAKEN")
    job = run_import(csv_bytes([row(a, "TAKEN"), row(b, "TAKEN ")]))
    # The same number twice in the file: both rows refused.
    assert [r[1] for r in rows_of(job)] == ["duplicate_number", "duplicate_number"]
    job = run_import(csv_bytes([row(b, "TAKEN"), row(a, "TAKEN2")]))
    assert rows_of(job) == [("unchanged", ""), ("updated", "")]


def test_r26_swap_between_two_clients(make_clients, run_import):
    a, b = make_clients("1", "2")
    job = run_import(csv_bytes([row(a, "2"), row(b, "1")]))
    assert job.updated_count == 2 and job.failed_count == 0
    assert numbers_of([a, b]) == ["2", "1"]


def test_r26_three_way_rotation(make_clients, run_import):
    a, b, c = make_clients("1", "2", "3")
    job = run_import(csv_bytes([row(a, "2"), row(b, "3"), row(c, "1")]))
    assert job.updated_count == 3
    assert numbers_of([a, b, c]) == ["2", "3", "1"]


def test_r26_chain_fails_back_when_its_end_is_refused(make_clients, run_import):
    """A wants B's number, B wants C's, and C's row is refused: C keeps its
    number, so B's row fails, so A's row fails too."""
    a, b, c = make_clients("1", "2", "3")
    job = run_import(csv_bytes([row(a, "2"), row(b, "3"), [c.company_id, "Wrong name", "9"]]))
    assert rows_of(job) == [
        ("failed", "number_taken"),
        ("failed", "number_taken"),
        ("failed", "name_mismatch"),
    ]
    assert numbers_of([a, b, c]) == ["1", "2", "3"]


def test_r26_number_freed_by_the_file_can_be_taken(make_clients, run_import):
    a, b = make_clients(None, "FREE")
    job = run_import(csv_bytes([row(a, "FREE"), row(b, "NEXT")]))
    assert job.updated_count == 2
    assert numbers_of([a, b]) == ["FREE", "NEXT"]


def test_r26_check_only_changes_nothing_and_previews_old_to_new(make_clients, run_import, firm):
    a, b = make_clients("1", "2")
    job = run_import(csv_bytes([row(a, "2"), row(b, "1")]), mode="check")
    assert job.status == ImportStatus.DONE and job.updated_count == 2
    assert numbers_of([a, b]) == ["1", "2"]
    with scopes_disabled():
        preview = list(job.rows.values_list("previous_number", "client_number"))
        assert not ActivityEvent.objects.filter(firm=firm).exists()
        assert client_history(firm=firm, client_id=a.pk) == []
    assert preview == [("1", "2"), ("2", "1")]


def test_activity_records_the_import_and_each_number(
    make_clients, run_import, firm, standard_member, client_for
):
    """The firm's activity log gets one summary line per import; each number it
    changed shows in that client's history, read from the import's rows."""
    a, b = make_clients("1", None)
    job = run_import(csv_bytes([row(a, "10"), row(b, "20"), ["0", "x", "1"]]))
    with scopes_disabled():
        events = ActivityEvent.objects.filter(firm=firm)
        (summary,) = events
        histories = {c: client_history(firm=firm, client_id=c.pk) for c in (a, b)}
    assert (summary.verb, summary.target_id) == ("import.completed", job.pk)
    assert summary.changes == {"updated": 2, "unchanged": 0, "failed": 1}
    assert [(e.job_id, e.actor, e.changes) for e in histories[a]] == [
        (job.pk, standard_member.user, {"client_number": ["1", "10"]})
    ]
    assert [(e.job_id, e.changes) for e in histories[b]] == [
        (job.pk, {"client_number": [None, "20"]})
    ]
    web = client_for(standard_member)
    for client, before, after in ((a, "1", "10"), (b, "—", "20")):
        html = web.get(
            reverse("clients:detail", args=[firm.slug, client.pk]) + "?tab=history"
        ).content.decode()
        assert "Changed the client number by importing clients.csv" in html
        assert f'<td>{before}</td><td aria-hidden="true">→</td><td>{after}</td>' in html


def test_r26_numbers_are_per_firm(make_clients, run_import, other_firm):
    """Two firms may use the same number (R6)."""
    with scopes_disabled():
        ClientFactory(firm=other_firm, client_number="SHARED")
    (a,) = make_clients(None)
    run_import(csv_bytes([row(a, "SHARED")]))
    assert numbers_of([a]) == ["SHARED"]


def test_r26_company_id_lookup_filters_by_firm_even_without_a_scope(firm, other_firm):
    """The join of the file's company IDs with the clients names the firm in the
    query itself, so a file listing another firm's company ID never matches,
    whatever the scope."""
    from django.db import connection

    from imports import bulk
    from imports.engine import checks, staging

    with scopes_disabled():
        ours = ClientFactory(firm=firm)
        theirs = ClientFactory(firm=other_firm)
        job = ImportJobFactory(firm=firm)
        bulk.temp_table_create(staging.FILE_TABLE, staging.FILE_COLUMNS)
        bulk.copy_into(
            staging.FILE_TABLE,
            [name for name, _kind in staging.FILE_COLUMNS],
            [(2, ours.company_id, "a", "1", ""), (3, theirs.company_id, "b", "2", "")],
        )
        checks.decide(job)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT line, client_id, reason FROM {checks.ROWS_TABLE} ORDER BY line")
            found = cursor.fetchall()
        bulk.temp_tables_drop(*checks.TEMP_TABLES)
    assert found == [(2, ours.pk, "name_mismatch"), (3, None, "unknown_company_id")]
