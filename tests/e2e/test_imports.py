"""Browser test of the client-number import (R26–R28): upload, live progress,
summary, error log. Uses the e2e fixtures from tests/e2e/conftest.py."""

import csv
import io
import pathlib

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from imports import tasks
from imports.models import ImportJob, ImportStatus
from tests.clients.factories import ClientFactory

if not (pathlib.Path(__file__).parent / "conftest.py").exists():
    pytest.skip(
        "the e2e fixtures (tests/e2e/conftest.py) are not here yet", allow_module_level=True
    )

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_r28_upload_progress_summary_and_error_log(
    page, live_server, login, firm, standard_member, monkeypatch, settings, tmp_path, artifacts
):
    settings.MEDIA_ROOT = tmp_path / "media"
    queued = []
    # Hold the job back so the page can be seen waiting and working.
    monkeypatch.setattr(tasks, "import_run_enqueue", queued.append)
    with scopes_disabled():
        a = ClientFactory(firm=firm, display_name="Atelier Aubert", client_number="1")
        b = ClientFactory(firm=firm, display_name="Boulangerie Brun", client_number="2")
    data = (
        "Numéro d'identification de l'entreprise;Nom d'affichage;Numéro de client\r\n"
        f"{a.company_id};Atelier Aubert;2\r\n"
        f"{b.company_id};Boulangerie Brun;1\r\n"
        "9999999999999999;Inconnu SA;3\r\n"
    ).encode("cp1252")

    login(page, live_server, standard_member.user)
    page.goto(live_server.url + reverse("imports:index", args=[firm.slug]))
    expect(page.get_by_test_id("import-limits")).to_contain_text("100,000")
    page.screenshot(path=str(artifacts / "imports-upload.png"), full_page=True)
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "numeros.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("button", name="Import", exact=True).click()

    status = page.get_by_test_id("job-status")
    expect(status).to_have_attribute("data-status", "queued")
    expect(status).to_have_attribute("hx-trigger", "every 1s")
    assert len(queued) == 1
    with scopes_disabled():
        ImportJob.objects.filter(pk=queued[0]).update(
            status=ImportStatus.RUNNING, progress=40, total_rows=1200
        )
    expect(status).to_contain_text("1,200 rows read")
    with scopes_disabled():
        ImportJob.objects.filter(pk=queued[0]).update(status=ImportStatus.QUEUED)
    tasks.import_run.apply(args=[queued[0]], throw=True)

    summary = page.get_by_test_id("job-summary")
    expect(summary).to_be_visible()
    expect(page.locator("[data-count=updated]")).to_have_text("2")
    expect(page.locator("[data-count=failed]")).to_have_text("1")
    expect(page.get_by_test_id("job-status")).not_to_have_attribute("hx-trigger", "every 1s")
    expect(page.get_by_test_id("changes")).to_contain_text("Atelier Aubert")
    page.screenshot(path=str(artifacts / "imports-job-summary.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_test_id("error-log").click()
    download = download_info.value
    text = pathlib.Path(download.path()).read_bytes().decode("cp1252")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == [
        "Numéro d'identification de l'entreprise",
        "Nom d'affichage",
        "Numéro de client",
    ]
    assert rows[1][:3] == ["9999999999999999", "Inconnu SA", "3"]
    assert "Unknown company ID" in rows[1][3]
    with scopes_disabled():
        a.refresh_from_db()
        b.refresh_from_db()
    assert (a.client_number, b.client_number) == ("2", "1")
