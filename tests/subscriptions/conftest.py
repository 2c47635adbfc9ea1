import datetime

import pytest
from django_scopes import scope, scopes_disabled

from clients.models import BillingChoice
from tests.clients.factories import ClientFactory
from tests.practice.factories import BillingProfileFactory
from tests.subscriptions.factories import SubscriptionFactory, product


@pytest.fixture
def complete_profile(firm):
    with scopes_disabled():
        return BillingProfileFactory(firm=firm)


@pytest.fixture
def in_firm(firm):
    """Run the test body inside the firm's scope, as a request would."""
    with scope(firm=firm):
        yield firm


@pytest.fixture
def make_client(firm):
    def make(**kwargs):
        with scopes_disabled():
            return ClientFactory(firm=firm, **kwargs)

    return make


@pytest.fixture
def wholesale(firm, make_client):
    """make an active wholesale subscription: wholesale(code="essentials", users=..)"""

    def make(code="essentials", start=None, **kwargs):
        client = make_client(initial_billing=BillingChoice.WHOLESALE, initial_plan_code=code)
        with scopes_disabled():
            kwargs.setdefault("start_date", start or datetime.date.today())
            return SubscriptionFactory(client=client, product=product(code), **kwargs)

    return make
