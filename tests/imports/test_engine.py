"""The set-based engine: rules decided over the whole file at once (R26), and on
PostgreSQL the import's rows written by a second connection alongside the
numbers, all or nothing still."""

import pytest
from django.db import DatabaseError, connection
from django_scopes import scopes_disabled

from imports.engine import apply, record
from imports.models import ImportRow, ImportStatus
from tests.imports.factories import csv_bytes, numbers_of, rows_of


def row(client, number, name=None):
    return [client.company_id, client.display_name if name is None else name, number]


@pytest.mark.django_db
def test_r26_a_name_that_differs_only_in_case_still_counts_as_a_repeated_company_id(
    make_clients, run_import
):
    """The row whose name differs in case passes the name rule, so the company ID
    is given twice by rows that pass it: both are refused."""
    (a,) = make_clients("OLD")
    job = run_import(csv_bytes([row(a, "N-1", a.display_name.upper()), row(a, "N-2")]))
    assert rows_of(job) == [("failed", "duplicate_company_id")] * 2
    assert numbers_of([a]) == ["OLD"]


@pytest.mark.django_db
def test_r26_loose_and_true_name_mismatches_in_one_file(make_clients, run_import):
    a, b, c = make_clients("A", "B", "C")
    job = run_import(
        csv_bytes(
            [
                row(a, "A-2", "  " + a.display_name.lower() + " "),
                row(b, "B-2", "Someone else"),
                row(c, "B", c.display_name.upper()),
            ]
        )
    )
    # c wants b's number, and b keeps it: its own row was refused.
    assert rows_of(job) == [
        ("updated", ""),
        ("failed", "name_mismatch"),
        ("failed", "number_taken"),
    ]
    assert numbers_of([a, b, c]) == ["A-2", "B", "C"]


@pytest.mark.django_db
def test_r26_a_number_repeated_by_a_refused_row_still_counts(make_clients, run_import):
    (a,) = make_clients(None)
    job = run_import(csv_bytes([["0000", "Nobody", "SAME"], row(a, "SAME")]))
    assert rows_of(job) == [("failed", "unknown_company_id"), ("failed", "duplicate_number")]
    assert numbers_of([a]) == [None]


# PostgreSQL: the rows written by a second connection -------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a second connection needs a database server"
)


@pytest.fixture
def writers(monkeypatch):
    """Each run of the second connection: its error, or None."""
    runs = []
    original = record._Writer.run

    def run(self):
        original(self)
        runs.append(self.error)

    monkeypatch.setattr(record._Writer, "run", run)
    return runs


def job_rows(job):
    with scopes_disabled():
        return list(
            ImportRow.objects.filter(job=job)
            .order_by("line")
            .values_list("line", "outcome", "reason", "previous_number", "client_number")
        )


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_rows_are_written_by_a_second_connection(make_clients, run_import, writers):
    a, b, c = make_clients("1", "2", None)
    job = run_import(csv_bytes([row(a, "2"), row(b, "1"), row(c, "3"), ["0", "x", "y"]]))
    assert writers == [None]
    assert (job.status, job.updated_count, job.failed_count, job.total_rows) == (
        ImportStatus.DONE,
        3,
        1,
        4,
    )
    assert job_rows(job) == [
        (2, "updated", "", "1", "2"),
        (3, "updated", "", "2", "1"),
        (4, "updated", "", None, "3"),
        (5, "failed", "unknown_company_id", None, "y"),
    ]
    assert numbers_of([a, b, c]) == ["2", "1", "3"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_rows_written_by_the_second_connection_go_when_the_import_fails(
    make_clients, run_import, writers, monkeypatch
):
    a, b = make_clients("1", "2")
    original = apply.apply_numbers

    def apply_then_fail(**kwargs):
        original(**kwargs)
        raise RuntimeError("database went away")

    monkeypatch.setattr(apply, "apply_numbers", apply_then_fail)
    job = run_import(csv_bytes([row(a, "2"), row(b, "1")]))
    assert writers == [None]  # it had committed its rows
    assert (job.status, job.failure_code) == (ImportStatus.FAILED, "error")
    assert job_rows(job) == []
    assert numbers_of([a, b]) == ["1", "2"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_without_a_second_connection_the_import_writes_its_rows_itself(
    make_clients, run_import, writers, monkeypatch
):
    (a,) = make_clients("1")

    def refused(job):
        raise DatabaseError("too many connections")

    monkeypatch.setattr(record, "lock_job_and_firm", refused)
    job = run_import(csv_bytes([row(a, "9")]))
    assert [type(error) for error in writers] == [DatabaseError]
    assert job.status == ImportStatus.DONE
    assert job_rows(job) == [(2, "updated", "", "1", "9")]
    assert numbers_of([a]) == ["9"]
