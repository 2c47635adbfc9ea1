import datetime

from django_scopes import scopes_disabled

from billing.services import statement_generate
from clients.models import BillingChoice
from tests.clients.factories import ClientFactory
from tests.subscriptions.factories import SubscriptionFactory, product


def issued_statement(firm, year: int = 2024, month: int = 1):
    """A statement issued for a past month (empty unless subscriptions existed)."""
    return statement_generate(firm=firm, year=year, month=month)


def wholesale_client(firm, name: str, plan: str, *addons: str, start=datetime.date(2025, 1, 1)):
    """A client on wholesale billing with `plan` and `addons`, each a line of its
    statements."""
    with scopes_disabled():
        client = ClientFactory(
            firm=firm, display_name=name, initial_billing=BillingChoice.WHOLESALE
        )
        parent = SubscriptionFactory(client=client, product=product(plan), start_date=start)
        for code in addons:
            SubscriptionFactory(
                client=client, product=product(code), start_date=start, parent=parent
            )
    return client
