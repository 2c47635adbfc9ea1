import factory

from clients.models import Client, ClientType, Company, CompanyMember, CompanyRole
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


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")


class CompanyMemberFactory(factory.django.DjangoModelFactory):
    """A person of a client company; pass user=... to give them portal access."""

    class Meta:
        model = CompanyMember

    company = factory.SubFactory(CompanyFactory)
    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"staff{n}@company.test")
    role = CompanyRole.STANDARD


def portal_user(company=None, role=CompanyRole.ADMIN, **kwargs):
    """A signed-up person who is an active member of `company` (a new one if None)."""
    from tests.practice.factories import UserFactory

    user = UserFactory()
    member = CompanyMemberFactory(
        company=company or CompanyFactory(), user=user, email=user.email, role=role, **kwargs
    )
    return member


def connect(company, firm, **fields):
    """The firm's Client row for `company` (use inside scopes_disabled())."""
    fields.setdefault("display_name", company.name)
    return ClientFactory(firm=firm, company_account=company, **fields)
