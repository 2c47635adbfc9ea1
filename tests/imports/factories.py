import csv
import io

import factory
from django.core.files.base import ContentFile
from django_scopes import scopes_disabled

from imports.models import ImportJob, ImportMode, ImportStatus
from practice.csvutil import EXPORT_HEADERS
from tests.practice.factories import FirmFactory


class ImportJobFactory(factory.django.DjangoModelFactory):
    """A finished check-only job. Use inside scopes_disabled()."""

    class Meta:
        model = ImportJob

    firm = factory.SubFactory(FirmFactory)
    mode = ImportMode.CHECK
    status = ImportStatus.DONE
    original_filename = "clients.csv"
    file = factory.LazyFunction(
        lambda: ContentFile(b"Company ID,Display name,Client number\r\n", name="clients.csv")
    )
    encoding = "utf-8"
    delimiter = ","
    language = "en"


def csv_bytes(rows, *, delimiter=",", encoding="utf-8", language="en", header=None, bom=False):
    """A client-number file as a spreadsheet would save it (CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header or EXPORT_HEADERS[language])
    for row in rows:
        writer.writerow(row)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def numbers_of(clients):
    with scopes_disabled():
        for client in clients:
            client.refresh_from_db()
    return [client.client_number for client in clients]


def rows_of(job):
    with scopes_disabled():
        return list(job.rows.order_by("line").values_list("outcome", "reason"))
