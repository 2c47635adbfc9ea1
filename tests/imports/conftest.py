import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from imports import services
from practice.csvutil import EXPORT_HEADERS
from practice.tenancy import firm_scope
from tests.clients.factories import ClientFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def csv_bytes(rows, *, delimiter=",", encoding="utf-8", language="en", header=None, bom=False):
    """A client-number file as a spreadsheet would save it (CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header or EXPORT_HEADERS[language])
    for row in rows:
        writer.writerow(row)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


@pytest.fixture
def make_clients(firm):
    def make(*numbers, target_firm=None):
        with scopes_disabled():
            return [
                ClientFactory(firm=target_firm or firm, client_number=number) for number in numbers
            ]

    return make


@pytest.fixture
def run_import(django_capture_on_commit_callbacks, firm, standard_member):
    """run_import(data, mode="import") -> the finished ImportJob (task run eagerly)."""

    def run(data: bytes, mode="import", name="clients.csv", by=None):
        upload = SimpleUploadedFile(name, data, content_type="text/csv")
        with firm_scope(firm), django_capture_on_commit_callbacks(execute=True):
            job = services.import_job_create(
                firm=firm, upload=upload, mode=mode, by=by or standard_member
            )
        with scopes_disabled():
            job.refresh_from_db()
        return job

    return run


def numbers_of(clients):
    with scopes_disabled():
        for client in clients:
            client.refresh_from_db()
    return [client.client_number for client in clients]


def rows_of(job):
    with scopes_disabled():
        return list(job.rows.order_by("line").values_list("outcome", "reason"))
