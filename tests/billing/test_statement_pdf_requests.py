"""Asking for a statement's PDF when its rendering fails (R36): the page says so
instead of answering 500, the waiting page's polls show the failure instead of
rendering again every 2 s, and asking again tries again."""

import datetime

import pytest
from django.urls import reverse
from django_scopes import scope

from billing import pdf as billing_pdf
from billing import tasks
from billing.models import Statement, StatementPdf

FAILED = "The PDF could not be prepared."


def _broken_renderer(monkeypatch):
    calls = []

    def fail(*, statement, language):
        calls.append(statement.pk)
        raise RuntimeError("no fonts")

    monkeypatch.setattr(billing_pdf, "statement_pdf_bytes", fail)
    return calls


def _queued(monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.statement_pdf_render, "delay", lambda *args: queued.append(args))
    return queued


def _statement(firm, lines: int) -> Statement:
    with scope(firm=firm):
        return Statement.objects.create(
            firm=firm, month=datetime.date(2025, 1, 1), line_count=lines
        )


@pytest.mark.django_db
def test_r36_a_small_statement_whose_pdf_fails_says_so(
    firm, primary_admin, client_for, settings, monkeypatch
):
    settings.STATEMENT_PDF_SYNC_LINES = 300
    renders = _broken_renderer(monkeypatch)
    stmt = _statement(firm, 3)
    url = reverse("billing:statement_pdf", args=[firm.slug, stmt.pk])
    web = client_for(primary_admin)
    response = web.get(url)
    assert response.status_code == 200
    assert FAILED in response.content.decode()
    assert renders == [stmt.pk]
    with scope(firm=firm):
        assert StatementPdf.objects.get(statement=stmt).error == "no fonts"
    web.get(url)  # asking again tries again
    assert renders == [stmt.pk, stmt.pk]


@pytest.mark.django_db
def test_r36_polls_show_a_background_failure_and_asking_again_retries(
    firm, primary_admin, client_for, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.STATEMENT_PDF_SYNC_LINES = 10
    queued = _queued(monkeypatch)
    stmt = _statement(firm, 50)
    url = reverse("billing:statement_pdf", args=[firm.slug, stmt.pk])
    web = client_for(primary_admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert web.get(url).status_code == 200
    assert queued == [(firm.pk, stmt.pk, "en")]
    with scope(firm=firm):
        StatementPdf.objects.filter(statement=stmt).update(error="worker failed")
    with django_capture_on_commit_callbacks(execute=True):
        poll = web.get(url, headers={"HX-Request": "true"})
    assert poll.status_code == 286  # htmx stops polling
    assert FAILED in poll.content.decode()
    assert len(queued) == 1  # a poll never renders again
    with scope(firm=firm):
        assert StatementPdf.objects.get(statement=stmt).error == "worker failed"
    with django_capture_on_commit_callbacks(execute=True):
        again = web.get(url)
    assert len(queued) == 2
    assert FAILED not in again.content.decode()
    with scope(firm=firm):
        assert StatementPdf.objects.get(statement=stmt).error == ""
