import factory
from django.core.files.base import ContentFile

from imports.models import ImportJob, ImportMode, ImportStatus
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
