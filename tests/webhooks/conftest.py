import pytest
from django_scopes import scopes_disabled

from tests.webhooks.receiver import Receiver
from webhooks.models import EventType, WebhookEndpoint


@pytest.fixture
def receivers():
    """receivers() -> a new running Receiver; all are stopped after the test."""
    started = []

    def start(**options) -> Receiver:
        receiver = Receiver(**options).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def receiver(receivers):
    return receivers()


@pytest.fixture
def make_endpoint(firm):
    """make_endpoint(receiver, events=[...], firm=...) -> an endpoint whose secret the
    receiver knows (created directly: the services' own checks are tested apart)."""

    def make(receiver, *, events=None, target_firm=None, **fields):
        with scopes_disabled():
            endpoint = WebhookEndpoint.objects.create(
                firm=target_firm or firm,
                url=receiver.url,
                events=list(events or EventType.values),
                **fields,
            )
        receiver.secret = endpoint.secret
        return endpoint

    return make
