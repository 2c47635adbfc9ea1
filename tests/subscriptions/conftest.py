import datetime

import pytest
from django_scopes import scopes_disabled

from clients.models import BillingChoice
from tests.subscriptions.factories import SubscriptionFactory, product


@pytest.fixture
def wholesale(firm, make_client):
    """make an active wholesale subscription: wholesale(code="essentials", users=..)"""

    def make(code="essentials", start=None, **kwargs):
        client = make_client(initial_billing=BillingChoice.WHOLESALE, initial_plan_code=code)
        with scopes_disabled():
            kwargs.setdefault("start_date", start or datetime.date.today())
            return SubscriptionFactory(client=client, product=product(code), **kwargs)

    return make
