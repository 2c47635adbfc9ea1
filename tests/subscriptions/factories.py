import datetime

import factory

from subscriptions import services
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
            services._open_period(obj, on=obj.start_date)
            services.client_billing_refresh(client=obj.client)


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
            obj.features.set(extracted)


def ensure_catalogue() -> None:
    """Load the catalogue of the data migration again (idempotent): tests with
    transaction=True flush the database, data migrations included."""
    import importlib

    from django.apps import apps

    importlib.import_module("subscriptions.migrations.0002_catalogue").load(apps, None)
