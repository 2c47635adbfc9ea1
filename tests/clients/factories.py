import factory

from clients.models import Client, ClientType
from tests.practice.factories import FirmFactory


class ClientFactory(factory.django.DjangoModelFactory):
    """Use inside scopes_disabled(). Pass lead_accountant from the same firm."""

    class Meta:
        model = Client

    firm = factory.SubFactory(FirmFactory)
    client_type = ClientType.BUSINESS
    display_name = factory.Sequence(lambda n: f"Client {n}")
    company_name = factory.LazyAttribute(lambda o: o.display_name)
    email = factory.Sequence(lambda n: f"client{n}@example.test")
