"""Upload page, job page with progress, error log, history (R27, R28)."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from imports.models import ImportJob, ImportRow, ImportStatus
from practice.csvutil import EXPORT_HEADERS
from tests.imports.factories import ImportJobFactory, csv_bytes, numbers_of

pytestmark = pytest.mark.django_db


def row(client, number):
    return [client.company_id, client.display_name, number]


def post_file(client, firm, data, mode="import", name="clients.csv"):
    return client.post(
        reverse("imports:index", args=[firm.slug]),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "mode": mode},
    )


def job_count():
    with scopes_disabled():
        return ImportJob.objects.count()


@pytest.mark.parametrize("role", ["standard_member", "admin_member", "primary_admin"])
def test_upload_page_shows_rules_and_limits_to_every_role(request, client_for, firm, role):
    member = request.getfixturevalue(role)
    response = client_for(member).get(reverse("imports:index", args=[firm.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Client number" in body and "Numéro de client" in body
    assert "100,000" in body and "10.0" in body
    assert reverse("imports:index", args=[firm.slug]) in body  # in the navigation


def test_upload_runs_and_redirects_to_the_job(
    client_for, firm, standard_member, make_clients, django_capture_on_commit_callbacks
):
    (a,) = make_clients(None)
    client = client_for(standard_member)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(client, firm, csv_bytes([[a.company_id, a.display_name, "N-1"]]))
    with scopes_disabled():
        job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:job", args=[firm.slug, job.pk])
    assert numbers_of([a]) == ["N-1"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'data-count="updated">1<' in page.content.decode()


def test_r27_over_the_byte_limit_is_refused_before_any_work(
    client_for, firm, standard_member, settings
):
    settings.IMPORT_MAX_BYTES = 100
    response = post_file(client_for(standard_member), firm, csv_bytes([["1", "a", "b"]] * 10))
    assert response.status_code == 400
    assert "larger than the limit of 100" in response.content.decode()
    assert job_count() == 0


def test_r27_over_the_row_limit_is_refused_before_any_work(
    client_for, firm, standard_member, settings
):
    settings.IMPORT_MAX_ROWS = 2
    response = post_file(client_for(standard_member), firm, csv_bytes([["1", "a", "b"]] * 3))
    assert response.status_code == 400
    assert "more than 2 rows" in response.content.decode()
    assert job_count() == 0


def test_limits_are_read_from_the_environment(monkeypatch):
    import importlib

    import practice.settings as practice_settings

    monkeypatch.setenv("IMPORT_MAX_ROWS", "5")
    monkeypatch.setenv("IMPORT_MAX_BYTES", "1234")
    monkeypatch.setenv("DEBUG", "1")
    reloaded = importlib.reload(practice_settings)
    try:
        assert (reloaded.IMPORT_MAX_ROWS, reloaded.IMPORT_MAX_BYTES) == (5, 1234)
    finally:
        monkeypatch.undo()
        importlib.reload(practice_settings)


@pytest.mark.parametrize(
    "data", [b"\x00\x01binary", b"just some text\nwithout the columns\n", b"\x81\x8d\x8f"]
)
def test_r29_unreadable_file_gets_one_message_and_changes_nothing(
    client_for, firm, standard_member, data
):
    response = post_file(client_for(standard_member), firm, data)
    assert response.status_code == 400
    assert response.content.decode().count('class="invalid-feedback d-block"') == 1
    assert job_count() == 0


def test_r28_progress_polls_until_done_then_stops(client_for, firm, standard_member):
    with scopes_disabled():
        job = ImportJobFactory(firm=firm, status=ImportStatus.RUNNING, progress=40, total_rows=1200)
    client = client_for(standard_member)
    url = reverse("imports:job", args=[firm.slug, job.pk])
    running = client.get(url, headers={"HX-Request": "true"})
    assert running.status_code == 200
    body = running.content.decode()
    assert 'hx-trigger="every 1s"' in body and "1,200 rows read" in body
    assert "<html" not in body
    with scopes_disabled():
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE, updated_count=7)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.status_code == 286
    assert "hx-trigger" not in done.content.decode()
    assert 'data-count="updated">7<' in done.content.decode()
    # Without JavaScript the full page works, with a plain refresh link while running.
    assert client.get(url).status_code == 200


def _error_log(client, firm, job):
    response = client.get(reverse("imports:job_errors", args=[firm.slug, job.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("language", "delimiter", "encoding"), [("en", ",", "utf-8"), ("fr", ";", "cp1252")]
)
def test_r28_error_log_round_trip(
    client_for, firm, standard_member, make_clients, run_import, language, delimiter, encoding
):
    """Download the error log, correct it, upload it as it is: it works."""
    a, b, c = make_clients(None, None, "TAKEN")
    data = csv_bytes(
        [
            [a.company_id, a.display_name, "=A1"],
            [b.company_id, b.display_name, "TAKEN"],
            [c.company_id, c.display_name, "TAKEN"],
        ],
        language=language,
        delimiter=delimiter,
        encoding=encoding,
    )
    job = run_import(data)
    assert (job.updated_count, job.failed_count) == (1, 2)
    assert numbers_of([a]) == ["=A1"]

    log = _error_log(client_for(standard_member), firm, job)
    text = log.decode(encoding)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))
    assert rows[0][:3] == list(EXPORT_HEADERS[language]) and len(rows[0]) == 4
    assert [r[2] for r in rows[1:]] == ["TAKEN", "TAKEN"]
    assert all(r[3] for r in rows[1:])

    fixed = text.replace(f"{delimiter}TAKEN{delimiter}", f"{delimiter}B-1{delimiter}", 1)
    retry = run_import(fixed.encode(encoding), name="errors.csv")
    assert (retry.updated_count, retry.unchanged_count, retry.failed_count) == (1, 1, 0)
    assert numbers_of([a, b, c]) == ["=A1", "B-1", "TAKEN"]


def test_error_log_defuses_formulas(client_for, firm, standard_member, run_import):
    job = run_import(csv_bytes([["=HYPERLINK(1)", "@x", "+1"]]))
    log = _error_log(client_for(standard_member), firm, job).decode("utf-8-sig")
    assert "'=HYPERLINK(1),'@x,'+1" in log


def test_check_then_import(
    client_for, firm, standard_member, make_clients, run_import, django_capture_on_commit_callbacks
):
    a, b = make_clients("1", "2")
    check = run_import(
        csv_bytes([[a.company_id, a.display_name, "2"], [b.company_id, b.display_name, "1"]]),
        mode="check",
    )
    client = client_for(standard_member)
    page = client.get(reverse("imports:job", args=[firm.slug, check.pk])).content.decode()
    assert "What would change" in page and "nothing was changed" in page
    assert numbers_of([a, b]) == ["1", "2"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:job_confirm", args=[firm.slug, check.pk]))
    with scopes_disabled():
        job = ImportJob.objects.exclude(pk=check.pk).get()
    assert response["Location"] == reverse("imports:job", args=[firm.slug, job.pk])
    assert job.status == ImportStatus.DONE and job.source_id == check.pk
    assert numbers_of([a, b]) == ["2", "1"]


def test_history_lists_the_firms_imports_only(
    client_for, firm, other_firm, standard_member, django_assert_max_num_queries
):
    with scopes_disabled():
        for _ in range(5):
            ImportJobFactory(firm=firm, created_by=standard_member.user)
        ImportJobFactory(firm=other_firm, original_filename="theirs.csv")
    client = client_for(standard_member)
    url = reverse("imports:history", args=[firm.slug])
    client.get(url)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    body = response.content.decode()
    assert body.count("clients.csv") == 5 and "theirs.csv" not in body


def _changes_csv(client, firm, job, *, delimiter=",", encoding="utf-8"):
    response = client.get(reverse("imports:job_changes", args=[firm.slug, job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    disposition = response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode(encoding).lstrip("\ufeff")
    return disposition, list(csv.reader(io.StringIO(text), delimiter=delimiter))


@pytest.mark.parametrize(
    ("language", "delimiter", "encoding"), [("en", ",", "utf-8"), ("fr", ";", "cp1252")]
)
def test_changes_csv_lists_every_updated_row_like_the_upload(
    client_for, firm, standard_member, make_clients, run_import, language, delimiter, encoding
):
    a, b, c, d = make_clients("1", None, "3", "4")
    data = csv_bytes(
        [row(a, "=10"), row(b, "20"), row(c, "3"), [d.company_id, "Wrong name", "40"]],
        language=language,
        delimiter=delimiter,
        encoding=encoding,
    )
    job = run_import(data, name="march.csv")
    assert (job.updated_count, job.unchanged_count, job.failed_count) == (2, 1, 1)
    client = client_for(standard_member)
    page = client.get(reverse("imports:job", args=[firm.slug, job.pk])).content.decode()
    assert reverse("imports:job_changes", args=[firm.slug, job.pk]) in page

    disposition, rows = _changes_csv(client, firm, job, delimiter=delimiter, encoding=encoding)
    assert disposition == 'attachment; filename="march-changes.csv"'
    company_id, name, number = EXPORT_HEADERS[language]
    with translation.override(language):
        previous = gettext("Previous client number")
    assert rows == [
        [company_id, name, previous, number],
        [a.company_id, a.display_name, "1", "'=10"],
        [b.company_id, b.display_name, "", "20"],
    ]
    if language == "en":
        assert previous == "Previous client number"


def test_changes_csv_after_undo_says_which_numbers_came_back(
    client_for, firm, standard_member, make_clients, run_import
):
    a, b = make_clients("A0", "B0")
    job = run_import(csv_bytes([row(a, "A1"), row(b, "B1")]))
    with scopes_disabled():
        type(b).objects.filter(pk=b.pk).update(client_number="B2")
    client = client_for(standard_member)
    client.post(reverse("imports:job_undo", args=[firm.slug, job.pk]))
    _disposition, rows = _changes_csv(client, firm, job)
    assert rows == [
        ["Company ID", "Display name", "Previous client number", "Client number", "Undo"],
        [a.company_id, a.display_name, "A0", "A1", "Previous number restored."],
        [
            b.company_id,
            b.display_name,
            "B0",
            "B1",
            "Not restored: the number has changed since the import.",
        ],
    ]


def test_changes_csv_streams_every_row_of_a_large_import(client_for, firm, standard_member):
    with scopes_disabled():
        job = ImportJobFactory(firm=firm, mode="import", updated_count=4500)
        ImportRow.objects.bulk_create(
            ImportRow(
                firm=firm,
                job=job,
                line=line,
                company_id=f"C{line}",
                display_name=f"Client {line}",
                client_number=f"N{line}",
                previous_number=None if line % 2 else f"P{line}",
                outcome="failed" if line % 3 == 0 else "updated",
            )
            for line in range(2, 4502)
        )
    _disposition, rows = _changes_csv(client_for(standard_member), firm, job)
    expected = [line for line in range(2, 4502) if line % 3]
    assert [r[0] for r in rows[1:]] == [f"C{line}" for line in expected]
    assert rows[-1] == ["C4501", "Client 4501", "", "N4501"]


def test_changes_csv_only_for_finished_imports_of_the_firm(
    client_for, firm, other_firm, standard_member, make_clients, run_import
):
    (a,) = make_clients("1")
    check = run_import(csv_bytes([row(a, "2")]), mode="check")
    with scopes_disabled():
        running = ImportJobFactory(firm=firm, mode="import", status=ImportStatus.RUNNING)
        theirs = ImportJobFactory(firm=other_firm, mode="import", updated_count=1)
    client = client_for(standard_member)
    page = client.get(reverse("imports:job", args=[firm.slug, check.pk])).content.decode()
    assert "Download the changes" not in page
    for job in (check, running, theirs):
        url = reverse("imports:job_changes", args=[firm.slug, job.pk])
        assert client.get(url).status_code == 404


def test_downloads_name_the_file_safely_whatever_the_upload_was_called(
    client_for, firm, standard_member
):
    """The upload's own name goes into the download's header quoted and encoded:
    quotes, accents and line breaks can neither break nor forge the header."""
    with scopes_disabled():
        job = ImportJobFactory(
            firm=firm, mode="import", original_filename='clients "été"\r\nX-Evil: 1.csv'
        )
    client = client_for(standard_member)
    for name in ("imports:job_errors", "imports:job_changes"):
        response = client.get(reverse(name, args=[firm.slug, job.pk]))
        assert response.status_code == 200
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment; filename*=utf-8''clients%20%22%C3%A9t%C3%A9%22")
        assert "\n" not in disposition and "X-Evil" not in response.headers


def test_an_upload_sent_twice_makes_one_job(client_for, standard_member, make_client, firm):
    """A double click on "Import" sends the file twice: one job, both answers lead to it."""
    client = make_client(company_id="123456789")
    web = client_for(standard_member)
    form = web.get(reverse("imports:index", args=[firm.slug])).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    data = csv_bytes([row(client, "N-1")])
    answers = [
        web.post(
            reverse("imports:index", args=[firm.slug]),
            {
                "file": SimpleUploadedFile("c.csv", data, content_type="text/csv"),
                "mode": "check",
                "form_token": token,
            },
        )
        for _ in range(2)
    ]
    assert job_count() == 1
    assert answers[0].status_code == answers[1].status_code == 302
    assert answers[0]["Location"] == answers[1]["Location"]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_import_page_links_to_the_export_and_shows_headers_as_text(
    client_for, standard_member, firm, language
):
    web = client_for(standard_member)
    web.cookies["language"] = language
    body = web.get(
        reverse("imports:index", args=[firm.slug]), headers={"Accept-Language": language}
    ).content.decode()
    assert f'href="{reverse("clients:export", args=[firm.slug])}"' in body
    assert "<code>" not in body
    header = "Numéro de client" if language == "fr" else "Client number"
    assert f"<td>{header}</td>" in body
