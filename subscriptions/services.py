"""Writes for subscriptions. `subscriptions_on_client_created` is called by
clients.services.client_create once the client row exists."""

from clients.models import Client
from practice.models import Firm, User


def subscriptions_on_client_created(*, firm: Firm, client: Client, by: User) -> None:
    """Honour the subscription choice recorded on the client (initial_billing and
    initial_plan_code) by starting the subscription (R4, R5)."""
    return None
