"""How the subscriptions app answers the clients app's hooks (connected in
SubscriptionsConfig.ready)."""

from django.utils.translation import gettext as _

from subscriptions import selectors, services, transfers


def client_created(sender, *, firm, client, by, **kwargs) -> None:
    services.subscriptions_on_client_created(firm=firm, client=client, by=by)


def client_transferred(sender, *, source, target, by, **kwargs) -> bool:
    return transfers.subscriptions_transfer(source=source, target=target, by=by)


def client_delete_blockers(sender, *, client, **kwargs) -> list[str]:
    """R12: a client on the firm's wholesale billing can't be deleted."""
    if not selectors.client_has_wholesale(client=client):
        return []
    return [
        _(
            "The client is still on your wholesale billing. Move its subscriptions "
            "off wholesale billing (Subscriptions & billing) so the client pays "
            "directly, then delete it."
        )
    ]
