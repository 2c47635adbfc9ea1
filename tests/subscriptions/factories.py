import datetime

import factory

from subscriptions import periods
from subscriptions.models import (
    Billing,
    ClientUsage,
    DiscountPolicy,
    Product,
    Subscription,
    SubscriptionStatus,
)
from tests.clients.factories import ClientFactory


def product(code: str) -> Product:
    return Product.objects.get(code=code)


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """An active wholesale Essentials plan. Use inside scopes_disabled();
    pass firm, and a client of that firm (or let it build one)."""

    class Meta:
        model = Subscription
        skip_postgeneration_save = True

    firm = factory.SelfAttribute("client.firm")
    client = factory.SubFactory(ClientFactory)
    product = factory.LazyFunction(lambda: product("essentials"))
    billing = Billing.WHOLESALE
    status = SubscriptionStatus.ACTIVE
    currency = factory.LazyAttribute(lambda o: o.firm.currency)
    discount_rate = factory.LazyFunction(lambda: DiscountPolicy.current().wholesale_rate)
    discount_until = None
    start_date = factory.LazyFunction(datetime.date.today)

    @factory.post_generation
    def period(obj, create, extracted, **kwargs):
        """Open the billing period the services would open (skip with period=False)."""
        if create and extracted is not False and obj.status == SubscriptionStatus.ACTIVE:
            periods.open_period(obj, on=obj.start_date)
            periods.client_billing_refresh(client=obj.client)


class ClientUsageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientUsage
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    firm = factory.SelfAttribute("client.firm")
    users = 1

    @factory.post_generation
    def features(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.features.set(extracted, through_defaults={"firm_id": obj.firm_id})


def ensure_catalogue() -> None:
    """Load the catalogue of the data migration again (idempotent): tests with
    transaction=True flush the database, data migrations included."""
    import importlib

    from django.apps import apps

    importlib.import_module("subscriptions.migrations.0002_catalogue").load(apps, None)


def client_with_team(
    firm,
    *,
    members: int = 1,
    billing: str = Billing.WHOLESALE,
    plan: str = "essentials",
    name: str | None = None,
):
    """A client with a live plan and `members` active team members of its own
    company. Builds outside any scope."""
    from django_scopes import scopes_disabled

    from clients.models import BillingChoice, Company, CompanyMember

    with scopes_disabled():
        extra = {"display_name": name} if name else {}
        client = ClientFactory(firm=firm, initial_billing=BillingChoice(billing), **extra)
        company = Company.objects.create(name=client.display_name)
        client.company_account = company
        client.save(update_fields=["company_account"])
        if plan:
            SubscriptionFactory(client=client, product=product(plan), billing=billing)
        for i in range(members):
            CompanyMember.objects.create(
                company=company,
                full_name=f"Member {i + 1} of {client.display_name}",
                email=f"member{i + 1}.{client.pk}@client.test",
                role="admin" if i == 0 else "standard",
            )
    return client


def app_setup_for(firm, client=None, code: str = "time"):
    """An AppSetup at its first step (no add-on), for isolation tests."""
    from django_scopes import scopes_disabled

    from subscriptions.models import AppSetup, SetupStep

    with scopes_disabled():
        client = client or ClientFactory(firm=firm)
        return AppSetup.objects.create(
            firm=firm,
            client=client,
            product=product(code),
            step=SetupStep.ACCOUNT if code == "time" else SetupStep.PAYROLL,
        )
