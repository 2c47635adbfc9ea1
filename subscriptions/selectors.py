"""Reads for subscriptions. The functions below are the interface the clients app
relies on; the subscriptions work fills them in."""

from clients.models import Client


def client_has_wholesale(*, client: Client) -> bool:
    """True while any of the client's subscriptions is billed to the firm (wholesale).
    R12: such a client can't be deleted."""
    return False


def plan_choices_for_new_client(*, firm) -> list[tuple[str, str]]:
    """(plan code, label) pairs offered by the add-client form."""
    return []


def client_products(*, client: Client) -> list:
    """The client's subscriptions and add-ons, for the profile's Products tab."""
    return []
